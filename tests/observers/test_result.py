"""A request's Result (emulator/observers/result.py): a stream's kept events, one by one."""

from __future__ import annotations

from emulator.observers.result import Result


def events_of(*pieces: bytes) -> list[bytes]:
    blank = dict.fromkeys(Result._fields)
    return Result(**{**blank, "response_body": pieces}).events()  # type: ignore[arg-type]


def test_a_message_holding_a_burst_is_split_into_its_events() -> None:
    assert events_of(b"data: 1\n\n", b"data: 2\n\ndata: 3\n\n") == [b"data: 1\n\n", b"data: 2\n\n", b"data: 3\n\n"]


def test_a_piece_cut_short_is_an_event_whether_alone_or_after_whole_ones() -> None:
    """What the journal keeps ends mid-event, and a cut_stream fault cuts one: still events."""
    assert events_of(b'data: {"cho') == [b'data: {"cho']
    assert events_of(b"data: 1\n\ndata: {") == [b"data: 1\n\n", b"data: {"]
    assert events_of(b"data: 1\n\ndata: 2\n\ndata: {") == [b"data: 1\n\n", b"data: 2\n\n", b"data: {"]


def test_a_realtime_sessions_messages_are_kept_as_they_are() -> None:
    messages = (b'{"type":"session.created"}', b'{"type":"response.done"}')
    assert events_of(*messages) == list(messages)
