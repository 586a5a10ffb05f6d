"""The leaf values of schema data (schema_data.py): strings in their format and within their
lengths, numbers and integers within their bounds, each drawn from the generator's random
source, so the same seed gives the same data."""

from __future__ import annotations

import ipaddress
import math
import random
import re
import uuid
from fractions import Fraction
from typing import Any

import rstr

try:  # the standard library's own regular-expression parser (sre_parse before 3.11)
    from re import _constants, _parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as _constants
    import sre_parse as _parser

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
        parsed = _parser.parse(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise SchemaError(f"pattern {pattern!r} is not a regular expression the emulator reads: {exc}") from None
    unsupported = _unsupported_in(parsed)
    if unsupported is not None:
        raise SchemaError(f"pattern {pattern!r} uses {unsupported}, which the emulator does not write strings for")
    shortest, _ = parsed.getwidth()
    if shortest > high:
        raise SchemaError(f"no string of {low} to {high} characters matching pattern {pattern!r} was found")
    compiled = re.compile(pattern)
    # Anchors and word boundaries are the only parts rstr writes nothing for: only then can
    # its string miss, and only then is it searched (so no search can run away).
    anchored = _uses(parsed, {_constants.AT})
    writer = _Writer(rng, high)
    for _ in range(_PATTERN_TRIES):
        try:
            text = writer.xeger(pattern)
        except Exception as exc:  # rstr's own failures (an opcode it lacks): the schema's problem
            raise SchemaError(f"pattern {pattern!r} is not one the emulator writes strings for: {exc!r}") from None
        if low <= len(text) <= high and (not anchored or compiled.search(text)):
            return text
    raise SchemaError(f"no string of {low} to {high} characters matching pattern {pattern!r} was found")


class _Writer(rstr.Rstr):
    """rstr with repeats bounded by the longest string asked for rather than its fixed 100:
    an unbounded repeat (*, +) writes a few, a stated one ({128}) all it asks for."""

    def __init__(self, rng: random.Random, longest: int) -> None:
        super().__init__(rng)
        self._longest = longest

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        end = min(end_range, max(start_range, _REPEAT_LIMIT), self._longest)
        times = self._random.randint(min(start_range, end), end)
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))


# What rstr cannot write strings for: lookarounds, back references, conditionals, atomic
# groups and possessive repeats.
_UNSUPPORTED_CODES = {
    "lookarounds": {_constants.ASSERT, _constants.ASSERT_NOT},
    "back references": {_constants.GROUPREF, _constants.GROUPREF_EXISTS},
    "atomic groups or possessive repeats": {
        getattr(_constants, name) for name in ("ATOMIC_GROUP", "POSSESSIVE_REPEAT") if hasattr(_constants, name)
    },
}


def _unsupported_in(parsed: Any) -> str | None:
    for name, codes in _UNSUPPORTED_CODES.items():
        if codes and _uses(parsed, codes):
            return name
    return None


def _uses(parsed: Any, codes: set[Any]) -> bool:
    """Whether any of the opcodes appears anywhere in the parsed expression."""
    stack: list[Any] = [parsed]
    while stack:
        node = stack.pop()
        items = node.data if hasattr(node, "data") else node
        if not isinstance(items, (list, tuple)):
            continue
        for item in items:
            # By identity: the opcodes are named constants, and a repeat's count (4) may
            # equal one's value.
            if isinstance(item, tuple) and item and any(item[0] is code for code in codes):
                return True
            if isinstance(item, (list, tuple)) or hasattr(item, "data"):
                stack.append(item)
    return False


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
        # The integers among the multiples of p/q are the multiples of p.
        whole = Fraction(str(step)).numerator if step != int(step) else int(step)
        value = _a_multiple(whole, first, last, False, False, rng, exact_for=step)
        return int(value)
    return rng.randint(first, last)


def _multiple_of(schema: dict[str, Any]) -> float | None:
    step = schema.get("multipleOf")
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step) or step <= 0:
        raise SchemaError("multipleOf must be a number above 0")
    return step


def _a_multiple(
    step: float,
    low: float,
    high: float,
    low_open: bool,
    high_open: bool,
    rng: random.Random,
    exact_for: float | None = None,
) -> float:
    """A multiple of ``step`` within the bounds, one whose quotient by ``exact_for`` (the
    schema's multipleOf; ``step`` itself by default) is exact in floating point too (0.3 / 0.1
    is not 3.0: validators reject it)."""
    divisor = step if exact_for is None else exact_for
    try:
        first, last = math.ceil(low / step), math.floor(high / step)
    except (OverflowError, ValueError):
        raise SchemaError(f"multipleOf {divisor} is too small for the bounds") from None
    if first > last:
        raise SchemaError(f"no number within the bounds is a multiple of {divisor}")
    candidates = list(range(first, last + 1)) if last - first < 1000 else [rng.randint(first, last) for _ in range(50)]
    rng.shuffle(candidates)
    for k in candidates:
        value = k * step
        if isinstance(divisor, float) and value / divisor != int(value / divisor):
            continue
        if low <= value <= high and not (low_open and value <= low) and not (high_open and value >= high):
            return value
    raise SchemaError(f"no number within the bounds is a multiple of {divisor}")


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
