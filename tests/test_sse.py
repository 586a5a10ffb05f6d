"""The event-stream sender (emulator/sse.py) on its own: what it sends, and how a client that
hangs up ends the stream and the wait it is in. Through a real server and the openai
client: tests/observers/test_outcomes.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from starlette.types import Message

from emulator.sse import EventStream
from emulator.transmission import Transmission

pytestmark = pytest.mark.anyio


class Connection:
    """The server's side of one request: what was sent, and a hang-up on demand."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.hung_up = asyncio.Event()

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    async def receive(self) -> Message:
        await self.hung_up.wait()
        return {"type": "http.disconnect"}

    def bodies(self) -> list[bytes]:
        return [m["body"] for m in self.sent if m["type"] == "http.response.body"]


async def two_frames() -> AsyncIterator[bytes]:
    yield b"data: 1\n\n"
    yield b"data: [DONE]\n\n"


def wire_for(connection: Connection) -> Transmission:
    scope = {"type": "http", "method": "POST", "headers": []}
    transmission = Transmission(connection.send, scope, time.monotonic(), lambda: None)
    transmission.streamed = True
    return transmission


async def test_each_frame_goes_out_alone_after_the_given_and_the_streams_own_headers() -> None:
    connection = Connection()
    wire = wire_for(connection)

    await EventStream(two_frames(), {"x-request-id": "r1", "Cache-Control": "no-cache"}, wire)(
        {}, connection.receive, wire.send
    )
    start = connection.sent[0]
    assert (start["type"], start["status"]) == ("http.response.start", 200)
    assert start["headers"] == [
        (b"x-request-id", b"r1"),
        (b"cache-control", b"no-store"),
        (b"connection", b"keep-alive"),
        (b"x-accel-buffering", b"no"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
    ]
    # The body ends with [DONE], in its message: no empty one after it.
    assert connection.bodies() == [b"data: 1\n\n", b"data: [DONE]\n\n"]
    assert connection.sent[-1]["more_body"] is False
    assert (wire.events_sent, wire.outcome()) == (2, "completed")


async def test_a_hang_up_ends_the_wait_the_stream_is_in_and_nothing_more_is_sent() -> None:
    connection = Connection()
    wire = wire_for(connection)
    closed = asyncio.Event()

    async def frames() -> AsyncIterator[bytes]:
        try:
            yield b"data: 1\n\n"
            await wire.sleep(60)  # a stall: the hang-up must end it, not the clock
            yield b"data: 2\n\n"
        finally:
            closed.set()

    async def hang_up_after_the_first_frame() -> None:
        while not connection.bodies():
            await asyncio.sleep(0)
        connection.hung_up.set()

    began = time.monotonic()
    hang_up = asyncio.ensure_future(hang_up_after_the_first_frame())
    await asyncio.wait_for(EventStream(frames(), {}, wire)({}, connection.receive, wire.send), timeout=5)
    await hang_up
    assert time.monotonic() - began < 5
    assert closed.is_set()  # the frames were closed, so their own clean-up ran
    assert connection.bodies() == [b"data: 1\n\n"]
    assert (wire.client_left, wire.outcome()) == (True, "client_disconnected")


async def test_a_wait_begun_after_the_hang_up_returns_at_once() -> None:
    wire = wire_for(Connection())
    wire.client_gone()
    began = time.monotonic()
    await wire.sleep(60)
    assert time.monotonic() - began < 1


class UvicornLike(Connection):
    """As uvicorn's cycle: once the response is complete, every receive answers at once with
    a disconnect; and this server's send lets other tasks run after it completes."""

    def __init__(self) -> None:
        super().__init__()
        self.complete = False

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self.complete = True
            await asyncio.sleep(0)  # the watcher, were it still there, would run now

    async def receive(self) -> Message:
        while not (self.complete or self.hung_up.is_set()):
            await asyncio.sleep(0)
        return {"type": "http.disconnect"}


async def test_a_stream_sent_to_its_end_is_completed_not_a_hang_up() -> None:
    connection = UvicornLike()
    wire = wire_for(connection)

    await EventStream(two_frames(), {}, wire)({}, connection.receive, wire.send)
    assert connection.bodies() == [b"data: 1\n\n", b"data: [DONE]\n\n"]
    assert (wire.client_left, wire.outcome()) == (False, "completed")


async def test_a_stream_without_done_ends_with_an_empty_last_message() -> None:
    """The Responses API's streams end with their last named event, not [DONE]: the body's
    end goes in a message of its own."""
    connection = UvicornLike()
    wire = wire_for(connection)

    async def named() -> AsyncIterator[bytes]:
        yield b"event: response.created\ndata: {}\n\n"
        yield b"event: response.completed\ndata: {}\n\n"

    await EventStream(named(), {}, wire)({}, connection.receive, wire.send)
    assert connection.bodies()[-1] == b"" and len(connection.bodies()) == 3
    assert connection.sent[-1]["more_body"] is False
    assert (wire.events_sent, wire.outcome()) == (2, "completed")


async def test_frames_that_fail_end_the_stream_without_its_last_message() -> None:
    connection = Connection()
    wire = wire_for(connection)

    async def frames() -> AsyncIterator[bytes]:
        yield b"data: 1\n\n"
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):  # the pipeline logs it and journals the stream failed
        await EventStream(frames(), {}, wire)({}, connection.receive, wire.send)
    assert connection.bodies() == [b"data: 1\n\n"]
    await asyncio.sleep(0)
    assert [t for t in asyncio.all_tasks() if "_watch" in repr(t)] == []  # no watcher left behind
