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
FORMATS = ("date", "date-time", "time", "email", "uri", "url", "uuid")
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
