"""Timing accuracy: N concurrent streams against a deployment with a timing profile.

Starts the emulator with a profile of 300 ms to first token and 50 tokens per second (no
jitter), opens the streams at once from a small asyncio client on the other core, and prints
how far the observed time to first token, and the arrival of every content event, are from
the plan (median and 99th percentile). The deployment keeps Azure's default content filter
mode, which releases a stream in groups of 8 events, the first of them the role's delta: the
plan of the k-th content event (from 0) is the time to first token plus (k + 1) // 8 groups
of 8 token intervals. Target: within 10 ms.

    python bench/timing.py [--streams 100] [--tokens 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from common import StreamClient, Streamed, configured, on_the_other_core, percentile

CONFIG = """
infer_deployments: false
timing_profiles:
  bench: {ttft_ms: 300, tokens_per_s: 50, jitter: 0}
deployments:
  paced: {model: gpt-4o, timing: bench, reply_tokens: %d}
"""
TTFT_S, GAP_S, BURST = 0.300, 0.020, 8
PATH = "/openai/deployments/paced/chat/completions?api-version=2024-10-21"


async def run(port: int, streams: int) -> list[Streamed]:
    async def one(index: int) -> Streamed:
        client = StreamClient(port)
        try:
            body = {"messages": [{"role": "user", "content": f"Stream number {index} about timing"}], "stream": True}
            return await client.stream(PATH, body)
        finally:
            client.close()

    await one(-1)  # warm-up
    return await asyncio.gather(*(one(i) for i in range(streams)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=60)
    args = parser.parse_args()
    on_the_other_core()
    with configured(CONFIG % args.tokens) as port:
        began = time.monotonic()
        results = asyncio.run(run(port, args.streams))
        wall = time.monotonic() - began
    ttft_late = [(r.content[0] - TTFT_S) * 1000 for r in results]
    # From the stream's first event (the annotation, sent as soon as the server has the
    # answer): what the server's clock alone adds, whatever the client's opening cost.
    served = [(r.content[0] - r.opened) * 1000 for r in results]
    late = [
        (at - (TTFT_S + (k + 1) // BURST * BURST * GAP_S)) * 1000 for r in results for k, at in enumerate(r.content)
    ]
    events = sum(r.events for r in results)
    print(f"{args.streams} concurrent streams opened at once, ttft 300 ms, 50 tokens/s, ~{args.tokens} tokens each")
    print(
        f"time to first token from the client's send: late by median {statistics.median(ttft_late):5.1f} ms, "
        f"p99 {percentile(ttft_late, 0.99):5.1f} ms (includes the server taking {args.streams} requests at once)"
    )
    print(
        f"time to first token from the stream's opening: median {statistics.median(served):5.1f} ms, "
        f"p99 {percentile(served, 0.99):5.1f} ms (configured: 300)"
    )
    print(
        f"every content event against its plan: late by median {statistics.median(late):5.1f} ms, "
        f"p99 {percentile(late, 0.99):5.1f} ms ({len(late)} events; {events / wall:.0f} events/s in all)"
    )
    print("target: within 10 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
