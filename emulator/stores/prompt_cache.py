"""The prompt cache: the prompt prefixes each deployment saw lately, so a prompt that begins
as a recent one did reports the tokens Azure would read from its cache, as the service counts
them (its how-to/prompt-caching page): nothing under 1,024 prompt tokens; past that, the
longest prefix shared with a recent prompt, in steps of 128 tokens (1,024, 1,152, ...).
Prefixes the service has not used for a while are gone (it clears them within 5 to 10
minutes of inactivity): here after five.

A prefix is kept by a digest chained block by block, so a prompt of n tokens costs one pass
over its tokens and n / 128 small keys, whatever came before it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Protocol

FIRST_TOKENS = 1024
STEP_TOKENS = 128
IDLE_S = 300.0
_MAX_PREFIXES = 100_000  # about 16 MB at most


class PromptCache(Protocol):
    def read_and_keep(self, deployment: str, token_ids: Sequence[int], now: float | None = None) -> int:
        """The prompt's tokens found in the cache (0, or 1,024 + 128 k), and the prompt kept."""
        ...


def prefix_keys(deployment: str, token_ids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
    """(prefix length, key) for every length the service caches by, shortest first."""
    digest = hashlib.blake2b(deployment.encode("utf-8"), digest_size=16)
    done = 0
    for end in range(FIRST_TOKENS, len(token_ids) + 1, STEP_TOKENS):
        digest.update(array("I", token_ids[done:end]).tobytes())
        done = end
        yield end, digest.copy().digest()


class MemoryPromptCache:
    """In this process: the newest prefixes, up to a bound."""

    def __init__(self, max_prefixes: int = _MAX_PREFIXES) -> None:
        self._seen: OrderedDict[bytes, float] = OrderedDict()  # key -> when last used
        self._max = max_prefixes
        self._lock = threading.Lock()  # chat is answered on worker threads too (batches)

    def read_and_keep(self, deployment: str, token_ids: Sequence[int], now: float | None = None) -> int:
        if len(token_ids) < FIRST_TOKENS:
            return 0
        now = time.monotonic() if now is None else now
        keys = list(prefix_keys(deployment, token_ids))
        cached = 0
        with self._lock:
            for length, key in keys:
                used = self._seen.get(key)
                if used is not None and now - used < IDLE_S:
                    cached = length  # a longer shared prefix holds the shorter ones in its key
                self._seen[key] = now
                self._seen.move_to_end(key)
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
        return cached
