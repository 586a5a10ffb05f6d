"""Schema data over many seeds: every value the generator writes for the suite's schemas
(tests/schemas.py) validates, formats included, strict or not; the keywords structured
outputs supports are honoured under strict; strict schemas past the service's size limits
are refused with its words."""

from __future__ import annotations

import datetime
import ipaddress
import re
import uuid
from typing import Any

import jsonschema
import pytest
from schemas import KEYWORD_SCHEMAS, SCHEMAS

from emulator.synth.schema_data import SchemaError, generate

SEEDS = range(150)
_DURATION = re.compile(r"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

FORMAT_CHECKS = {
    "date-time": lambda v: datetime.datetime.fromisoformat(v.replace("Z", "+00:00")),
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "duration": lambda v: _DURATION.match(v) or pytest.fail(f"not a duration: {v}"),
    "email": lambda v: _EMAIL.match(v) or pytest.fail(f"not an email: {v}"),
    "hostname": lambda v: _HOSTNAME.match(v) or pytest.fail(f"not a hostname: {v}"),
    "ipv4": ipaddress.IPv4Address,
    "ipv6": ipaddress.IPv6Address,
    "uuid": uuid.UUID,
}


def strict(schema: Any) -> Any:
    """The schema as structured outputs' strict mode wants it: every object closed, every
    property required."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    made = {k: strict(v) for k, v in schema.items()}
    if isinstance(made.get("properties"), dict):
        made["required"] = list(made["properties"])
        made["additionalProperties"] = False
    return made


def formats_hold(value: Any, schema: Any, root: dict[str, Any]) -> None:
    """Every string under a ``format`` parses as that format (jsonschema leaves most unchecked)."""
    if isinstance(schema, dict) and "$ref" in schema:
        node: Any = root
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    if not isinstance(schema, dict):
        return
    if isinstance(value, str) and schema.get("format") in FORMAT_CHECKS:
        FORMAT_CHECKS[schema["format"]](value)
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                formats_hold(value[name], sub, root)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            formats_hold(item, schema["items"], root)
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            try:
                jsonschema.validate(value, {**root, **branch} if "$defs" in root else branch)
            except jsonschema.ValidationError:
                continue
            formats_hold(value, branch, root)


@pytest.mark.parametrize("index", range(len(SCHEMAS)), ids=[f"schema-{i}" for i in range(len(SCHEMAS))])
def test_every_seed_gives_valid_data(index: int) -> None:
    schema = SCHEMAS[index]
    for seed in SEEDS:
        data = generate(schema, seed)
        jsonschema.validate(data, schema)
        formats_hold(data, schema, schema)


@pytest.mark.parametrize(
    "index", range(len(KEYWORD_SCHEMAS)), ids=[f"keywords-{i}" for i in range(len(KEYWORD_SCHEMAS))]
)
def test_strict_schemas_with_every_supported_keyword_are_honoured(index: int) -> None:
    schema = strict(KEYWORD_SCHEMAS[index])
    values = set()
    for seed in SEEDS:
        data = generate(schema, seed, strict=True)
        jsonschema.validate(data, schema)
        formats_hold(data, schema, schema)
        values.add(repr(data))
    assert generate(schema, 3, strict=True) == generate(schema, 3, strict=True)  # the seed decides
    assert len(values) > 1 or "const" in repr(schema)  # and different seeds differ


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}, "required": ["x"], "additionalProperties": False}
    return schema


def test_strict_nesting_past_the_limit_is_refused_in_the_services_words() -> None:
    generate(nested(5), 0, strict=True)
    with pytest.raises(SchemaError, match=r"^6 levels of nesting exceeds limit of 5\.$"):
        generate(nested(6), 0, strict=True)
    assert generate(nested(6), 0)  # not strict: no limit


def test_strict_size_limits() -> None:
    many = {f"p{i}": {"type": "integer"} for i in range(101)}
    with pytest.raises(SchemaError, match="101 object properties exceeds limit of 100"):
        generate({"type": "object", "properties": many, "required": list(many), "additionalProperties": False}, 0, True)
    enums = {f"e{i}": {"enum": list(range(60))} for i in range(9)}
    with pytest.raises(SchemaError, match="540 enum values exceeds limit of 500"):
        generate(
            {"type": "object", "properties": enums, "required": list(enums), "additionalProperties": False}, 0, True
        )
    big = {"big": {"enum": [f"value-{i:04d}-{'x' * 20}" for i in range(300)]}}
    with pytest.raises(
        SchemaError, match="enum of 300 string values with 9300 characters in total exceeds limit of 7500"
    ):
        generate({"type": "object", "properties": big, "required": ["big"], "additionalProperties": False}, 0, True)
    long = {"k": {"const": "y" * 15_001}}
    with pytest.raises(SchemaError, match="exceeds limit of 15000"):
        generate({"type": "object", "properties": long, "required": ["k"], "additionalProperties": False}, 0, True)
    # Without strict the service does not hold a schema to these limits.
    generate({"type": "object", "properties": many}, 0)


def test_a_pattern_no_string_of_the_lengths_can_match_is_refused() -> None:
    with pytest.raises(SchemaError, match="matching pattern"):
        generate({"type": "string", "pattern": "^[a-z]{10}$", "maxLength": 5}, 0, strict=True)
    with pytest.raises(SchemaError, match="not a regular expression"):
        generate({"type": "string", "pattern": "(unclosed"}, 0, strict=True)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("^(a|aa){1,100}(?=b)$", "uses lookarounds"),
        ("(a)?(?(1)b|c)", "uses back references"),
        ("(\\w)\\1", "uses back references"),
        ("(?>ab)c", "uses atomic groups or possessive repeats"),
        ("((a{100}){100}){100}", "no string of 0 to 64 characters"),
    ],
)
def test_patterns_no_string_can_be_written_for_are_refused_at_once(pattern: str, words: str) -> None:
    with pytest.raises(SchemaError, match=re.escape(words)):
        generate({"type": "string", "pattern": pattern}, 0, strict=True)


def test_long_and_backtracking_patterns_are_written_quickly() -> None:
    long = {"type": "string", "pattern": "^[0-9a-f]{128}$", "maxLength": 128}
    assert re.fullmatch("[0-9a-f]{128}", generate(long, 0, strict=True))
    assert re.search("(x+x+)+y", generate({"type": "string", "pattern": "(x+x+)+y"}, 0, strict=True))


def test_integers_with_a_fractional_multiple_of() -> None:
    for step in (0.5, 0.25, 1.5):
        schema = {"type": "integer", "multipleOf": step, "minimum": 0, "maximum": 50}
        for seed in range(30):
            jsonschema.validate(generate(schema, seed, strict=True), schema)
    with pytest.raises(SchemaError, match="too small"):
        generate({"type": "number", "multipleOf": 1e-320}, 0, strict=True)
