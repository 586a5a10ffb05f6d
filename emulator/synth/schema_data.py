"""Data that conforms to a JSON Schema, for structured outputs.

Honours: types (also as lists), properties, required, enum, const, items, minItems/maxItems,
minimum/maximum (also exclusive), minLength/maxLength, the formats date, date-time, time,
email, uri and uuid, $ref into the schema itself, anyOf/oneOf/allOf. With ``strict``, a
schema that uses any other constraint is refused (a ``SchemaError``) rather than answered
with data that might break it; without ``strict`` the other constraints are ignored, as a
model following a non-strict schema may ignore them too.
"""

from __future__ import annotations

import math
import random
import uuid
from typing import Any


class SchemaError(ValueError):
    """A schema no data can be generated for: a broken $ref, an unknown type, bounds that
    exclude every value, recursion with no way out, or (strict) an unsupported constraint."""


_WORDS = ("alpha", "bravo", "delta", "harbor", "maple", "orbit", "pixel", "river", "summit", "willow")
# Below this depth optional properties and array items are filled in; past it only what is
# required, so recursive schemas stay small.
_SOFT_DEPTH = 4
# Limits that keep one request from occupying the server: a schema needing more has no
# reasonable answer.
_MAX_DEPTH = 64
_MAX_NODES = 10_000
_MAX_LENGTH = 10_000
_MAX_CHARS = 1_000_000
_UNSUPPORTED = (
    "pattern",
    "multipleOf",
    "uniqueItems",
    "not",
    "if",
    "then",
    "else",
    "patternProperties",
    "contains",
    "minContains",
    "maxContains",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "prefixItems",
)
_FORMATS = ("date", "date-time", "time", "email", "uri", "url", "uuid")


def generate(schema: dict[str, Any], seed: int, strict: bool = False) -> Any:
    return _Generator(schema, random.Random(seed), strict).value(schema, 0)


class _Generator:
    def __init__(self, root: dict[str, Any], rng: random.Random, strict: bool) -> None:
        self.root = root
        self.rng = rng
        self.strict = strict
        self.nodes = 0
        self.chars = 0
        self.path: list[str] = []  # where in the schema we are, for strict-mode messages

    def value(self, schema: Any, depth: int) -> Any:
        self.nodes += 1
        if depth > _MAX_DEPTH:
            raise SchemaError("the schema requires infinitely deep data")
        if self.nodes > _MAX_NODES:
            raise SchemaError(f"the schema requires more than {_MAX_NODES} values")
        if schema is True or schema == {}:
            return self.rng.choice(_WORDS)
        if not isinstance(schema, dict):
            raise SchemaError("every schema must be an object")
        if self.strict:
            for keyword in _UNSUPPORTED:
                if keyword in schema:
                    raise SchemaError(f"'{keyword}' is not supported")
            if schema.get("format") not in (None, *_FORMATS):
                raise SchemaError(f"format '{schema['format']}' is not supported")
        if "$ref" in schema:
            return self.value(self.resolve(schema["$ref"]), depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            if not isinstance(schema["enum"], list) or not schema["enum"]:
                raise SchemaError("enum must be a non-empty array")
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                chosen = self.branch(schema[key], depth)
                siblings = {k: v for k, v in schema.items() if k != key}
                # Keywords beside anyOf/oneOf (properties, required ...) apply to every branch.
                if siblings and isinstance(chosen, dict):
                    chosen = self.merge([siblings, chosen])
                return self.value(chosen, depth + 1)
        if "allOf" in schema:
            siblings = {k: v for k, v in schema.items() if k != "allOf"}
            return self.value(self.merge([siblings, *schema["allOf"]] if siblings else schema["allOf"]), depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            if not kind:
                raise SchemaError("type must not be an empty list")
            if depth < _MAX_DEPTH // 2 or "null" not in kind:
                choices = [k for k in kind if k != "null"] or kind
            else:
                choices = ["null"]
            kind = self.rng.choice(choices)
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        make = _BY_TYPE.get(kind) if isinstance(kind, str) else None
        if make is None:
            raise SchemaError(f"unknown type {kind!r}")
        return make(self, schema, depth)

    def resolve(self, ref: Any) -> dict[str, Any]:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise SchemaError(f"only local references are supported, not {ref!r}")
        node: Any = self.root
        for part in ref[1:].lstrip("/").split("/"):
            if part:
                key = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or key not in node:
                    raise SchemaError(f"reference {ref!r} does not resolve")
                node = node[key]
        if not isinstance(node, dict):
            raise SchemaError(f"reference {ref!r} does not point to a schema")
        return node

    def branch(self, branches: Any, depth: int) -> Any:
        if not isinstance(branches, list) or not branches:
            raise SchemaError("anyOf and oneOf must be non-empty arrays")
        if depth >= _SOFT_DEPTH:
            # Prefer a branch that ends the recursion.
            plain = [
                b
                for b in branches
                if isinstance(b, dict) and b.get("type") in ("null", "string", "number", "integer", "boolean")
            ]
            branches = plain or branches
        return self.rng.choice(branches)

    def merge(self, parts: Any) -> dict[str, Any]:
        if not isinstance(parts, list):
            raise SchemaError("allOf must be an array")
        merged: dict[str, Any] = {}
        for part in parts:
            if not isinstance(part, dict):
                raise SchemaError("allOf entries must be schemas")
            part = self.resolve(part["$ref"]) if "$ref" in part else part
            for key, value in part.items():
                if key == "properties" and key in merged:
                    merged[key] = {**merged[key], **value}
                elif key == "required" and key in merged:
                    merged[key] = list(dict.fromkeys(merged[key] + value))
                else:
                    merged[key] = value
        return merged

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        if not isinstance(properties, dict) or not isinstance(required, list):
            raise SchemaError("properties must be an object and required an array")
        missing = [name for name in required if name not in properties]
        if missing and (self.strict or schema.get("additionalProperties") is False):
            raise SchemaError(f"required properties {missing} are not defined")
        if self.strict:
            # Structured outputs' own rules for strict schemas, in the service's words.
            context = tuple(self.path)
            if schema.get("additionalProperties") is not False:
                raise SchemaError(
                    f"In context={context}, 'additionalProperties' is required to be supplied and to be false."
                )
            optional = [name for name in properties if name not in required]
            if optional:
                raise SchemaError(
                    f"In context={context}, 'required' is required to be supplied and to be an array including every "
                    f"key in properties. Missing '{optional[0]}'."
                )
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            if name in required or depth < _SOFT_DEPTH:
                self.path += ["properties", name]
                out[name] = self.value(sub, depth + 1)
                del self.path[-2:]
        extra = schema.get("additionalProperties")
        for name in missing:
            out[name] = self.value(extra, depth + 1) if isinstance(extra, dict) else self.rng.choice(_WORDS)
        return out

    def array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        high = _bound(schema, "maxItems", 1_000_000)
        # Without minItems, one item near the top (none deeper down), if maxItems allows it.
        low = _bound(schema, "minItems", min(1 if depth < _SOFT_DEPTH else 0, high))
        high = min(high, max(low, 1) + 2) if "maxItems" not in schema else high
        if low > high:
            raise SchemaError(f"minItems {low} is above maxItems {high}")
        if low > _MAX_LENGTH:
            raise SchemaError(f"minItems above {_MAX_LENGTH} is not supported")
        count = low if depth >= _SOFT_DEPTH else self.rng.randint(low, min(high, low + 2))
        items = schema.get("items", {"type": "string"})
        self.path.append("items")
        try:
            return [self.value(items, depth + 1) for _ in range(count)]
        finally:
            self.path.pop()

    def string(self, schema: dict[str, Any], depth: int) -> str:
        low = _bound(schema, "minLength", 0)
        high = _bound(schema, "maxLength", max(low, 64))
        if low > high:
            raise SchemaError(f"minLength {low} is above maxLength {high}")
        if low > _MAX_LENGTH:
            raise SchemaError(f"minLength above {_MAX_LENGTH} is not supported")
        text = self.formatted(schema.get("format"))
        if schema.get("format") in _FORMATS and not low <= len(text) <= high:
            raise SchemaError(f"no {schema['format']} is between {low} and {high} characters long")
        text = (text + "x" * max(0, low - len(text)))[:high]
        self.chars += len(text)
        if self.chars > _MAX_CHARS:
            raise SchemaError(f"the schema requires more than {_MAX_CHARS} characters of data")
        return text

    def formatted(self, fmt: Any) -> str:
        rng = self.rng
        if fmt == "date-time":
            return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
        if fmt == "date":
            return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if fmt == "time":
            return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
        if fmt == "email":
            return f"{rng.choice(_WORDS)}@example.com"
        if fmt in ("uri", "url"):
            return f"https://example.com/{rng.choice(_WORDS)}"
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))

    def number(self, schema: dict[str, Any], depth: int) -> float:
        low, high, low_open, high_open = _bounds(schema, 0.0, 100.0)
        value = round(self.rng.uniform(low, high), 2)
        if not low <= value <= high or (low_open and value <= low) or (high_open and value >= high):
            value = (low + high) / 2
        if (low_open and value <= low) or (high_open and value >= high):
            raise SchemaError("no number lies within the bounds")
        return value

    def integer(self, schema: dict[str, Any], depth: int) -> int:
        low, high, low_open, high_open = _bounds(schema, 0, 100)
        first = math.floor(low) + 1 if low_open or low != math.floor(low) else int(low)
        last = math.ceil(high) - 1 if high_open or high != math.ceil(high) else int(high)
        if first > last:
            raise SchemaError("no integer lies within the bounds")
        return self.rng.randint(first, last)

    def boolean(self, schema: dict[str, Any], depth: int) -> bool:
        return self.rng.random() < 0.5

    def null(self, schema: dict[str, Any], depth: int) -> None:
        return None


def _bound(schema: dict[str, Any], key: str, default: int) -> int:
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


_BY_TYPE = {
    "object": _Generator.object,
    "array": _Generator.array,
    "string": _Generator.string,
    "number": _Generator.number,
    "integer": _Generator.integer,
    "boolean": _Generator.boolean,
    "null": _Generator.null,
}
