"""What a JSON Schema may ask of the data generator (schema_data.py): the error for a schema no
data can be generated for, and structured outputs' strict rules, which keywords and formats a
strict schema may use and what each of its objects must declare."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SchemaError(ValueError):
    """A schema no data can be generated for: a broken $ref, an unknown type, bounds that
    exclude every value, recursion with no way out, or (strict) an unsupported constraint."""


# The string formats the generator writes (schema_scalars.py); strict mode refuses the others.
FORMATS = ("date", "date-time", "time", "duration", "email", "hostname", "ipv4", "ipv6", "uri", "url", "uuid")
_UNSUPPORTED = (
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


def check_strict_keywords(schema: dict[str, Any]) -> None:
    """Refuses a constraint the generator would not honour, rather than answer with data that
    might break it."""
    for keyword in _UNSUPPORTED:
        if keyword in schema:
            raise SchemaError(f"'{keyword}' is not supported")
    if schema.get("format") not in (None, *FORMATS):
        raise SchemaError(f"format '{schema['format']}' is not supported")


def check_strict_object(
    schema: dict[str, Any], properties: dict[str, Any], required: list[Any], path: Sequence[str]
) -> None:
    """Structured outputs' own rules for a strict schema's objects, in the service's words;
    ``path`` is where in the schema the object is."""
    context = tuple(path)
    if schema.get("additionalProperties") is not False:
        raise SchemaError(f"In context={context}, 'additionalProperties' is required to be supplied and to be false.")
    optional = [name for name in properties if name not in required]
    if optional:
        raise SchemaError(
            f"In context={context}, 'required' is required to be supplied and to be an array including every "
            f"key in properties. Missing '{optional[0]}'."
        )


# Structured outputs' limits on a strict schema, as Azure's structured-outputs page states
# them. The nesting message is the service's; the others follow its form.
MAX_NESTING = 5
MAX_PROPERTIES = 100
MAX_ENUM_VALUES = 500
MAX_SCHEMA_CHARS = 15_000
LARGE_ENUM = 250
MAX_LARGE_ENUM_CHARS = 7_500


def check_strict_limits(root: dict[str, Any]) -> None:
    """Refuses a strict schema past the service's size limits: levels of object nesting,
    object properties in all, enum values in all, the characters of every property name,
    definition name, enum value and const value together, and of a large enum's values."""
    totals = {"properties": 0, "enums": 0, "chars": 0, "depth": 0}
    for key in ("$defs", "definitions"):
        defined = root.get(key)
        if defined is not None and not isinstance(defined, dict):
            raise SchemaError(f"{key} must be an object of schemas")
        totals["chars"] += sum(len(str(name)) for name in defined or {})
    _walk(root, 1, totals, set())
    if totals["depth"] > MAX_NESTING:
        raise SchemaError(f"{totals['depth']} levels of nesting exceeds limit of {MAX_NESTING}.")
    if totals["properties"] > MAX_PROPERTIES:
        raise SchemaError(f"{totals['properties']} object properties exceeds limit of {MAX_PROPERTIES}.")
    if totals["enums"] > MAX_ENUM_VALUES:
        raise SchemaError(f"{totals['enums']} enum values exceeds limit of {MAX_ENUM_VALUES}.")
    if totals["chars"] > MAX_SCHEMA_CHARS:
        raise SchemaError(
            f"{totals['chars']} characters of property names, definition names, enum values and const values "
            f"exceeds limit of {MAX_SCHEMA_CHARS}."
        )


def _walk(schema: Any, level: int, totals: dict[str, int], seen: set[int]) -> None:
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    properties = schema.get("properties")
    if isinstance(properties, dict):
        totals["depth"] = max(totals["depth"], level)
        totals["properties"] += len(properties)
        totals["chars"] += sum(len(str(name)) for name in properties)
    enum = schema.get("enum")
    if isinstance(enum, list):
        totals["enums"] += len(enum)
        text = sum(len(v) for v in enum if isinstance(v, str))
        totals["chars"] += text
        strings = sum(1 for v in enum if isinstance(v, str))
        if strings > LARGE_ENUM and text > MAX_LARGE_ENUM_CHARS:
            raise SchemaError(
                f"enum of {strings} string values with {text} characters in total exceeds limit of "
                f"{MAX_LARGE_ENUM_CHARS} (for an enum of more than {LARGE_ENUM} values)."
            )
    if isinstance(schema.get("const"), str):
        totals["chars"] += len(schema["const"])
    for sub in (properties or {}).values() if isinstance(properties, dict) else ():
        _walk(sub, level + 1, totals, seen)
    for key in ("items", "additionalProperties"):
        _walk(schema.get(key), level + (1 if key == "additionalProperties" else 0), totals, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key) or () if isinstance(schema.get(key), list) else ():
            _walk(sub, level, totals, seen)
    for key in ("$defs", "definitions"):
        for sub in (schema.get(key) or {}).values() if isinstance(schema.get(key), dict) else ():
            _walk(sub, level, totals, seen)
