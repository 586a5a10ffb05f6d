"""A deployment under load: time to first token and throughput against the requests in flight.

Starts the emulator with a timing profile of 300 ms to first token, 50 tokens per second and
a capacity of 8 (a queue of 24 beyond it), then keeps N streams going at once (a closed
loop: each client starts its next stream when one ends) for a few seconds per level, and
prints per level the time to first token (median, p99), the streams finished per second,
the 429s, and what the profile plans (300 ms times in-flight / capacity, past capacity).

    python bench/load.py [--seconds 5] [--levels 4,8,16,32,40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from common import configured, percentile

CAPACITY, QUEUE, TTFT_MS = 8, 24, 300
CONFIG = f"""
infer_deployments: false
timing_profiles:
  loaded: {{ttft_ms: {TTFT_MS}, tokens_per_s: 50, jitter: 0, capacity: {CAPACITY}, queue: {QUEUE}}}
deployments:
  loaded: {{model: gpt-4o-mini, timing: loaded, reply_tokens: 20}}
"""
URL = "/openai/deployments/loaded/chat/completions?api-version=2024-10-21"


async def client_loop(
    client: httpx.AsyncClient, url: str, until: float, ttfts: list[float], counts: dict[str, int]
) -> None:
    body = {"messages": [{"role": "user", "content": "A short story about load"}], "stream": True}
    while time.monotonic() < until:
        started = time.monotonic()
        async with client.stream("POST", url, json=body) as response:
            if response.status_code != 200:
                await response.aread()
                counts["refused"] += 1
                await asyncio.sleep(0.05)
                continue
            first = None
            async for line in response.aiter_lines():
                if first is None and line.startswith("data: ") and '"delta"' in line:
                    first = time.monotonic()
            if first is not None:
                ttfts.append(first - started)
            counts["done"] += 1


async def level(port: int, streams: int, seconds: float) -> tuple[list[float], dict[str, int]]:
    url = f"http://127.0.0.1:{port}{URL}"
    ttfts: list[float] = []
    counts = {"done": 0, "refused": 0}
    limits = httpx.Limits(max_connections=streams + 5)
    async with httpx.AsyncClient(headers={"api-key": "bench"}, timeout=60, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(*(client_loop(client, url, until, ttfts, counts) for _ in range(streams)))
    return ttfts, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--levels", default="4,8,16,32,40")
    args = parser.parse_args()
    with configured(CONFIG) as port:
        print(f"capacity {CAPACITY}, queue {QUEUE}, ttft {TTFT_MS} ms, 50 tokens/s, ~20 tokens per stream")
        print("in flight   ttft p50   ttft p99   planned    streams/s   429s")
        for streams in (int(n) for n in args.levels.split(",")):
            ttfts, counts = asyncio.run(level(port, streams, args.seconds))
            planned = TTFT_MS * max(1.0, min(streams, CAPACITY + QUEUE) / CAPACITY)
            print(
                f"{streams:9d}   {statistics.median(ttfts) * 1000:6.0f} ms  {percentile(ttfts, 0.99) * 1000:6.0f} ms"
                f"  {planned:6.0f} ms  {counts['done'] / args.seconds:9.1f}   {counts['refused']:4d}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
