"""Embeddings speed: a full batch, and small requests against a bare app.

1. 2,048 inputs of about 50 words, base64, 1,536 dimensions (text-embedding-3-small): the
   server time (from the request's arrival to its last byte sent, as the journal records it)
   and the time from sending to the last byte received over loopback (which adds reading
   ~16 MB), medians of several runs. Target: under 150 ms of server time. The same in float
   encoding is printed for comparison: JSON numbers are the known hot spot.
2. One small input in float encoding under wrk, against bench/bare_app.py under the same
   uvicorn settings, repeated and all-different. Target: at least 35% of the bare app.

    python bench/embeddings.py [--runs 7] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

import httpx

from common import load, lua_numbered, lua_repeated, start

PATH = "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21"
WORDS = (
    "the of and to in is that for it as with was on be by this are or at from his an which have not they "
    "data model river harbor search index vector query answer summit maple orbit pixel garden winter market "
    "engine signal forest planet bridge castle window letter number system theory method result process "
    "energy language history science music travel health family school money power water light city"
).split()
LUA_REPEATED = lua_repeated('{"input":"A small input for the benchmark","encoding_format":"float"}')
LUA_UNIQUE = lua_numbered("""'{"input":"A small input number ' .. counter .. '","encoding_format":"float"}'""")


def batch_ms(port: int, body: bytes, runs: int) -> tuple[float, float]:
    """Median server time and median time to the last byte, in milliseconds."""
    url = f"http://127.0.0.1:{port}{PATH}"
    headers = {"api-key": "bench", "content-type": "application/json"}
    timings = []
    with httpx.Client(timeout=60) as client:
        client.post(url, content=body, headers=headers).read()  # warm-up
        client.delete(f"http://127.0.0.1:{port}/_emulator/requests")
        for _ in range(runs):
            started = time.perf_counter()
            response = client.post(url, content=body, headers=headers)
            response.read()
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:300]
        journal = client.get(f"http://127.0.0.1:{port}/_emulator/requests").json()["requests"]
    return statistics.median(e["duration_ms"] for e in journal), statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(50)) + f" {i}" for i in range(2048)]

    emulator, port = start("emulator")
    try:
        while not httpx.get(f"http://127.0.0.1:{port}/_emulator/health").json()["ready"]:
            time.sleep(0.05)
        for fmt in ("base64", "float"):
            body = json.dumps({"input": texts, "encoding_format": fmt}).encode()
            server, wall = batch_ms(port, body, args.runs)
            target = "  (target: server time under 150 ms)" if fmt == "base64" else ""
            print(f"2048 x 50 words, {fmt:<6}, 1536 dims: server {server:6.1f} ms, to last byte {wall:6.1f} ms{target}")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)

    if not shutil.which("wrk"):
        print("wrk is needed for the throughput part: apt-get install wrk", file=sys.stderr)
        return 2
    scripts = {}
    for name, text in (("repeated", LUA_REPEATED), ("unique", LUA_UNIQUE)):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(text)
            scripts[name] = f.name
    servers = {kind: start(kind) for kind in ("bare", "emulator")}
    try:
        runs = [("bare", "repeated"), ("emulator", "repeated"), ("emulator", "unique")]
        for kind, workload in runs:
            load(servers[kind][1], PATH, 2, args.connections, scripts[workload])
        results = {run: load(servers[run[0]][1], PATH, args.seconds, args.connections, scripts[run[1]]) for run in runs}
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)
        for path in scripts.values():
            os.unlink(path)
    bare = results[("bare", "repeated")]["rps"]
    print(f"one small input, float, {args.connections} connections, {args.seconds} s each")
    print(f"{'server':<10}{'requests':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs bare':>10}")
    for (kind, workload), r in results.items():
        print(f"{kind:<10}{workload:<10}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['rps'] / bare:>10.0%}")
    print("target: at least 35% of the bare app")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
