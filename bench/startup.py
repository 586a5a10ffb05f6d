"""Start-up time: from launching ``python -m emulator`` to its first answered chat request.

Prints the median of several launches, and, as the reference measured in the same run, the
time to start the bare interpreter, since machines differ and are noisy.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

BODY = json.dumps({"messages": [{"role": "user", "content": "Hello"}]}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer_seconds() -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            request = urllib.request.Request(
                url, data=BODY, headers={"api-key": "k", "content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                if time.perf_counter() - started > 30:
                    raise RuntimeError("no answer within 30 s") from None
                time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=10)


def interpreter_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    emulator = statistics.median(first_answer_seconds() for _ in range(args.runs))
    bare = statistics.median(interpreter_seconds() for _ in range(args.runs))
    print(f"start to first chat answer: {emulator:.2f} s (median of {args.runs}; target: well under 2 s)")
    print(f"bare interpreter start:     {bare:.2f} s ({emulator / bare:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
