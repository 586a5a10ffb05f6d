"""What the request models of every operation share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..errors import InvalidRequest


class Strict(BaseModel):
    """JSON types as the service checks them: "0.5" is not a number, 1 is not a boolean.
    Unknown fields are kept: the api-version catalog, not the model, decides about them."""

    model_config = ConfigDict(strict=True, extra="allow")


def stop_sequences(stop: str | list[str] | None) -> list[str]:
    """The stop sequences that can match: an empty one never does."""
    if stop is None:
        return []
    return [s for s in ([stop] if isinstance(stop, str) else stop) if s]


def check_stream_options(stream_options: Any, stream: bool | None) -> None:
    if stream_options is not None and not stream:
        raise InvalidRequest(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options"
        )


# The service's wording for values outside a parameter's set or range (OpenAI's, which Azure
# shares), in one place so every operation words them alike.


def one_of(name: str, value: str, allowed: Sequence[str]) -> None:
    """Azure's 400 unless ``value`` is among ``allowed``."""
    if value in allowed:
        return
    quoted = [f"'{v}'" for v in allowed]
    if len(quoted) <= 2:
        listed = " and ".join(quoted)
    else:
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    raise InvalidRequest(f"Invalid value: '{value}'. Supported values are: {listed}.", param=name, code="invalid_value")


def text_length(name: str, value: str, most: int) -> None:
    """Azure's 400 for an empty string, or one longer than ``most`` characters."""
    if not value:
        raise InvalidRequest(
            f"Invalid '{name}': empty string. Expected a string with minimum length 1, but got an empty string instead.",
            param=name,
            code="empty_string",
        )
    if len(value) > most:
        raise InvalidRequest(
            f"Invalid '{name}': string too long. Expected a string with maximum length {most}, but got a string "
            f"with length {len(value)} instead.",
            param=name,
            code="string_above_max_length",
        )


def int_range(name: str, value: int, least: int, most: int) -> None:
    """Azure's 400 for an integer outside ``least``..``most``."""
    if value < least:
        raise InvalidRequest(
            f"Invalid '{name}': integer below minimum value. Expected a value >= {least}, but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if value > most:
        raise InvalidRequest(
            f"Invalid '{name}': integer above maximum value. Expected a value <= {most}, but got {value} instead.",
            param=name,
            code="integer_above_max_value",
        )


def page(items: list[dict[str, Any]], query: Mapping[str, str], default: int = 20, most: int = 100) -> dict[str, Any]:
    """A list answer as the service pages it: the items after the one ``after`` names,
    ``limit`` (1 to ``most``, ``default`` when not given) of them, with first_id, last_id and
    has_more."""
    after = query.get("after")
    if after is not None:
        positions = [i for i, item in enumerate(items) if item.get("id") == after]
        items = items[positions[0] + 1 :] if positions else []
    limit = query.get("limit", str(default))
    if not limit.isdecimal() or not 1 <= int(limit) <= most:
        raise InvalidRequest(
            f"Invalid 'limit': expected an integer between 1 and {most}, but got {limit}.",
            param="limit",
            code="invalid_value",
        )
    shown = items[: int(limit)]
    return {
        "object": "list",
        "data": shown,
        "first_id": shown[0]["id"] if shown else None,
        "last_id": shown[-1]["id"] if shown else None,
        "has_more": len(items) > len(shown),
    }
