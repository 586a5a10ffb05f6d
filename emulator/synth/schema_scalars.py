"""The leaf values of schema data (schema_data.py): strings in their format and within their
lengths, numbers and integers within their bounds, each drawn from the generator's random
source, so the same seed gives the same data."""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

from .schema_rules import FORMATS, SchemaError

WORDS = ("alpha", "bravo", "delta", "harbor", "maple", "orbit", "pixel", "river", "summit", "willow")
# The longest string (and array) a schema may demand: one needing more has no reasonable answer.
MAX_LENGTH = 10_000


def string(schema: dict[str, Any], rng: random.Random) -> str:
    low = length_bound(schema, "minLength", 0)
    high = length_bound(schema, "maxLength", max(low, 64))
    if low > high:
        raise SchemaError(f"minLength {low} is above maxLength {high}")
    if low > MAX_LENGTH:
        raise SchemaError(f"minLength above {MAX_LENGTH} is not supported")
    text = _formatted(schema.get("format"), rng)
    if schema.get("format") in FORMATS and not low <= len(text) <= high:
        raise SchemaError(f"no {schema['format']} is between {low} and {high} characters long")
    return (text + "x" * max(0, low - len(text)))[:high]


def _formatted(fmt: Any, rng: random.Random) -> str:
    if fmt == "date-time":
        return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    if fmt == "date":
        return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if fmt == "time":
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    if fmt == "email":
        return f"{rng.choice(WORDS)}@example.com"
    if fmt in ("uri", "url"):
        return f"https://example.com/{rng.choice(WORDS)}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def number(schema: dict[str, Any], rng: random.Random) -> float:
    low, high, low_open, high_open = _bounds(schema, 0.0, 100.0)
    value = round(rng.uniform(low, high), 2)
    if not low <= value <= high or (low_open and value <= low) or (high_open and value >= high):
        value = (low + high) / 2
    if (low_open and value <= low) or (high_open and value >= high):
        raise SchemaError("no number lies within the bounds")
    return value


def integer(schema: dict[str, Any], rng: random.Random) -> int:
    low, high, low_open, high_open = _bounds(schema, 0, 100)
    first = math.floor(low) + 1 if low_open or low != math.floor(low) else int(low)
    last = math.ceil(high) - 1 if high_open or high != math.ceil(high) else int(high)
    if first > last:
        raise SchemaError("no integer lies within the bounds")
    return rng.randint(first, last)


def length_bound(schema: dict[str, Any], key: str, default: int) -> int:
    """A length or count the schema states (minLength, maxItems ...), or ``default``."""
    value = schema.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SchemaError(f"{key} must be a non-negative integer")
    return value


def _bounds(schema: dict[str, Any], default_low: float, span: float) -> tuple[float, float, bool, bool]:
    """The tightest lower and upper bounds, and whether each is exclusive."""

    def number(key: str) -> float | None:
        value = schema.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SchemaError(f"{key} must be a finite number")
        return float(value)

    lows = [
        (v, open_) for v, open_ in ((number("minimum"), False), (number("exclusiveMinimum"), True)) if v is not None
    ]
    highs = [
        (v, open_) for v, open_ in ((number("maximum"), False), (number("exclusiveMaximum"), True)) if v is not None
    ]
    low, low_open = max(lows, key=lambda b: (b[0], b[1])) if lows else (None, False)
    high, high_open = min(highs, key=lambda b: (b[0], not b[1])) if highs else (None, False)
    low = low if low is not None else (high - span if high is not None else default_low)
    high = high if high is not None else low + span
    if low > high or (low == high and (low_open or high_open)):
        raise SchemaError("the minimum is above the maximum")
    return low, high, low_open, high_open
