"""The service's wording of a bad body (OpenAI's, which Azure shares): each builder returns
the ``InvalidRequest`` (emulator/errors/) for one kind of problem, so every operation says
"missing", "invalid type", "not one of", "out of range" and "too long" alike."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .errors import InvalidRequest


def kind_of(value: Any) -> str:
    """How the service names a JSON value's type: "a string", "an array", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def missing_parameter(param: str) -> InvalidRequest:
    return InvalidRequest(f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def invalid_type(param: str, expected: str, value: Any) -> InvalidRequest:
    """``expected`` as the service words it: "a string", "an object", "one of a string or an array"."""
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}, but got {kind_of(value)} instead.",
        param=param,
        code="invalid_type",
    )


def listing(values: Sequence[str]) -> str:
    """'a' and 'b'; 'a', 'b', and 'c'."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


def invalid_value(param: str, value: Any, supported: Sequence[str]) -> InvalidRequest:
    """A value outside the parameter's set."""
    shown = value if isinstance(value, str) else json.dumps(value)
    return InvalidRequest(
        f"Invalid value: '{shown}'. Supported values are: {listing(supported)}.", param=param, code="invalid_value"
    )


def empty_array(param: str, min_length: int = 1) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{param}': empty array. Expected an array with minimum length {min_length}, but got an empty "
        "array instead.",
        param=param,
        code="empty_array",
    )


def array_length(param: str, length: int, *, least: int | None = None, most: int | None = None) -> InvalidRequest:
    """An array shorter than ``least`` or longer than ``most``."""
    bound: int | None
    if most is not None:
        words, bound, code = "too long. Expected an array with maximum length", most, "array_above_max_length"
    else:
        words, bound, code = "too short. Expected an array with minimum length", least, "array_below_min_length"
    return InvalidRequest(
        f"Invalid '{param}': array {words} {bound}, but got an array with length {length} instead.",
        param=param,
        code=code,
    )


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, (int, float)) else str(value)


def out_of_range(
    param: str,
    value: Any,
    *,
    below: float | None = None,
    above: float | None = None,
    inclusive: bool = True,
    decimal: bool = False,
) -> InvalidRequest:
    """A number below its minimum (``below``) or above its maximum (``above``)."""
    number = "decimal" if decimal else "integer"
    bound: float | None
    if below is not None:
        words, op, bound, code = "below minimum", ">=" if inclusive else ">", below, "below_min_value"
    else:
        words, op, bound, code = "above maximum", "<=" if inclusive else "<", above, "above_max_value"
    return InvalidRequest(
        f"Invalid '{param}': {number} {words} value. Expected a value {op} {_number(bound)}, but got "
        f"{_number(value)} instead.",
        param=param,
        code=f"{number}_{code}",
    )


def empty_string(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{param}': empty string. Expected a string with minimum length 1, but got an empty string instead.",
        param=param,
        code="empty_string",
    )


def too_many_properties(param: str, most: int, count: int) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{param}': too many properties. Expected an object with at most {most} properties, but got an "
        f"object with {count} properties instead.",
        param=param,
        code="object_above_max_properties",
    )


def string_too_long(param: str, most: int, length: int) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{param}': string too long. Expected a string with maximum length {most}, but got a string "
        f"with length {length} instead.",
        param=param,
        code="string_above_max_length",
    )


def unsupported_parameter(param: str, advice: str = "") -> InvalidRequest:
    """A parameter the deployment's model does not take ("Use 'x' instead." as ``advice``)."""
    return InvalidRequest(
        f"Unsupported parameter: '{param}' is not supported with this model.{' ' + advice if advice else ''}",
        param=param,
        code="unsupported_parameter",
    )


def unknown_parameter(param: str) -> InvalidRequest:
    """A parameter the api-version has but this model does not (images)."""
    return InvalidRequest(f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")
