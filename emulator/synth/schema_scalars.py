"""The leaf values of schema data (schema_data.py): strings in their format and within their
lengths, numbers and integers within their bounds, each drawn from the generator's random
source, so the same seed gives the same data."""

from __future__ import annotations

import ipaddress
import math
import random
import re
import uuid
from typing import Any

import rstr

from .schema_rules import FORMATS, SchemaError

WORDS = ("alpha", "bravo", "delta", "harbor", "maple", "orbit", "pixel", "river", "summit", "willow")
# The longest string (and array) a schema may demand: one needing more has no reasonable answer.
MAX_LENGTH = 10_000
# Tries at a string that matches a pattern within its lengths, and the longest run an
# unbounded repeat (*, +) writes, so pattern strings stay short.
_PATTERN_TRIES = 40
_REPEAT_LIMIT = 8


def string(schema: dict[str, Any], rng: random.Random) -> str:
    low = length_bound(schema, "minLength", 0)
    high = length_bound(schema, "maxLength", max(low, 64))
    if low > high:
        raise SchemaError(f"minLength {low} is above maxLength {high}")
    if low > MAX_LENGTH:
        raise SchemaError(f"minLength above {MAX_LENGTH} is not supported")
    if "pattern" in schema:
        return _matching(schema["pattern"], low, high, rng)
    text = _formatted(schema.get("format"), rng)
    if schema.get("format") in FORMATS and not low <= len(text) <= high:
        raise SchemaError(f"no {schema['format']} is between {low} and {high} characters long")
    return (text + "x" * max(0, low - len(text)))[:high]


def _matching(pattern: Any, low: int, high: int, rng: random.Random) -> str:
    """A string the regular expression matches (anywhere, as JSON Schema's pattern does),
    written from the expression itself by rstr, with the request's seeded generator."""
    if not isinstance(pattern, str):
        raise SchemaError("pattern must be a string")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise SchemaError(f"pattern {pattern!r} is not a regular expression the emulator reads: {exc}") from None
    writer = rstr.Rstr(rng)
    for _ in range(_PATTERN_TRIES):
        try:
            text = writer.xeger(_bounded_repeats(pattern))
        except (re.error, ValueError, IndexError) as exc:
            raise SchemaError(f"pattern {pattern!r} is not one the emulator writes strings for: {exc}") from None
        if low <= len(text) <= high and compiled.search(text):
            return text
    raise SchemaError(f"no string of {low} to {high} characters matching pattern {pattern!r} was found")


def _bounded_repeats(pattern: str) -> str:
    # "x*" and "x+" as "x{0,8}" and "x{1,8}": a matching string, and a short one. A star or
    # plus right after a backslash, or in a class, is a character, not a repeat.
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "]":
            in_class = False
            out.append(char)
        elif char in "*+" and not in_class and out and out[-1] not in "{(|":
            out.append(f"{{{0 if char == '*' else 1},{_REPEAT_LIMIT}}}")
        else:
            out.append(char)
    return "".join(out)


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
    if fmt == "duration":
        return f"P{rng.randint(0, 30)}DT{rng.randint(0, 23)}H{rng.randint(0, 59)}M"
    if fmt == "hostname":
        return f"{rng.choice(WORDS)}.example.com"
    if fmt == "ipv4":
        return str(ipaddress.IPv4Address(rng.getrandbits(32)))
    if fmt == "ipv6":
        return str(ipaddress.IPv6Address(rng.getrandbits(128)))
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def number(schema: dict[str, Any], rng: random.Random) -> float:
    low, high, low_open, high_open = _bounds(schema, 0.0, 100.0)
    step = _multiple_of(schema)
    if step is not None:
        return _a_multiple(step, low, high, low_open, high_open, rng)
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
    step = _multiple_of(schema)
    if step is not None:
        value = _a_multiple(step, first, last, False, False, rng)
        if value != int(value):
            raise SchemaError(f"no integer within the bounds is a multiple of {step}")
        return int(value)
    return rng.randint(first, last)


def _multiple_of(schema: dict[str, Any]) -> float | None:
    step = schema.get("multipleOf")
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step) or step <= 0:
        raise SchemaError("multipleOf must be a number above 0")
    return step


def _a_multiple(step: float, low: float, high: float, low_open: bool, high_open: bool, rng: random.Random) -> float:
    """A multiple of ``step`` within the bounds, one whose quotient is exact in floating
    point too (0.3 / 0.1 is not 3.0: validators reject it)."""
    first, last = math.ceil(low / step), math.floor(high / step)
    candidates = list(range(first, last + 1)) if last - first < 1000 else [rng.randint(first, last) for _ in range(50)]
    rng.shuffle(candidates)
    for k in candidates:
        value = k * step
        if isinstance(step, float) and value / step != int(value / step):
            continue
        if low <= value <= high and not (low_open and value <= low) and not (high_open and value >= high):
            return value
    raise SchemaError(f"no number within the bounds is a multiple of {step}")


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
