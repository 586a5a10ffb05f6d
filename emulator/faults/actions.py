"""Fault actions: small named objects with a few typed parameters each, as Toxiproxy's toxics.

Three kinds, by when they act:

* before the response (``Before``): ``error``, ``delay``, ``reset``, ``hang`` and, for plain
  JSON answers, ``malformed``. ``run`` either returns (go on), raises an ``AzureError`` (answer
  with it) or raises ``AbortConnection`` (close the socket, no answer).
* inside a stream (``InStream``): ``cut_stream``, ``stream_error``, ``stall`` and, for
  streams, ``malformed``. ``frames`` wraps the stream's frames.
* while the answer is made: ``filter_error``, which the pipeline's content-filter step reads
  (a failing filter annotates with an error and blocks nothing).

Units are in the field names (``delay_ms``, ``after_chunks``). Every wait is an ``anyio``
sleep in the request's task, so a client that leaves cancels it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Annotated, Any, ClassVar, Literal

import anyio
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import STATUSES, AzureError, for_status

MAX_WAIT_MS = 600_000  # no fault waits longer than ten minutes
DONE_FRAME = b"data: [DONE]\n\n"
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class AbortConnection(Exception):
    """Close the client's connection at once, with no (more) response."""


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str]
    streams_only: ClassVar[bool] = False


Wait = Callable[[float], Awaitable[None]]


class Before(Action):
    async def run(self, rng: random.Random, wait: Wait, names: Mapping[str, str]) -> None:
        """``wait(seconds)`` sleeps, returning early if the client leaves; ``names`` holds the
        request's operation_id and api_version, for messages."""
        raise NotImplementedError


class InStream(Action):
    streams_only = True

    async def frames(self, source: AsyncIterator[bytes], abort: Callable[[], None]) -> AsyncIterator[bytes]:
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
        """Azure's error for the status (emulator/errors.py), with this rule's changes;
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


@action("malformed")
class Malformed(Action):
    """A JSON answer cut short, or a stream event that is not JSON."""

    after_chunks: int = Field(default=1, ge=0, le=10_000, description="streams: events before the broken one")

    def body(self, whole: bytes) -> bytes:
        return whole[: max(len(whole) // 2, 1)]

    async def frames(self, source: AsyncIterator[bytes], abort: Callable[[], None]) -> AsyncIterator[bytes]:
        count = 0
        async for frame in source:
            # A stream shorter than after_chunks still gets its broken event, before [DONE].
            if count == self.after_chunks or frame == DONE_FRAME:
                yield b'data: {"choices": [{"delta": {"content": "bro\n\n'
                return
            yield frame
            count += 1


@action("filter_error")
class FilterError(Action):
    """The content filter fails: the chosen annotations carry an error object instead of
    categories, as Azure sends when its filter could not run, and nothing is blocked."""

    on: list[Literal["prompt", "completion"]] = Field(
        default=["prompt", "completion"], min_length=1, description="which annotations fail"
    )


@action("cut_stream")
class CutStream(InStream):
    """End a stream early, without [DONE]: after a number of events or bytes."""

    after_chunks: int | None = Field(default=None, ge=0, le=10_000)
    after_bytes: int | None = Field(default=None, ge=0, le=100_000_000)
    abrupt: bool = Field(default=True, description="close the connection (the client sees an error) or end the body")

    @model_validator(mode="after")
    def _one_bound(self) -> CutStream:
        if (self.after_chunks is None) == (self.after_bytes is None):
            raise ValueError("give after_chunks or after_bytes")
        return self

    async def frames(self, source: AsyncIterator[bytes], abort: Callable[[], None]) -> AsyncIterator[bytes]:
        count = sent = 0
        async for frame in source:
            if self.after_chunks is not None and count >= self.after_chunks:
                break
            if self.after_bytes is not None and sent + len(frame) > self.after_bytes:
                yield frame[: self.after_bytes - sent]
                break
            yield frame
            count += 1
            sent += len(frame)
        if self.abrupt:
            abort()


@action("stream_error")
class StreamError(InStream):
    """Send an ``error`` event in the middle of a stream, then end it."""

    after_chunks: int = Field(default=2, ge=0, le=10_000)
    code: str = "InternalServerError"
    message: str = "The server had an error while processing your request. Sorry about that!"
    type: str = "server_error"

    async def frames(self, source: AsyncIterator[bytes], abort: Callable[[], None]) -> AsyncIterator[bytes]:
        count = 0
        async for frame in source:
            # A stream shorter than after_chunks still gets its error, before [DONE].
            if count == self.after_chunks or frame == DONE_FRAME:
                break
            yield frame
            count += 1
        error = {"error": {"code": self.code, "message": self.message, "param": None, "type": self.type}}
        yield b"data: " + json.dumps(error).encode() + b"\n\n"


@action("stall")
class Stall(InStream):
    """Pause a stream for a while after a number of events."""

    after_chunks: int = Field(default=2, ge=0, le=10_000)
    stall_ms: int = Field(ge=0, le=MAX_WAIT_MS)

    async def frames(self, source: AsyncIterator[bytes], abort: Callable[[], None]) -> AsyncIterator[bytes]:
        count = 0
        async for frame in source:
            if count == self.after_chunks:
                await anyio.sleep(self.stall_ms / 1000)
            yield frame
            count += 1


ActionKind = Annotated[str, Field(description="one of " + ", ".join(sorted(ACTIONS)))]
