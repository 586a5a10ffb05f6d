"""What the request models of every operation share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..errors import InvalidRequest
from ..wording import (
    empty_string,
    invalid_type,
    invalid_value,
    missing_parameter,
    out_of_range,
    string_too_long,
    too_many_properties,
)


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


# Checks of a value against its set, length or range, in the service's wording (emulator/errors/).


def one_of(name: str, value: str, allowed: Sequence[str]) -> None:
    """Azure's 400 unless ``value`` is among ``allowed``."""
    if value not in allowed:
        raise invalid_value(name, value, allowed)


def text_length(name: str, value: str, most: int) -> None:
    """Azure's 400 for an empty string, or one longer than ``most`` characters."""
    if not value:
        raise empty_string(name)
    if len(value) > most:
        raise string_too_long(name, most, len(value))


def int_range(name: str, value: int, least: int, most: int) -> None:
    """Azure's 400 for an integer outside ``least``..``most``."""
    if value < least:
        raise out_of_range(name, value, below=least)
    if value > most:
        raise out_of_range(name, value, above=most)


def required(body: Mapping[str, Any], name: str, where: str = "") -> Any:
    """``body[name]``, or Azure's 400 naming ``where.name`` as missing."""
    if name not in body or body[name] is None:
        raise missing_parameter(f"{where}.{name}" if where else name)
    return body[name]


def page(items: list[dict[str, Any]], query: Mapping[str, str], default: int = 20, most: int = 100) -> dict[str, Any]:
    """A list answer as the service pages it: the items after the one ``after`` names,
    ``limit`` (1 to ``most``, ``default`` when not given) of them, with first_id, last_id and
    has_more."""
    after = query.get("after")
    if after is not None:
        positions = [i for i, item in enumerate(items) if item.get("id") == after]
        items = items[positions[0] + 1 :] if positions else []
    limit = query.get("limit", str(default))
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 9):
        raise invalid_type("limit", "an integer", limit)
    int_range("limit", int(limit), 1, most)
    shown = items[: int(limit)]
    return {
        "object": "list",
        "data": shown,
        "first_id": shown[0]["id"] if shown else None,
        "last_id": shown[-1]["id"] if shown else None,
        "has_more": len(items) > len(shown),
    }


# Metadata on stored objects (chat completions, batches, fine-tuning jobs): the service's limits.
METADATA_MOST_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 16, 64, 512


def metadata(value: Any, param: str = "metadata") -> dict[str, str] | None:
    """``metadata`` checked as the service checks it: up to 16 string values, keys up to 64
    characters, values up to 512."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid_type(param, "an object of strings", value)
    if len(value) > METADATA_MOST_KEYS:
        raise too_many_properties(param, METADATA_MOST_KEYS, len(value))
    for key, item in value.items():
        if len(key) > METADATA_KEY_LENGTH:
            raise string_too_long(f"{param}.{key}", METADATA_KEY_LENGTH, len(key))
        if len(item) > METADATA_VALUE_LENGTH:
            raise string_too_long(f"{param}.{key}", METADATA_VALUE_LENGTH, len(item))
    return dict(value)
