"""The faults that act inside a stream, each wrapping the frames the one before lets through
(Toxiproxy's toxics): ``cut_stream``, ``stream_error``, ``stall`` and ``malformed`` (which
breaks a plain JSON answer too). Each tells the wire when it ends the stream early, so the
journal can say how the stream ended."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from pydantic import Field, model_validator

from ..errors import InternalServerError
from .actions import MAX_WAIT_MS, Action, InStream, Wire, action

DONE_FRAME = b"data: [DONE]\n\n"


@action("malformed")
class Malformed(Action):
    """A JSON answer cut short, or a stream event that is not JSON."""

    after_chunks: int = Field(default=1, ge=0, le=10_000, description="streams: events before the broken one")

    def body(self, whole: bytes) -> bytes:
        return whole[: max(len(whole) // 2, 1)]

    async def frames(self, source: AsyncIterator[bytes], wire: Wire) -> AsyncIterator[bytes]:
        count = 0
        async for frame in source:
            # A stream shorter than after_chunks still gets its broken event, before [DONE].
            if count == self.after_chunks or frame == DONE_FRAME:
                wire.ended("malformed")
                yield b'data: {"choices": [{"delta": {"content": "bro\n\n'
                return
            yield frame
            count += 1


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

    async def frames(self, source: AsyncIterator[bytes], wire: Wire) -> AsyncIterator[bytes]:
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
        else:
            return  # the stream was shorter than the cut: it ends as it would have
        wire.ended("cut")
        if self.abrupt:
            wire.drop()


@action("stream_error")
class StreamError(InStream):
    """Send an ``error`` event in the middle of a stream, then end it."""

    after_chunks: int = Field(default=2, ge=0, le=10_000)
    # Azure's 500, by default (emulator/errors/).
    code: str = Field(default_factory=lambda: InternalServerError().code or "")
    message: str = Field(default_factory=lambda: InternalServerError().message)
    type: str = "server_error"

    async def frames(self, source: AsyncIterator[bytes], wire: Wire) -> AsyncIterator[bytes]:
        count = 0
        async for frame in source:
            # A stream shorter than after_chunks still gets its error, before [DONE].
            if count == self.after_chunks or frame == DONE_FRAME:
                break
            yield frame
            count += 1
        wire.ended("error_event")
        error = {"error": {"code": self.code, "message": self.message, "param": None, "type": self.type}}
        yield b"data: " + json.dumps(error).encode() + b"\n\n"


@action("stall")
class Stall(InStream):
    """Pause a stream for a while after a number of events."""

    after_chunks: int = Field(default=2, ge=0, le=10_000)
    stall_ms: int = Field(ge=0, le=MAX_WAIT_MS)

    async def frames(self, source: AsyncIterator[bytes], wire: Wire) -> AsyncIterator[bytes]:
        count = 0
        async for frame in source:
            if count == self.after_chunks:
                await wire.sleep(self.stall_ms / 1000)
            yield frame
            count += 1
