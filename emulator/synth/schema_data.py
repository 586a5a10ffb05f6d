"""Data that conforms to a JSON Schema, for structured outputs.

Honours: types (also as lists), properties, required, enum, const, items, minItems/maxItems,
uniqueItems, minimum/maximum (also exclusive), multipleOf, minLength/maxLength, pattern
(strings written from the regular expression), the formats date, date-time, time, duration,
email, hostname, ipv4, ipv6, uri and uuid, $ref into the schema itself (recursive too),
anyOf/oneOf/allOf. With ``strict``, a
schema that uses any other constraint is refused (a ``SchemaError``) rather than answered
with data that might break it; without ``strict`` the other constraints are ignored, as a
model following a non-strict schema may ignore them too.

This module walks the schema; the strict rules and ``SchemaError`` are in schema_rules.py,
the strings, numbers and integers at its leaves in schema_scalars.py.
"""

from __future__ import annotations

import json
import random
from typing import Any

from . import schema_scalars as scalars
from .schema_rules import SchemaError, check_strict_keywords, check_strict_limits, check_strict_object

__all__ = ["SchemaError", "generate"]

# Below this depth optional properties and array items are filled in; past it only what is
# required, so recursive schemas stay small.
_SOFT_DEPTH = 4
# Limits that keep one request from occupying the server: a schema needing more has no
# reasonable answer.
_MAX_DEPTH = 64
_MAX_NODES = 10_000
_MAX_CHARS = 1_000_000
# Tries per item at an array of different items (uniqueItems).
_UNIQUE_TRIES = 20


def generate(schema: dict[str, Any], seed: int, strict: bool = False) -> Any:
    if strict and isinstance(schema, dict):
        check_strict_limits(schema)
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
            return self.rng.choice(scalars.WORDS)
        if not isinstance(schema, dict):
            raise SchemaError("every schema must be an object")
        if self.strict:
            check_strict_keywords(schema)
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
            # Prefer a branch that ends the recursion: one that refers nowhere.
            ending = [b for b in branches if isinstance(b, dict) and not _refers(b)]
            branches = ending or branches
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
            check_strict_object(schema, properties, required, self.path)
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            if name in required or depth < _SOFT_DEPTH:
                self.path += ["properties", name]
                out[name] = self.value(sub, depth + 1)
                del self.path[-2:]
        extra = schema.get("additionalProperties")
        for name in missing:
            out[name] = self.value(extra, depth + 1) if isinstance(extra, dict) else self.rng.choice(scalars.WORDS)
        return out

    def array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        high = scalars.length_bound(schema, "maxItems", 1_000_000)
        # Without minItems, one item near the top (none deeper down), if maxItems allows it.
        low = scalars.length_bound(schema, "minItems", min(1 if depth < _SOFT_DEPTH else 0, high))
        high = min(high, max(low, 1) + 2) if "maxItems" not in schema else high
        if low > high:
            raise SchemaError(f"minItems {low} is above maxItems {high}")
        if low > scalars.MAX_LENGTH:
            raise SchemaError(f"minItems above {scalars.MAX_LENGTH} is not supported")
        count = low if depth >= _SOFT_DEPTH else self.rng.randint(low, min(high, low + 2))
        items = schema.get("items", {"type": "string"})
        self.path.append("items")
        try:
            if schema.get("uniqueItems") is not True:
                return [self.value(items, depth + 1) for _ in range(count)]
            return self.distinct(items, count, depth)
        finally:
            self.path.pop()

    def distinct(self, items: Any, count: int, depth: int) -> list[Any]:
        """``count`` items no two of which are equal (uniqueItems), as JSON compares them."""
        made: list[Any] = []
        seen: set[str] = set()
        for _ in range(count * _UNIQUE_TRIES):
            if len(made) == count:
                break
            item = self.value(items, depth + 1)
            key = json.dumps(item, sort_keys=True)
            if key not in seen:
                seen.add(key)
                made.append(item)
        if len(made) < count:
            raise SchemaError(f"no {count} different items fit the schema of the items (uniqueItems)")
        return made

    def string(self, schema: dict[str, Any], depth: int) -> str:
        text = scalars.string(schema, self.rng)
        self.chars += len(text)
        if self.chars > _MAX_CHARS:
            raise SchemaError(f"the schema requires more than {_MAX_CHARS} characters of data")
        return text

    def number(self, schema: dict[str, Any], depth: int) -> float:
        return scalars.number(schema, self.rng)

    def integer(self, schema: dict[str, Any], depth: int) -> int:
        return scalars.integer(schema, self.rng)

    def boolean(self, schema: dict[str, Any], depth: int) -> bool:
        return self.rng.random() < 0.5

    def null(self, schema: dict[str, Any], depth: int) -> None:
        return None


def _refers(schema: Any) -> bool:
    """Whether a $ref appears anywhere in ``schema`` (a branch that may recurse)."""
    if isinstance(schema, dict):
        return "$ref" in schema or any(_refers(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_refers(v) for v in schema)
    return False


_BY_TYPE = {
    "object": _Generator.object,
    "array": _Generator.array,
    "string": _Generator.string,
    "number": _Generator.number,
    "integer": _Generator.integer,
    "boolean": _Generator.boolean,
    "null": _Generator.null,
}
