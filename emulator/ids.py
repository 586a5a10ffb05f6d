"""Ids for requests and responses: unique, and cheap to make on the hot path.

Ids are allowed to differ between identical requests (DESIGN.md, property 3), so they come
from their own generator, seeded from the OS, rather than uuid4's per-call urandom and
formatting: a third of the time, the same 122 random bits in the same layout.
"""

from __future__ import annotations

import os
import random

_ids = random.Random(os.urandom(32))


def uuid4() -> str:
    """A version-4 UUID string, as Azure's request ids are."""
    bits = _ids.getrandbits(128)
    # Set the version (4) and variant (10) bits, as RFC 4122 asks.
    bits = (bits & ~(0xF << 76) | (4 << 76)) & ~(0x3 << 62) | (0x2 << 62)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hex32() -> str:
    """32 random hex digits, for ids such as chatcmpl-…"""
    return f"{_ids.getrandbits(128):032x}"
