"""Deterministic content: the same inputs give the same bytes in any process."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def derive_seed(*parts: Any) -> int:
    """A 64-bit seed from JSON-able parts; stable across processes and platforms, unlike
    ``hash()``, which Python salts per process."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
