"""What the request models of every operation share."""

from __future__ import annotations

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
