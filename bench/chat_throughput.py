"""Throughput and latency of a small non-streaming chat completion, against a bare app.

Runs, in one go on this machine, the emulator and bench/bare_app.py (a Starlette app that
returns a fixed JSON body of the same size) under the same uvicorn settings, loads each in
turn with wrk over loopback, and prints requests per second, p50/p99 latency and the
emulator/bare ratio. Two workloads: the same request repeated (what the issue's target is
about; the emulator answers repeats from memory), and every request different (the whole
pipeline every time). Rounds alternate between the servers and the median round counts,
because shared machines are noisy. Needs wrk (Debian: apt-get install wrk).

    python bench/chat_throughput.py [--seconds 8] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATH = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
BODY = '{"messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":40}'
LUA_REPEATED = f"""
wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["api-key"] = "bench"
"""
# Every request different (a counter in the prompt), so the emulator can never answer from
# its memory of earlier requests (emulator/memo.py) and does all the work every time.
LUA_UNIQUE = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["api-key"] = "bench"
counter = 0
request = function()
  counter = counter + 1
  local body = '{"messages":[{"role":"user","content":"Say hello in one short sentence, number ' .. counter .. '."}],"max_tokens":40}'
  return wrk.format(nil, nil, nil, body)
end
"""


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


def start(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    if kind == "emulator":
        argv = [sys.executable, "-m", "emulator", "--port", str(port), "--log-level", "warning"]
    else:
        argv = [sys.executable, str(HERE / "bare_app.py"), str(port)]
    process = subprocess.Popen(pinned("0", argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_ready(port)
    return process, port


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load(port: int, seconds: int, connections: int, script: str) -> dict[str, float]:
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
            f"http://127.0.0.1:{port}{PATH}",
        ],
    )
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{out}")
    return {"rps": rps, "p50": p50, "p99": p99}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    scripts = {}
    for name, text in (("repeated", LUA_REPEATED), ("unique", LUA_UNIQUE)):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(text)
            scripts[name] = f.name
    servers = {kind: start(kind) for kind in ("bare", "emulator")}
    runs = [("bare", "repeated"), ("emulator", "repeated"), ("emulator", "unique")]
    results: dict[tuple[str, str], list[dict[str, float]]] = {run: [] for run in runs}
    try:
        for kind, workload in runs:
            load(servers[kind][1], 2, args.connections, scripts[workload])  # warm-up, not counted
        for _ in range(args.rounds):
            for kind, workload in runs:
                results[(kind, workload)].append(
                    load(servers[kind][1], args.seconds, args.connections, scripts[workload])
                )
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)
        for path in scripts.values():
            os.unlink(path)

    def median(run: tuple[str, str], key: str) -> float:
        return statistics.median(r[key] for r in results[run])

    print(f"chat completion, {args.connections} connections, {args.rounds} x {args.seconds} s per run (median round)")
    print(f"{'server':<10}{'requests':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs bare':>10}")
    bare = median(("bare", "repeated"), "rps")
    for run in runs:
        rps = median(run, "rps")
        print(
            f"{run[0]:<10}{run[1]:<10}{rps:>10.0f}{median(run, 'p50'):>10.2f}{median(run, 'p99'):>10.2f}{rps / bare:>10.0%}"
        )
    print("target: the emulator at least 50% of the bare app's throughput on repeated requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
