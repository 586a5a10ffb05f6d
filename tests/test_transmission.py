"""What the Transmission makes of the ASGI messages it passes on (emulator/transmission.py);
through a real server, tests/observers/test_outcomes.py."""

from __future__ import annotations

import pytest
from starlette.types import Message

from emulator.transmission import Transmission

pytestmark = pytest.mark.anyio


def wire(method: str = "POST") -> tuple[Transmission, list[Message], list[str]]:
    sent: list[Message] = []
    recorded: list[str] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "headers": []}
    transmission = Transmission(send, scope, 0.0, lambda: recorded.append("over"))
    return transmission, sent, recorded


async def test_a_whole_body_is_counted_and_recorded_once_at_its_last_byte() -> None:
    transmission, sent, recorded = wire()
    await transmission.send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
    await transmission.send({"type": "http.response.body", "body": b"hello"})
    transmission.over()  # what serve does at the end anyway
    assert len(sent) == 2 and recorded == ["over"]
    assert (transmission.status, transmission.headers, transmission.bytes_sent) == (201, ((b"x-a", b"1"),), 5)
    assert transmission.outcome() == "completed"


async def test_a_stream_counts_its_events_and_is_not_over_until_its_last_message() -> None:
    transmission, _, recorded = wire()
    transmission.streamed = True
    await transmission.send({"type": "http.response.start", "status": 200, "headers": []})
    for frame in (b"data: 1\n\n", b"data: 2\n\n"):
        await transmission.send({"type": "http.response.body", "body": frame, "more_body": True})
    assert recorded == [] and transmission.events_sent == 2
    await transmission.send({"type": "http.response.body", "body": b"", "more_body": False})
    assert recorded == ["over"] and transmission.outcome() == "completed"


async def test_an_answer_that_never_ends_is_the_client_going_away() -> None:
    transmission, _, _ = wire()
    await transmission.send({"type": "http.response.start", "status": 200, "headers": []})
    await transmission.send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
    assert transmission.outcome() == "client_disconnected"


async def test_an_ending_a_fault_chose_stands_only_once_the_client_got_it() -> None:
    transmission, _, _ = wire()
    transmission.ended("error_event")
    assert transmission.outcome() == "client_disconnected"  # nothing reached the client
    await transmission.send({"type": "http.response.start", "status": 200, "headers": []})
    await transmission.send({"type": "http.response.body", "body": b"data: {}\n\n"})
    assert transmission.outcome() == "error_event"
    cut, _, _ = wire()
    cut.ended("cut")  # a cut is done to the connection: it stands whatever the client saw
    assert cut.outcome() == "cut"


async def test_a_head_request_sends_no_body_bytes() -> None:
    transmission, _, _ = wire("HEAD")
    await transmission.send({"type": "http.response.start", "status": 404, "headers": []})
    await transmission.send({"type": "http.response.body", "body": b'{"error":{}}'})
    assert (transmission.bytes_sent, transmission.first_byte_at) == (0, None)
