"""Request bodies in, Azure's 400s out.

``parse_json_body`` turns raw bytes into a dict; ``map_validation_errors`` is the single
boundary where a pydantic ``ValidationError`` becomes Azure's error (as httpx's
``map_httpcore_exceptions`` does for transport errors). The wording is the one Azure has used
since late 2024, which fills ``param`` and ``code`` (research notes: Azure's own bodies for
missing parameters, roles and types; OpenAI's for the rest, which Azure shares).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .errors import InvalidRequest, UnrecognizedArgument
from .wording import (
    array_length,
    empty_array,
    invalid_type,
    invalid_value,
    kind_of,
    missing_parameter,
    out_of_range,
    string_too_long,
    unknown_parameter,
)

if TYPE_CHECKING:
    from .context import RequestContext

_PARSE_MESSAGE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)"
)

# pydantic's error types -> how Azure names the expected JSON type.
_EXPECTED = {
    "float_type": "a decimal",
    "int_type": "an integer",
    "string_type": "a string",
    "bool_type": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dataclass_type": "a file",  # a multipart part that should have been a file upload
}
_UNION_TAG_NAMES = {"str", "int", "float", "bool", "list", "dict", "none"}


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser takes them unless told otherwise.
    raise ValueError(f"{name} is not valid JSON")


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or Azure's 400 for anything else."""
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidRequest(_PARSE_MESSAGE, param=None) from None
    if not isinstance(data, dict):
        raise InvalidRequest(
            f"Invalid type for request body: expected an object, but got {kind_of(data)} instead.",
            param=None,
            code="invalid_type",
        )
    return data


def param_path(loc: Sequence[Any]) -> str:
    """('messages', 0, 'role') -> 'messages[0].role', Azure's way of naming a nested field."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _is_union_tag(part):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _is_union_tag(part: Any) -> bool:
    # pydantic names the branch of a union it tried ('str', 'list[str]', 'ToolChoice');
    # our field names are lower-case snake words, so tags are easy to tell apart.
    text = str(part)
    return "[" in text or text in _UNION_TAG_NAMES or text[:1].isupper() or "-" in text


def validated(model: type[BaseModel], body: dict[str, Any] | None, form: bool) -> Any:
    """``body`` as the operation's request ``model``, or Azure's 400 for its first problem."""
    try:
        # A form's values are all text: "2" is read as the number it spells.
        return model.model_validate(body, strict=False if form else None)
    except ValidationError as exc:
        raise map_validation_errors(exc) from None


def map_validation_errors(exc: ValidationError) -> InvalidRequest:
    """The first problem pydantic found, as Azure words it."""
    errors = exc.errors(include_url=False)
    param = param_path(errors[0]["loc"])
    # In a union (stop: string or array), the branch whose type matched has the real
    # complaint; the other branches only say "wrong type".
    same_param = [e for e in errors if param_path(e["loc"]) == param]
    first = next((e for e in same_param if e["type"] not in _EXPECTED), errors[0])
    kind = first["type"]
    ctx = first.get("ctx") or {}
    value = first.get("input")

    if kind == "missing":
        return missing_parameter(param)
    if kind in _EXPECTED:
        expected = [_EXPECTED[e["type"]] for e in errors if param_path(e["loc"]) == param and e["type"] in _EXPECTED]
        unique = list(dict.fromkeys(expected))
        return invalid_type(param, unique[0] if len(unique) == 1 else "one of " + " or ".join(unique), value)
    if kind == "too_short":
        if ctx.get("actual_length") == 0:
            return empty_array(param, ctx.get("min_length", 1))
        return array_length(param, ctx.get("actual_length", 0), least=ctx.get("min_length"))
    if kind == "too_long":
        return array_length(param, ctx.get("actual_length", 0), most=ctx.get("max_length"))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        # The field's type decides the wording; pydantic gives float fields float bounds.
        bound = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), 0)
        inclusive = kind.endswith("equal")
        decimal = isinstance(bound, float)
        if kind.startswith("greater"):
            return out_of_range(param, value, below=bound, inclusive=inclusive, decimal=decimal)
        return out_of_range(param, value, above=bound, inclusive=inclusive, decimal=decimal)
    if kind == "string_too_long":
        return string_too_long(param, ctx.get("max_length", 0), len(value) if isinstance(value, str) else 0)
    if kind == "literal_error":
        return invalid_value(param, value, _literal_options(ctx.get("expected", "")))
    if kind == "union_tag_invalid":  # a tagged union's tag (realtime's turn_detection.type)
        tag_field = str(ctx.get("discriminator", "type")).strip("'")
        return invalid_value(f"{param}.{tag_field}", ctx.get("tag"), _literal_options(ctx.get("expected_tags", "")))
    if kind == "extra_forbidden":  # models that refuse unknown fields (realtime events)
        return unknown_parameter(param)
    if kind == "value_error":
        return InvalidRequest(str(ctx.get("error", first["msg"])), param=param, code="invalid_value")
    return InvalidRequest(f"Invalid value for '{param}': {first['msg']}.", param=param, code="invalid_value")


def _literal_options(expected: str) -> list[str]:
    # pydantic renders Literal options as "'a', 'b' or 'c'".
    cleaned = expected.replace(" or ", ", ")
    return [part.strip().strip("'") for part in cleaned.split(",") if part.strip()]


def reject_unknown_parameters(ctx: RequestContext, accepted_everywhere: frozenset[str]) -> None:
    """A parameter the request's api-version does not have is Azure's 400, all of them named."""
    assert ctx.api_version is not None and ctx.body is not None
    rules = ctx.api_version.rules_for(ctx.operation.name)
    assert rules is not None
    unknown = [key for key in ctx.body if key not in rules.params and key not in accepted_everywhere]
    if unknown:
        raise UnrecognizedArgument(unknown)
