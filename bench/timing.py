"""Timing accuracy: 100 concurrent streams against a deployment with a timing profile.

Starts the emulator with a profile of 300 ms to first token and 50 tokens per second (no
jitter), opens the streams at once from one asyncio client, and prints how far the observed
time to first token and the gaps between content events are from the configured values
(median and 99th percentile of the error). Target: within 10 ms.

    python bench/timing.py [--streams 100] [--tokens 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from common import configured, percentile

CONFIG = """
infer_deployments: false
timing_profiles:
  bench: {ttft_ms: 300, tokens_per_s: 50, jitter: 0}
deployments:
  paced: {model: gpt-4o, timing: bench, reply_tokens: %d}
"""
TTFT_S, GAP_S = 0.300, 0.020


async def one_stream(client: httpx.AsyncClient, url: str, index: int) -> tuple[float, float, list[float]]:
    """Time to first token from the client's send and from the stream's first event (Azure's
    prompt annotation, which the server sends as soon as the answer is ready), and the gaps."""
    body = {"messages": [{"role": "user", "content": f"Stream number {index} about timing"}], "stream": True}
    started = time.monotonic()
    opened = None
    arrivals: list[float] = []
    async with client.stream("POST", url, json=body) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and opened is None:
                opened = time.monotonic()
            elif line.startswith("data: ") and '"delta"' in line:
                arrivals.append(time.monotonic())
    assert opened is not None
    return arrivals[0] - started, arrivals[0] - opened, [b - a for a, b in zip(arrivals, arrivals[1:])]


async def run(port: int, streams: int) -> list[tuple[float, float, list[float]]]:
    url = f"http://127.0.0.1:{port}/openai/deployments/paced/chat/completions?api-version=2024-10-21"
    limits = httpx.Limits(max_connections=streams + 10)
    async with httpx.AsyncClient(headers={"api-key": "bench"}, timeout=60, limits=limits) as client:
        await one_stream(client, url, -1)  # warm-up
        return await asyncio.gather(*(one_stream(client, url, i) for i in range(streams)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=60)
    args = parser.parse_args()
    with configured(CONFIG % args.tokens) as port:
        results = asyncio.run(run(port, args.streams))
    ttft_errors = [abs(t - TTFT_S) * 1000 for t, _, _ in results]
    gap_errors = [abs(g - GAP_S) * 1000 for _, _, gaps in results for g in gaps]
    mean_gap = statistics.mean(g for _, _, gaps in results for g in gaps) * 1000
    # The server counts from the request's arrival and sends the annotation within a
    # millisecond or two of it; from there the wait is the server's alone.
    served = [t for _, t, _ in results]
    print(f"{args.streams} concurrent streams, ttft 300 ms, 50 tokens/s (20 ms gaps), ~{args.tokens} tokens each")
    print(
        f"time to first token from the client's send: median error {statistics.median(ttft_errors):5.1f} ms, "
        f"p99 {percentile(ttft_errors, 0.99):5.1f} ms (includes the client opening {args.streams} streams at once)"
    )
    print(
        f"time to first token from the stream's opening: median {statistics.median(served) * 1000:5.1f} ms, "
        f"p99 {percentile(served, 0.99) * 1000:5.1f} ms, min {min(served) * 1000:5.1f} ms (configured: 300)"
    )
    print(
        f"inter-event gap error:     median {statistics.median(gap_errors):5.1f} ms, p99 {percentile(gap_errors, 0.99):5.1f} ms"
        f" (mean gap {mean_gap:.2f} ms)"
    )
    print("target: within 10 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
