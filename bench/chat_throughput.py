"""Throughput and latency of a small non-streaming chat completion, against a bare app.

Runs, in one go on this machine, the emulator and bench/bare_app.py (a Starlette app that
returns a fixed JSON body of the same size) under the same uvicorn settings, loads each in
turn with wrk over loopback, and prints requests per second, p50/p99 latency and the
emulator/bare ratio. Two workloads: the same request repeated (what the issue's target is
about; the emulator answers repeats from memory), and every request different (the whole
pipeline every time). Rounds alternate between the servers and the median round counts,
because shared machines are noisy. Needs wrk (Debian: apt-get install wrk).

    python bench/chat_throughput.py [--seconds 8] [--rounds 3] [--connections 16] [--compare DIR]

``--compare DIR`` also runs the emulator of another checkout (an earlier commit, say, from
``git worktree add DIR <commit>``) in the same rounds, so a change is judged against its
predecessor on the same machine at the same time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import load, lua_numbered, lua_repeated, start

PATH = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"
BODY = '{"messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":40}'
LUA_REPEATED = lua_repeated(BODY)
LUA_UNIQUE = lua_numbered(
    """'{"messages":[{"role":"user","content":"Say hello in one short sentence, number ' .. counter .. '."}],"""
    """"max_tokens":40}'"""
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--compare", type=Path, help="a checkout of another emulator version to measure too")
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
    if args.compare is not None:
        servers["compared"] = start("emulator", args.compare.resolve())
        runs += [("compared", "repeated"), ("compared", "unique")]
    results: dict[tuple[str, str], list[dict[str, float]]] = {run: [] for run in runs}
    try:
        for kind, workload in runs:
            load(servers[kind][1], PATH, 2, args.connections, scripts[workload])  # warm-up, not counted
        for _ in range(args.rounds):
            for kind, workload in runs:
                results[(kind, workload)].append(
                    load(servers[kind][1], PATH, args.seconds, args.connections, scripts[workload])
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
