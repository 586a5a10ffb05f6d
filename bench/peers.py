"""The emulator against its strongest peer, CopilotKit's aimock, and the bare-app reference,
in one run on this machine.

Each server runs pinned to core 0 and is loaded from core 1, rounds alternating between
them, the median round counting (shared machines are noisy). The workloads are the chat
completion of bench/chat_throughput.py on the Azure deployment route: the same request
repeated and every request different, through wrk. Then there are paced streams: N
concurrent streams planned at 300 ms to first token and 50 tokens/s for 40 tokens (1.1 s),
with the emulator's timing profile and aimock's ``streamingProfile`` set alike. They are
read by a small asyncio HTTP/1.1 client, so the client is not what saturates. The table
gives the ratios to the bare app, and for streams how far p50/p99 duration and time to
first token are from the plan, the server's memory per open stream that waits for its first
token (N of them, KiB of resident memory each), plus events per second (every ``data:`` event a server sends:
the emulator's include Azure's prompt annotation and the finish chunk, so per stream it sends
a few more than aimock).

aimock (pinned below) is installed with npm into a cache folder the first time: that needs
Node and npm; without them its rows are skipped with a message. wrk is needed too (Debian:
apt-get install wrk).

    python bench/peers.py [--seconds 6] [--rounds 3] [--connections 16] [--streams 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chat_throughput import BODY, LUA_REPEATED, LUA_UNIQUE, PATH

from common import StreamClient, free_port, load, on_the_other_core, pinned, start, wait_loaded, wait_ready

AIMOCK = "@copilotkit/aimock@1.43.0"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aoai-emulator-bench" / "aimock-1.43.0"

TTFT_MS, TOKENS_PER_S, TOKENS = 300, 50, 40
PLAN_S = TTFT_MS / 1000 + TOKENS / TOKENS_PER_S
STREAM_PATH = "/openai/deployments/paced/chat/completions?api-version=2024-10-21"
EMULATOR_STREAMS = f"""
infer_deployments: false
timing_profiles:
  bench: {{ttft_ms: {TTFT_MS}, tokens_per_s: {TOKENS_PER_S}, jitter: 0}}
  idle: {{ttft_ms: 600000, tokens_per_s: {TOKENS_PER_S}, jitter: 0}}
deployments:
  paced: {{model: gpt-4o, timing: bench, reply_tokens: {TOKENS * 2}}}
  idle: {{model: gpt-4o, timing: idle, reply_tokens: {TOKENS * 2}}}
"""
# aimock answers from fixtures: one for the chat workloads (a reply about as long as the
# emulator's), one for streams cut into TOKENS chunks of four characters.
AIMOCK_FIXTURES = {
    "fixtures": [
        {
            "match": {"userMessage": "Stream number"},
            "response": {"content": "word" * TOKENS},
            "chunkSize": 4,
            "streamingProfile": {"ttft": TTFT_MS, "tps": TOKENS_PER_S, "jitter": 0},
        },
        {
            "match": {"userMessage": "Wait"},
            "response": {"content": "word" * TOKENS},
            "chunkSize": 4,
            "streamingProfile": {"ttft": 600_000, "tps": TOKENS_PER_S, "jitter": 0},
        },
        {
            "match": {"userMessage": "Say hello"},
            "response": {"content": "Hello! It is good to hear from you, and I hope the day is going well."},
        },
    ]
}


def aimock_cli() -> Path | None:
    """aimock's command, installed into the cache on first use; None (and why) without npm."""
    cli = CACHE / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"
    if cli.exists():
        return cli
    if not (shutil.which("node") and shutil.which("npm")):
        print("aimock skipped: it needs Node and npm on PATH", file=sys.stderr)
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), AIMOCK],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not cli.exists():
        print(f"aimock skipped: npm install {AIMOCK} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return cli


def start_aimock(cli: Path, fixtures: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = ["node", str(cli), "--port", str(port), "--fixtures", str(fixtures), "--log-level", "silent"]
    process = subprocess.Popen(pinned("0", argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port)
    return process, port


def start_emulator_paced(config: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [sys.executable, "-m", "emulator", "--port", str(port), "--log-level", "warning", "--config", str(config)]
    process = subprocess.Popen(pinned("0", argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port)
    wait_loaded(port)
    return process, port


# -- paced streams ---------------------------------------------------------------------------
# The plan: the first content token at TTFT_MS, each next one 1/TOKENS_PER_S later, done
# after the last (so PLAN_S counts TOKENS gaps, as the 1.1 s does).


async def _stream(client: StreamClient, index: int) -> tuple[float, float, int]:
    """Time to the first content delta and to the end of the stream, from the send; events."""
    body = {
        "messages": [{"role": "user", "content": f"Stream number {index} about timing"}],
        "stream": True,
        "max_tokens": TOKENS,  # exactly TOKENS content tokens: the reply is longer
    }
    got = await client.stream(STREAM_PATH, body)
    if not got.content:
        raise RuntimeError(f"stream {index}: no content")
    return got.content[0], got.ended, got.events


async def streams(port: int, count: int, seconds: float) -> dict[str, float]:
    """``count`` streams open at all times for ``seconds``: each worker opens the next as its
    last ends, the workers' first starts spread over one plan (so they do not all arrive in
    the same millisecond). Only streams begun after that ramp count."""
    warm_up = StreamClient(port)
    await _stream(warm_up, -1)
    warm_up.close()
    results: list[tuple[float, float, int]] = []
    ramp_end = time.monotonic() + PLAN_S
    deadline = ramp_end + seconds

    async def worker(number: int) -> None:
        await asyncio.sleep(number * PLAN_S / count)
        client = StreamClient(port)
        index = 0
        while time.monotonic() < deadline:
            began = time.monotonic()
            got = await _stream(client, number * 1_000_000 + index)
            index += 1
            if began >= ramp_end:
                results.append(got)
        client.close()

    await asyncio.gather(*(worker(n) for n in range(count)))
    ttft = sorted(r[0] for r in results)
    total = sorted(r[1] for r in results)

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    return {
        "streams": len(results),
        "ttft_p50": pct(ttft, 0.5),
        "ttft_p99": pct(ttft, 0.99),
        "p50": pct(total, 0.5),
        "p99": pct(total, 0.99),
        "events_per_s": sum(r[2] for r in results) / (time.monotonic() - ramp_end),
    }


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def idle_streams(port: int, pid: int, count: int) -> float:
    """KiB of the server's memory per open stream that is waiting for its first token."""
    body = json.dumps({"messages": [{"role": "user", "content": "Wait"}], "stream": True}).encode()
    request = (
        f"POST {STREAM_PATH.replace('/paced/', '/idle/')} HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )

    async def open_one() -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await reader.readuntil(b"\r\n\r\n")  # the headers: the stream is open, and waits
        return writer

    for writer in await asyncio.gather(*(open_one() for _ in range(10))):  # warm-up
        writer.close()
    await asyncio.sleep(1)
    before = _rss_kib(pid)
    writers = await asyncio.gather(*(open_one() for _ in range(count)))
    after = _rss_kib(pid)
    for writer in writers:
        writer.close()
    return (after - before) / count


# -- the run ---------------------------------------------------------------------------------


def chat(servers: dict[str, int], args: argparse.Namespace, scripts: dict[str, str]) -> None:
    runs = [("bare", "repeated")] + [(kind, w) for kind in servers if kind != "bare" for w in ("repeated", "unique")]
    results: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    for kind, workload in runs:
        load(servers[kind], PATH, 2, args.connections, scripts[workload])  # warm-up, not counted
    for _ in range(args.rounds):
        for kind, workload in runs:
            results[(kind, workload)].append(
                load(servers[kind], PATH, args.seconds, args.connections, scripts[workload])["rps"]
            )
    bare = statistics.median(results[("bare", "repeated")])
    print(f"chat completion, {args.connections} connections, {args.rounds} x {args.seconds} s per run (median round)")
    print(f"{'server':<10}{'requests':<10}{'req/s':>10}{'vs bare':>10}")
    for run in runs:
        rps = statistics.median(results[run])
        print(f"{run[0]:<10}{run[1]:<10}{rps:>10.0f}{rps / bare:>10.2f}")


def paced(cli: Path | None, count: int, seconds: float, folder: Path) -> None:
    config = folder / "paced.yaml"
    config.write_text(EMULATOR_STREAMS)
    print(
        f"\n{count} concurrent paced streams for {seconds:.0f} s, each planned {TTFT_MS} ms to first token, {TOKENS} tokens at "
        f"{TOKENS_PER_S}/s: {PLAN_S:.2f} s each"
    )
    print(
        f"{'server':<10}{'ttft p50':>10}{'ttft p99':>10}{'dur p50':>10}{'dur p99':>10}{'p99/plan':>10}{'events/s':>10}"
        f"{'KiB/idle':>10}"
    )
    starters = [("emulator", lambda: start_emulator_paced(config))]
    if cli is not None:
        starters.append(("aimock", lambda: start_aimock(cli, folder / "aimock.json")))
    on_the_other_core()  # as wrk is
    for kind, starter in starters:
        process, port = starter()
        try:
            # Memory first, while the process has only warmed up: after the paced run the
            # memory it freed would be used again and show no growth. (aimock sends no
            # headers until the first token, so its waiting streams cannot be told open.)
            memory = asyncio.run(idle_streams(port, process.pid, count)) if kind == "emulator" else None
            got = asyncio.run(streams(port, count, seconds))
        finally:
            process.terminate()
            process.wait(timeout=30)
        print(
            f"{kind:<10}{got['ttft_p50'] * 1000:>9.0f}m{got['ttft_p99'] * 1000:>9.0f}m{got['p50']:>9.2f}s"
            f"{got['p99']:>9.2f}s{got['p99'] / PLAN_S:>10.2f}{got['events_per_s']:>10.0f}"
            + (f"{memory:>10.1f}" if memory is not None else f"{'-':>10}")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--streams", type=int, default=1000, help="concurrent paced streams (0: none)")
    parser.add_argument("--stream-seconds", type=float, default=8, help="how long they are kept open")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    cli = aimock_cli()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "aimock.json").write_text(json.dumps(AIMOCK_FIXTURES))
        scripts = {}
        for name, text in (("repeated", LUA_REPEATED), ("unique", LUA_UNIQUE)):
            (folder / f"{name}.lua").write_text(text)
            scripts[name] = str(folder / f"{name}.lua")
        processes: list[subprocess.Popen[bytes]] = []
        servers: dict[str, int] = {}
        try:
            for kind in ("bare", "emulator"):
                process, servers[kind] = start(kind)
                processes.append(process)
            wait_loaded(servers["emulator"])
            if cli is not None:
                process, servers["aimock"] = start_aimock(cli, folder / "aimock.json")
                processes.append(process)
            chat(servers, args, scripts)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
        if args.streams:
            paced(cli, args.streams, args.stream_seconds, folder)
    print(f"\nmeasured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores; the request body: {BODY}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
