"""The stream faults on their own, with no server: frames in, frames out, and what each tells
the wire (as Toxiproxy tests a toxic's Pipe over channels)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import anyio
import pytest

from emulator.faults.stream_actions import DONE_FRAME, CutStream, Malformed, Stall, StreamError
from support import assert_close

pytestmark = pytest.mark.anyio

EVENTS = [b'data: {"n":%d}\n\n' % i for i in range(5)] + [DONE_FRAME]


class Wire:
    """What a fault asked of the connection."""

    def __init__(self) -> None:
        self.endings: list[str] = []
        self.dropped = False

    def ended(self, how: str) -> None:
        self.endings.append(how)

    def drop(self) -> None:
        self.dropped = True

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


async def source(frames: list[bytes] = EVENTS) -> AsyncIterator[bytes]:
    for frame in frames:
        yield frame


async def collect(frames: AsyncIterator[bytes]) -> list[bytes]:
    return [frame async for frame in frames]


async def test_cut_stream_stops_after_n_events_without_done_and_drops_the_connection() -> None:
    wire = Wire()
    out = await collect(CutStream(after_chunks=2).frames(source(), wire))
    assert out == EVENTS[:2]
    assert (wire.endings, wire.dropped) == (["cut"], True)


async def test_cut_stream_that_is_not_abrupt_ends_the_body_and_keeps_the_connection() -> None:
    wire = Wire()
    out = await collect(CutStream(after_chunks=3, abrupt=False).frames(source(), wire))
    assert out == EVENTS[:3]
    assert (wire.endings, wire.dropped) == (["cut"], False)


async def test_cut_stream_by_bytes_stops_inside_an_event() -> None:
    wire = Wire()
    limit = len(EVENTS[0]) + 4
    out = await collect(CutStream(after_bytes=limit).frames(source(), wire))
    assert b"".join(out) == b"".join(EVENTS)[:limit]
    assert out[-1] == EVENTS[1][:4]
    assert wire.endings == ["cut"]


async def test_cut_stream_leaves_a_shorter_stream_as_it_is() -> None:
    wire = Wire()
    out = await collect(CutStream(after_chunks=50).frames(source(), wire))
    assert out == EVENTS
    assert (wire.endings, wire.dropped) == ([], False)


async def test_stream_error_sends_its_error_event_after_n_events_then_ends() -> None:
    wire = Wire()
    out = await collect(StreamError(after_chunks=2, code="Oops", message="broke").frames(source(), wire))
    assert out[:2] == EVENTS[:2] and len(out) == 3
    error = json.loads(out[2].removeprefix(b"data: "))
    assert error == {"error": {"code": "Oops", "message": "broke", "param": None, "type": "server_error"}}
    assert wire.endings == ["error_event"]


async def test_stream_error_on_a_short_stream_comes_before_done() -> None:
    wire = Wire()
    out = await collect(StreamError(after_chunks=40).frames(source(), wire))
    assert out[:-1] == EVENTS[:-1] and b'"error"' in out[-1] and DONE_FRAME not in out


async def test_malformed_breaks_the_event_after_n_and_ends() -> None:
    wire = Wire()
    out = await collect(Malformed(after_chunks=1).frames(source(), wire))
    assert out[0] == EVENTS[0] and len(out) == 2
    with pytest.raises(ValueError):
        json.loads(out[1].removeprefix(b"data: "))
    assert wire.endings == ["malformed"]


async def test_malformed_cuts_a_json_body_in_half() -> None:
    body = json.dumps({"choices": [{"message": {"content": "hello"}}]}).encode()
    assert Malformed().body(body) == body[: len(body) // 2]


async def test_stall_pauses_after_n_events_and_lets_every_event_through() -> None:
    wire = Wire()
    arrivals = []
    started = time.monotonic()
    async for frame in Stall(after_chunks=2, stall_ms=150).frames(source(), wire):
        arrivals.append((frame, time.monotonic() - started))
    assert [frame for frame, _ in arrivals] == EVENTS
    assert arrivals[1][1] < 0.05
    assert_close(arrivals[2][1], 0.150, 0.05)
    assert wire.endings == []


async def test_faults_chain_each_on_what_the_one_before_lets_through() -> None:
    wire = Wire()
    stalled = Stall(after_chunks=1, stall_ms=50).frames(source(), wire)
    out = await collect(CutStream(after_chunks=3, abrupt=False).frames(stalled, wire))
    assert out == EVENTS[:3]
    assert wire.endings == ["cut"]
