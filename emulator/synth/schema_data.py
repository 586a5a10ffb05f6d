"""Data that conforms to a JSON Schema, for structured outputs.

Covers the keywords structured outputs allow: types (also as lists), properties, required,
additionalProperties, enum, const, items, min/max items, numeric and length bounds, the
common string formats, $ref into $defs/definitions, anyOf/oneOf/allOf.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

class SchemaError(ValueError):
    """A schema no data can be generated for: a broken $ref, an unknown type, or recursion
    with no way out."""


_WORDS = ("alpha", "bravo", "delta", "harbor", "maple", "orbit", "pixel", "river", "summit", "willow")
_MAX_DEPTH = 8
# Past the soft depth above, optional parts are left out; a schema that still nests deeper
# (a required property that refers back to itself) has no finite instance.
_HARD_DEPTH = 64


def generate(schema: dict[str, Any], seed: int) -> Any:
    return _value(schema, schema, random.Random(seed), 0)


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise SchemaError(f"only local references are supported, not {ref!r}")
    for part in ref[1:].lstrip("/").split("/"):
        if part:
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or key not in node:
                raise SchemaError(f"reference {ref!r} does not resolve")
            node = node[key]
    if not isinstance(node, dict):
        raise SchemaError(f"reference {ref!r} does not point to a schema")
    return node


def _value(schema: Any, root: dict[str, Any], rng: random.Random, depth: int) -> Any:
    if depth > _HARD_DEPTH:
        raise SchemaError("the schema requires infinitely deep data")
    if schema is True or schema == {}:
        return rng.choice(_WORDS)
    if not isinstance(schema, dict):
        raise SchemaError("every schema must be an object")
    if "$ref" in schema:
        return _value(_resolve(schema["$ref"], root), root, rng, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return rng.choice(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            branches = schema[key]
            if depth >= _MAX_DEPTH:
                plain = [b for b in branches if isinstance(b, dict) and b.get("type") == "null"]
                branches = plain or branches
            return _value(rng.choice(branches), root, rng, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            if not isinstance(part, dict):
                raise SchemaError("allOf entries must be schemas")
            part = _resolve(part["$ref"], root) if "$ref" in part else part
            for k, v in part.items():
                if k in ("properties",) and k in merged:
                    merged[k] = {**merged[k], **v}
                elif k == "required" and k in merged:
                    merged[k] = list(dict.fromkeys(merged[k] + v))
                else:
                    merged[k] = v
        return _value(merged, root, rng, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        choices = [k for k in kind if k != "null"] if depth < _MAX_DEPTH else ["null"]
        kind = rng.choice(choices or kind)
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    make = _BY_TYPE.get(kind) if isinstance(kind, str) else None
    if make is None:
        raise SchemaError(f"unknown type {kind!r}")
    return make(schema, root, rng, depth)


def _object(schema: dict[str, Any], root: dict[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    out: dict[str, Any] = {}
    for name, sub in properties.items():
        if name in required or depth < _MAX_DEPTH // 2:
            out[name] = _value(sub, root, rng, depth + 1)
    return out


def _array(schema: dict[str, Any], root: dict[str, Any], rng: random.Random, depth: int) -> list[Any]:
    given_min = schema.get("minItems")
    low = int(given_min) if given_min is not None else (1 if depth < _MAX_DEPTH // 2 else 0)
    high = int(schema.get("maxItems", low + 2))
    # Deep down, only as many items as required, so recursive schemas stay small.
    count = low if depth >= _MAX_DEPTH // 2 else rng.randint(low, max(low, min(high, low + 2)))
    items = schema.get("items", {"type": "string"})
    return [_value(items, root, rng, depth + 1) for _ in range(count)]


def _string(schema: dict[str, Any], root: dict[str, Any], rng: random.Random, depth: int) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        text = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    elif fmt == "date":
        text = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    elif fmt == "time":
        text = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    elif fmt == "email":
        text = f"{rng.choice(_WORDS)}@example.com"
    elif fmt in ("uri", "url"):
        text = f"https://example.com/{rng.choice(_WORDS)}"
    elif fmt == "uuid":
        text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    else:
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    while len(text) < low:
        text += "x"
    if high is not None and fmt is None:
        text = text[: int(high)]
    return text


def _number(schema: dict[str, Any], root: dict[str, Any], rng: random.Random, depth: int) -> float:
    low = float(schema.get("minimum", schema.get("exclusiveMinimum", 0)))
    high = float(schema.get("maximum", schema.get("exclusiveMaximum", low + 100)))
    value = round(rng.uniform(low, high), 2)
    if "exclusiveMinimum" in schema and value <= low or "exclusiveMaximum" in schema and value >= high:
        value = (low + high) / 2
    return value


def _integer(schema: dict[str, Any], root: dict[str, Any], rng: random.Random, depth: int) -> int:
    low = int(schema.get("minimum", schema["exclusiveMinimum"] + 1 if "exclusiveMinimum" in schema else 0))
    high = int(schema.get("maximum", schema["exclusiveMaximum"] - 1 if "exclusiveMaximum" in schema else low + 100))
    return rng.randint(low, max(low, high))


_BY_TYPE: dict[str, Callable[[dict[str, Any], dict[str, Any], random.Random, int], Any]] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "number": _number,
    "integer": _integer,
    "boolean": lambda schema, root, rng, depth: rng.random() < 0.5,
    "null": lambda schema, root, rng, depth: None,
}
