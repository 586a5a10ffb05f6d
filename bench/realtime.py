"""Realtime pacing: many concurrent voice sessions on one core, audio in and out at real time.

Starts the emulator on core 0 with a realtime deployment under a timing profile (300 ms to
first audio), and runs the client on core 1: every session appends a microphone's 20 ms
chunks at real-time pace for the whole run (the emulator's own speech of a short request,
then silence), server VAD hears the turn and answers aloud, and the next turn starts when
the answer is done. The emulator schedules each ``response.output_audio.delta`` at
``response start + time to first audio + its offset in the sound``; the benchmark prints how
late each one arrives against that schedule, counted from the client's receipt of
``response.created`` (p50/p99/max), together with the client's own lateness in sending
(to show the load generator kept up) and the server's CPU. Target: p99 within 20 ms.

    python bench/realtime.py [--sessions 200] [--turns 2]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import time
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect

from common import configured, percentile

CONFIG = """
infer_deployments: false
timing_profiles:
  bench: {ttft_ms: 300, tokens_per_s: 50, jitter: 0}
deployments:
  voice: {model: gpt-realtime, timing: bench}
  tts: {model: tts}
"""
TTFT_S = 0.300
AUDIO_CHUNK_S = 0.1  # what each output_audio.delta carries (emulator/realtime/responder.py)
CHUNK_S = 0.020  # what the client appends at a time
WORDS = "Reply with exactly: 'the weather in Paris is mild today'"


@dataclass
class Voice:
    """One session: what it has to send next, and what it saw."""

    socket: ClientConnection
    turn: list[str]  # the append events of one turn, speech then silence
    silence: str
    sent: int = 0
    turns_done: int = 0
    answering: bool = False
    created_at: float = 0.0
    deltas: int = 0
    lateness_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)  # the first delta of each answer
    events: int = 0
    failure: str | None = None


def append(chunk: bytes) -> str:
    return json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode("ascii")})


def turn_events(speech: bytes) -> tuple[list[str], str]:
    """The appends of one turn (a quarter second of quiet, the words, then quiet until VAD's
    500 ms of silence has certainly passed) and the one of silence sent while listening."""
    step = int(24_000 * CHUNK_S) * 2
    quiet = bytes(step)
    audio = bytes(step * 12) + speech + bytes(step * 40)
    return [append(audio[i : i + step]) for i in range(0, len(audio), step)], append(quiet)


async def listen(voice: Voice, turns: int) -> None:
    try:
        async for message in voice.socket:
            now = time.monotonic()
            voice.events += 1
            kind = json.loads(message)["type"] if isinstance(message, str) else ""
            if kind == "response.created":
                voice.created_at, voice.deltas, voice.answering = now, 0, True
            elif kind == "response.output_audio.delta":
                due = voice.created_at + TTFT_S + voice.deltas * AUDIO_CHUNK_S
                voice.lateness_ms.append((now - due) * 1000)
                if not voice.deltas:
                    voice.first_ms.append((now - due) * 1000)
                voice.deltas += 1
            elif kind == "response.done":
                voice.turns_done += 1
                voice.answering, voice.sent = False, 0
                if voice.turns_done == turns:
                    return
            elif kind == "error":
                voice.failure = message if isinstance(message, str) else "error"
                return
    except Exception as problem:  # a dropped socket is a result to report, not a crash
        voice.failure = repr(problem)


async def run(port: int, sessions: int, turns: int, ramp_s: float) -> tuple[list[Voice], list[float], float]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers={"api-key": "bench"}) as http:
        spoken = await http.post(
            "/openai/deployments/tts/audio/speech?api-version=2025-03-01-preview",
            json={"model": "tts", "input": WORDS, "voice": "alloy", "response_format": "pcm"},
        )
        spoken.raise_for_status()
    turn, silence = turn_events(spoken.content)
    url = f"ws://127.0.0.1:{port}/openai/v1/realtime?model=voice"
    update = json.dumps({"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}})

    voices: list[Voice] = []
    listeners: list[asyncio.Task[None]] = []
    client_late_ms: list[float] = []
    started = time.monotonic()

    async def open_one(index: int) -> None:
        await asyncio.sleep(index * ramp_s / sessions)
        socket = await connect(url, additional_headers={"api-key": "bench"}, max_size=None)
        await socket.send(update)
        voice = Voice(socket, turn, silence)
        voices.append(voice)
        listeners.append(asyncio.create_task(listen(voice, turns)))

    opening = asyncio.gather(*(open_one(i) for i in range(sessions)))
    # One ticker sends every session's next 20 ms chunk: a microphone each, on one clock.
    tick = 0
    while not (opening.done() and all(task.done() for task in listeners)):
        tick += 1
        due = started + tick * CHUNK_S
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        client_late_ms.append((time.monotonic() - due) * 1000)
        for voice in voices:
            if voice.failure or voice.turns_done == turns:
                continue
            if voice.sent < len(voice.turn) and not voice.answering:
                message = voice.turn[voice.sent]
                voice.sent += 1
            else:
                message = voice.silence
            try:
                await voice.socket.send(message)
            except Exception as problem:
                voice.failure = repr(problem)
        if time.monotonic() - started > 120:
            break
    await opening
    for voice in voices:
        await voice.socket.close()
    return voices, client_late_ms, time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(port: int) -> int | None:
    """The emulator listening on ``port`` (for its CPU time), found through /proc."""
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if parts[1].endswith(f":{port:04X}") and parts[3] == "0A":
                inode = parts[9]
    if inode is None:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which the sessions open")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # the server is on core 0
    with configured(CONFIG) as port:
        pid = server_pid(port)
        cpu_before = cpu_seconds(pid) if pid else 0.0
        client_cpu = time.process_time()
        voices, client_late, wall = asyncio.run(run(port, args.sessions, args.turns, args.ramp))
        client_cpu = time.process_time() - client_cpu
        cpu = cpu_seconds(pid) - cpu_before if pid else float("nan")
    late = [ms for voice in voices for ms in voice.lateness_ms]
    first = [ms for voice in voices for ms in voice.first_ms]
    failed = [voice.failure for voice in voices if voice.failure]
    completed = sum(voice.turns_done for voice in voices)
    events = sum(voice.events for voice in voices)
    appends = len(client_late) * len(voices)
    print(
        f"{args.sessions} concurrent realtime sessions, {args.turns} audio turns each; "
        f"time to first audio 300 ms, audio at real time ({AUDIO_CHUNK_S * 1000:.0f} ms a delta)"
    )
    print(
        f"turns answered {completed}/{args.sessions * args.turns}, failed sessions {len(failed)}"
        + (f" (first: {failed[0][:200]})" if failed else "")
    )
    print(
        f"audio delta lateness against its schedule: p50 {percentile(late, 0.5):6.1f} ms, "
        f"p99 {percentile(late, 0.99):6.1f} ms, max {max(late, default=float('nan')):6.1f} ms "
        f"({len(late)} deltas); the first of each answer: p50 {percentile(first, 0.5):6.1f} ms, "
        f"p99 {percentile(first, 0.99):6.1f} ms"
    )
    print(
        f"client sending lateness (20 ms ticks): p50 {percentile(client_late, 0.5):5.1f} ms, "
        f"p99 {percentile(client_late, 0.99):5.1f} ms; client CPU {client_cpu / wall:.0%} of one core"
    )
    print(
        f"over {wall:.1f} s: {events / wall:,.0f} server events/s, ~{appends / wall:,.0f} appends/s in, "
        f"server CPU {cpu / wall:.0%} of one core"
    )
    print("target: p99 lateness within 20 ms")
    return 0 if not failed and late else 1


if __name__ == "__main__":
    raise SystemExit(main())
