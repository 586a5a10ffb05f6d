"""What the benchmarks share: servers on free ports, one core each, and wrk runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu: str, argv: list[str]) -> list[str]:
    # One core for the server, the other for wrk, where taskset exists and there are two.
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", cpu, *argv]
    return argv


def wait_ready(port: int, deadline_s: float = 15) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not start")


def start(kind: str, source: Path | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Start the bare app or the emulator on a free port, pinned to core 0. ``source``: a
    checkout of another version of the emulator to run instead (for before/after figures
    measured in one run)."""
    port = free_port()
    if kind == "emulator":
        argv = [sys.executable, "-m", "emulator", "--port", str(port), "--log-level", "warning"]
    else:
        argv = [sys.executable, str(HERE / "bare_app.py"), str(port)]
    env = {**os.environ, "PYTHONPATH": str(source)} if source is not None else None
    process = subprocess.Popen(
        pinned("0", argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=source or None
    )
    wait_ready(port)
    return process, port


def wait_loaded(port: int, deadline_s: float = 30) -> None:
    """Until the emulator has loaded its tokenizers: they load beside start-up, and would
    share the pinned core with whatever is measured first."""
    import httpx

    end = time.monotonic() + deadline_s
    while not httpx.get(f"http://127.0.0.1:{port}/_emulator/health").json()["ready"]:
        if time.monotonic() > end:
            raise RuntimeError(f"the emulator on {port} did not finish loading")
        time.sleep(0.05)


def median_ms(work: Callable[[], object], runs: int) -> float:
    """The median time of ``work`` in milliseconds, after one warm-up call (fonts, codecs
    and caches load on first use)."""
    work()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def server_time_ms(path: str, bodies: list[dict[str, object]]) -> float:
    """Median server time (the journal's duration, from arrival to the last byte sent) of
    POSTing each body to a freshly started, fully loaded emulator; the first is a warm-up."""
    import httpx

    process, port = start("emulator")
    try:
        wait_loaded(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"api-key": "bench"}, timeout=30) as client:
            client.post(path, json=bodies[0]).raise_for_status()
            client.delete("/_emulator/requests")
            for body in bodies[1:]:
                client.post(path, json=body).raise_for_status()
            journal = client.get("/_emulator/requests").json()["requests"]
        return statistics.median(entry["duration_ms"] for entry in journal)
    finally:
        process.terminate()
        process.wait()


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"cannot read wrk's latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def load(port: int, path: str, seconds: int, connections: int, script: str) -> dict[str, float]:
    argv = pinned(
        "1",
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script,
            f"http://127.0.0.1:{port}{path}",
        ],
    )
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{out}")
    return {"rps": rps, "p50": p50, "p99": p99}


_LUA_HEAD = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["api-key"] = "bench"\n'


def lua_repeated(body: str) -> str:
    """A wrk script that sends the same JSON ``body`` (no single quotes in it) every time."""
    return _LUA_HEAD + f"wrk.body = '{body}'\n"


def lua_numbered(body_expr: str) -> str:
    """A wrk script whose requests all differ, so the emulator can never answer from its
    memory of earlier ones (emulator/memo.py): ``body_expr`` is a Lua expression that uses
    ``counter``, which counts the requests."""
    return (
        _LUA_HEAD
        + "counter = 0\nrequest = function()\n  counter = counter + 1\n"
        + f"  return wrk.format(nil, nil, nil, {body_expr})\nend\n"
    )


@contextlib.contextmanager
def configured(config: str) -> Iterator[int]:
    """The emulator on core 0 with this configuration file's text, ready (vocabularies
    loaded); its port. Stopped, and the file removed, afterwards."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(config)
    port = free_port()
    server = subprocess.Popen(
        pinned("0", [sys.executable, "-m", "emulator", "--port", str(port), "--config", f.name]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port)
        wait_loaded(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.unlink(f.name)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- streams, read by a small asyncio HTTP/1.1 client (so the client is not what saturates) ----


class Streamed(NamedTuple):
    """One stream's moments, in seconds from its request's send."""

    opened: float  # its first event (Azure's prompt annotation, sent as soon as the answer is ready)
    content: list[float]  # each content delta's arrival
    ended: float  # the end of the body
    events: int  # every ``data:`` event but [DONE]


async def _read_chunked(reader: asyncio.StreamReader) -> bytes | None:
    """One chunk of a chunked body; None at its end."""
    size = int((await reader.readline()).split(b";")[0], 16)
    if size == 0:
        await reader.readline()
        return None
    data = await reader.readexactly(size)
    await reader.readexactly(2)
    return data


def _has_content(line: bytes) -> bool:
    # A delta with text: the role's first delta has an empty one, the filter's annotations
    # have only content_filter_results, the finish chunk an empty delta.
    return b'"content":"' in line and b'"content":""' not in line


class StreamClient:
    """One worker's connection, kept alive from stream to stream as the SDKs' pools keep
    theirs (reopened when a server closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def stream(self, path: str, body: dict[str, Any]) -> Streamed:
        data = json.dumps(body).encode()
        if self.connection is None:
            self.connection = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.connection
        started = time.monotonic()
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: bench\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"stream refused: {head[:200]!r}")
        chunked = b"transfer-encoding: chunked" in head.lower()
        opened: float | None = None
        content: list[float] = []
        events = 0
        pending = b""
        while True:
            piece = await _read_chunked(reader) if chunked else await reader.read(65536)
            if not piece:
                break
            now = time.monotonic() - started
            pending += piece
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if not line.startswith(b"data: ") or line.startswith(b"data: [DONE]"):
                    continue
                events += 1
                if opened is None:
                    opened = now
                if _has_content(line):
                    content.append(now)
        ended = time.monotonic() - started
        if not chunked or b"connection: close" in head.lower():
            writer.close()
            self.connection = None
        return Streamed(opened if opened is not None else ended, content, ended, events)

    def close(self) -> None:
        if self.connection is not None:
            self.connection[1].close()
            self.connection = None


def on_the_other_core() -> None:
    """Run this process (a load generator) on core 1: the servers are pinned to core 0."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
