"""Thirty-odd JSON Schemas, easy and hard, for tool arguments and structured outputs."""

from __future__ import annotations

from typing import Any


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


SCHEMAS: list[dict[str, Any]] = [
    obj({"name": {"type": "string"}}),
    obj({"count": {"type": "integer"}}),
    obj({"ratio": {"type": "number"}}),
    obj({"flag": {"type": "boolean"}}),
    obj({"nothing": {"type": "null"}}),
    obj(
        {
            "when": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "at": {"type": "string", "format": "time"},
        }
    ),
    obj(
        {
            "mail": {"type": "string", "format": "email"},
            "site": {"type": "string", "format": "uri"},
            "id": {"type": "string", "format": "uuid"},
        }
    ),
    obj({"n": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}),
    obj({"n": {"type": "integer", "minimum": -50, "maximum": -40}}),
    obj({"n": {"type": "integer", "exclusiveMinimum": 9, "exclusiveMaximum": 11}}),
    obj({"tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "minItems": 3, "maxItems": 3}}),
    obj({"empty": {"type": "array", "items": {"type": "integer"}, "maxItems": 0}}),
    obj({"kind": {"const": "fixed"}, "level": {"enum": [1, 2, 3]}, "mixed": {"enum": ["a", 1, None, True]}}),
    {
        "$defs": {"point": obj({"x": {"type": "integer"}, "y": {"type": "integer"}}, additionalProperties=False)},
        **obj({"a": {"$ref": "#/$defs/point"}, "b": {"$ref": "#/$defs/point"}}),
    },
    {"definitions": {"name": {"type": "string", "minLength": 3}}, **obj({"first": {"$ref": "#/definitions/name"}})},
    obj({"value": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}}),
    obj({"shape": {"oneOf": [obj({"r": {"type": "number"}}), {"type": "string", "enum": ["square"]}]}}),
    obj({"nested": obj({"deeper": obj({"deepest": {"type": "array", "items": {"type": "boolean"}}})})}),
    obj({"code": {"type": "string", "minLength": 8, "maxLength": 8}}),
    obj({"maybe": {"type": ["string", "null"]}}, additionalProperties=False),
    {"type": "object", "allOf": [obj({"a": {"type": "integer"}}), obj({"b": {"type": "string"}})]},
    {"type": "object", "properties": {}, "additionalProperties": False},
    obj({"optional": {"type": "string"}, "needed": {"type": "integer"}}, required=["needed"]),
    obj(
        {
            "matrix": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                "minItems": 2,
                "maxItems": 2,
            }
        }
    ),
    obj(
        {
            "people": {
                "type": "array",
                "items": obj({"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "maximum": 120}}),
                "minItems": 1,
            }
        }
    ),
    {
        "$defs": {
            "node": obj(
                {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                required=["name"],
            )
        },
        "$ref": "#/$defs/node",
    },
    obj(
        {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "temps": {"type": "array", "items": {"type": "number", "minimum": -90, "maximum": 60}},
        }
    ),
    obj({"meta": {"type": "object", "additionalProperties": {"type": "string"}}}),
    obj({"any": {}}),
    obj(
        {"status": {"type": "string", "enum": ["open", "closed"]}, "count": {"type": ["integer", "null"], "minimum": 0}}
    ),
    obj(
        {
            "pair": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "number"}]},
                "minItems": 2,
                "maxItems": 4,
            }
        }
    ),
    obj({"deep": {"$ref": "#/$defs/a"}})
    | {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": obj({"c": {"type": "boolean"}})}},
    # Each keyword structured outputs supports, alone and together: KEYWORD_SCHEMAS below.
]
KEYWORD_SCHEMAS: list[dict[str, Any]] = [
    obj({"zip": {"type": "string", "pattern": "^[0-9]{5}(-[0-9]{4})?$"}}),
    obj({"sku": {"type": "string", "pattern": "^[A-Z]{3}-\\d{2,4}$", "maxLength": 8}}),
    obj(
        {
            "phone": {"type": "string", "pattern": "\\+?[0-9]{7,12}"},
            "tag": {"type": "string", "pattern": "^(red|green|blue)+$"},
        }
    ),
    obj(
        {
            fmt: {"type": "string", "format": fmt}
            for fmt in ("date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid")
        }
    ),
    obj({"dozen": {"type": "integer", "multipleOf": 12, "minimum": 1, "maximum": 200}}),
    obj({"price": {"type": "number", "multipleOf": 0.25, "exclusiveMinimum": 0, "exclusiveMaximum": 10}}),
    obj({"inside": {"type": "number", "exclusiveMinimum": 1.5, "exclusiveMaximum": 1.75}}),
    obj(
        {
            "picks": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 6},
                "uniqueItems": True,
                "minItems": 4,
                "maxItems": 6,
            }
        }
    ),
    obj({"exactly": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3}}),
    obj({"version": {"const": "v2"}, "kind": {"type": "string", "const": "event"}}),
    obj(
        {
            "contact": {
                "anyOf": [
                    obj({"email": {"type": "string", "format": "email"}}, additionalProperties=False),
                    obj({"phone": {"type": "string", "pattern": "^\\d{10}$"}}, additionalProperties=False),
                    {"anyOf": [{"type": "null"}, {"type": "string", "format": "uuid"}]},
                ]
            }
        }
    ),
    {
        "$defs": {
            "expr": {
                "anyOf": [
                    obj({"value": {"type": "integer", "multipleOf": 5}}, additionalProperties=False),
                    obj(
                        {
                            "op": {"enum": ["+", "*"]},
                            "args": {"type": "array", "items": {"$ref": "#/$defs/expr"}, "minItems": 2, "maxItems": 2},
                        },
                        additionalProperties=False,
                    ),
                ]
            }
        },
        **obj({"root": {"$ref": "#/$defs/expr"}}, additionalProperties=False),
    },
]
SCHEMAS += KEYWORD_SCHEMAS
