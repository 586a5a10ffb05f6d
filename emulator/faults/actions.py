"""Fault actions: small named objects with a few typed parameters each, as Toxiproxy's toxics.

Three kinds, by when they act:

* before the response (``Before``, this module): ``error``, ``delay``, ``reset`` and ``hang``.
  ``run`` either returns (go on), raises an ``AzureError`` (answer with it) or raises
  ``AbortConnection`` (close the socket, no answer).
* inside a stream (``InStream``, stream_actions.py): ``cut_stream``, ``stream_error``, ``stall``
  and ``malformed`` (which breaks a plain JSON answer too). ``frames`` wraps the stream's
  frames, and tells the ``Wire`` when it ends the stream early or drops the connection.
* while the answer is made: ``filter_error``, which the pipeline's content-filter step reads
  (a failing filter annotates with an error and blocks nothing).

Units are in the field names (``delay_ms``, ``after_chunks``). Every wait is an ``anyio``
sleep in the request's task, so a client that leaves cancels it. ``@action(name)`` registers
a class in ``ACTIONS``, by which scenarios name it.
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import STATUSES, AzureError, for_status

MAX_WAIT_MS = 600_000  # no fault waits longer than ten minutes
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class AbortConnection(Exception):
    """Close the client's connection at once, with no (more) response."""


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str]
    streams_only: ClassVar[bool] = False
    sessions_only: ClassVar[bool] = False  # acts inside realtime sessions alone


Wait = Callable[[float], Awaitable[None]]


class Before(Action):
    async def run(self, rng: random.Random, wait: Wait, names: Mapping[str, str]) -> None:
        """``wait(seconds)`` sleeps, returning early if the client leaves; ``names`` holds the
        request's operation_id and api_version, for messages."""
        raise NotImplementedError


class Wire(Protocol):
    """What a stream fault may do to the connection besides passing frames on
    (emulator/transmission.py carries it out, and records it)."""

    def ended(self, how: Literal["cut", "error_event", "malformed"]) -> None:
        """The fault ends the stream early, in this way."""

    def drop(self) -> None:
        """Close the connection at once (a TCP reset where the server allows it)."""

    async def sleep(self, seconds: float) -> None:
        """Wait for a while (less if the emulator stops meanwhile)."""


class InStream(Action):
    streams_only = True

    async def frames(self, source: AsyncIterator[bytes], wire: Wire) -> AsyncIterator[bytes]:
        """The frames ``source`` yields, as this fault changes them."""
        raise NotImplementedError
        yield b""  # pragma: no cover  (makes this an async generator)


ACTIONS: dict[str, type[Action]] = {}


def action(name: str) -> Callable[[type[Action]], type[Action]]:
    def register(cls: type[Action]) -> type[Action]:
        cls.kind = name
        ACTIONS[name] = cls
        return cls

    return register


@action("error")
class Error(Before):
    """Answer with an error status and Azure's body for it."""

    status: int = Field(description="one of " + ", ".join(map(str, STATUSES)))
    body: dict[str, Any] | None = Field(default=None, description="the whole error object, replacing Azure's")
    message: str | None = Field(default=None, description="replaces the default message only")
    retry_after_s: int | None = Field(default=None, ge=0, description="retry-after header, whole seconds")
    retry_after_ms: int | None = Field(default=None, ge=0, description="retry-after-ms header")
    should_retry: bool | None = Field(default=None, description="x-should-retry header")
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("status")
    @classmethod
    def _azure_status(cls, status: int) -> int:
        if status not in STATUSES:
            raise ValueError(f"Azure's errors here are {', '.join(map(str, STATUSES))}, not {status}")
        return status

    @field_validator("headers")
    @classmethod
    def _sendable(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"header name {name!r} is not a valid HTTP token")
            if name.lower() in ("content-length", "content-type", "transfer-encoding"):
                raise ValueError(f"header {name!r} belongs to the body; it cannot be set here")
            if "\r" in value or "\n" in value or not value.isascii():
                raise ValueError(f"header {name!r}: values must be ASCII on one line")
        return headers

    async def run(self, rng: random.Random, wait: Wait, names: Mapping[str, str]) -> None:
        raise self.to_error(names)

    def to_error(self, names: Mapping[str, str] | None = None) -> AzureError:
        """Azure's error for the status (emulator/errors/), with this rule's changes;
        ``{retry_after}``, ``{operation_id}`` and ``{api_version}`` in its message are filled
        in with this request's values."""
        error = for_status(self.status)
        wait = self.retry_after_s if self.retry_after_s is not None else max(1, (self.retry_after_ms or 1000) // 1000)
        body = dict(self.body) if self.body is not None else dict(error.error)
        if self.message is not None:
            body["message"] = self.message
        if isinstance(body.get("message"), str):
            for key, value in {"retry_after": str(wait), **(names or {})}.items():
                body["message"] = body["message"].replace("{" + key + "}", value)
        if body != error.error:
            error = AzureError(body, status=self.status)
        error.headers.update(self.headers)
        if self.retry_after_s is not None:
            error.headers["retry-after"] = str(self.retry_after_s)
        if self.retry_after_ms is not None:
            error.headers["retry-after-ms"] = str(self.retry_after_ms)
        if self.should_retry is not None:
            error.headers["x-should-retry"] = "true" if self.should_retry else "false"
        return error


@action("delay")
class Delay(Before):
    """Wait before the response starts: fixed, uniform or normal."""

    delay_ms: int | None = Field(default=None, ge=0, le=MAX_WAIT_MS)
    min_ms: int | None = Field(default=None, ge=0, le=MAX_WAIT_MS)
    max_ms: int | None = Field(default=None, ge=0, le=MAX_WAIT_MS)
    mean_ms: int | None = Field(default=None, ge=0, le=MAX_WAIT_MS)
    stddev_ms: int | None = Field(default=None, ge=0, le=MAX_WAIT_MS)

    @model_validator(mode="after")
    def _one_shape(self) -> Delay:
        shapes = [
            self.delay_ms is not None,
            self.min_ms is not None or self.max_ms is not None,
            self.mean_ms is not None,
        ]
        if sum(shapes) != 1:
            raise ValueError("give delay_ms, or min_ms and max_ms, or mean_ms (with stddev_ms)")
        if (self.min_ms is None) != (self.max_ms is None) or (self.min_ms or 0) > (self.max_ms or 0):
            if self.min_ms is not None or self.max_ms is not None:
                raise ValueError("min_ms and max_ms go together, with min_ms <= max_ms")
        return self

    def milliseconds(self, rng: random.Random) -> float:
        if self.delay_ms is not None:
            return float(self.delay_ms)
        if self.min_ms is not None and self.max_ms is not None:
            return rng.uniform(self.min_ms, self.max_ms)
        return min(max(rng.gauss(self.mean_ms or 0, self.stddev_ms or 0), 0.0), MAX_WAIT_MS)

    async def run(self, rng: random.Random, wait: Wait, names: Mapping[str, str]) -> None:
        await wait(self.milliseconds(rng) / 1000)


@action("reset")
class Reset(Before):
    """Close the connection without answering."""

    async def run(self, rng: random.Random, wait: Wait, names: Mapping[str, str]) -> None:
        raise AbortConnection()


@action("hang")
class Hang(Before):
    """Accept the request and answer nothing for a while, then close the connection."""

    hang_ms: int = Field(default=60_000, ge=0, le=MAX_WAIT_MS)

    async def run(self, rng: random.Random, wait: Wait, names: Mapping[str, str]) -> None:
        await wait(self.hang_ms / 1000)
        raise AbortConnection()


@action("filter_error")
class FilterError(Action):
    """The content filter fails: the chosen annotations carry an error object instead of
    categories, as Azure sends when its filter could not run, and nothing is blocked."""

    on: list[Literal["prompt", "completion"]] = Field(
        default=["prompt", "completion"], min_length=1, description="which annotations fail"
    )
