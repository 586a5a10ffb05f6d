"""Deterministic content: the same inputs give the same bytes in any process."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def derive_seed(*parts: Any) -> int:
    """A 64-bit seed from JSON-able parts; stable across processes and platforms, unlike
    ``hash()``, which Python salts per process."""
    # ASCII escapes keep lone surrogates (valid in JSON, not in UTF-8) hashable.
    text = json.dumps(parts, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return int.from_bytes(hashlib.blake2b(text.encode("ascii"), digest_size=8).digest(), "little")


_MASK = (1 << 64) - 1


def mix(seed: int, salt: int) -> int:
    """A second seed from a first one and a small number (splitmix64): for the n-th choice of
    one request, where hashing JSON again would be wasted work."""
    z = (seed + (salt + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)
