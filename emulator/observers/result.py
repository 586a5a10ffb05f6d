"""The one record of a request, made when it is over: what came in, what went out and when,
how it ended, and what was done to it. The journal, the metrics, the access log and the
retry watch each read this value; none of them works anything out for itself."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from .billing import Billed

# How a request ended:
#   completed            every byte of the answer was sent
#   cut                  a fault ended the stream early (cut_stream)
#   error_event          a fault put an error event in the stream and ended it (stream_error)
#   malformed            a fault sent a broken body or event (malformed)
#   dropped              a fault closed the connection before any answer (reset, hang)
#   client_disconnected  the client went away before the last byte
#   server_stopped       the emulator was stopped (SIGTERM, SIGINT) before the last byte: a
#                        stream gets an error event to say so
#   failed               the emulator broke down while sending (a bug; logged)
Outcome = Literal[
    "completed", "cut", "error_event", "malformed", "dropped", "client_disconnected", "server_stopped", "failed"
]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]


class Result(NamedTuple):
    # A tuple of plain values: quick to make on the hot path, and once the collector has seen
    # it, no longer tracked by it (the journal holds a thousand).
    id: str  # the x-request-id
    received_at: float  # wall-clock seconds
    client: str  # the client's address
    method: str
    path: str
    operation: str
    deployment: str | None
    api_version: str | None
    request_headers: bytes  # packed (journal.pack); masked when read
    request_body: bytes  # the first part of it, as much as the journal keeps
    status: int  # as sent; 499 when no status line went out
    response_headers: tuple[tuple[bytes, bytes], ...]  # as sent
    outcome: Outcome
    streamed: bool  # server-sent events
    first_byte_s: float | None  # the first byte of the body, seconds from arrival
    last_byte_s: float  # the last byte (or the drop), seconds from arrival
    bytes_sent: int  # of the body
    events_sent: int  # server-sent events, whole or cut short
    fault_rule: str | None
    faults: tuple[str, ...]  # the actions applied
    tokens_charged: int | None  # None: the quota did not admit it (refused, or not that far)
    quota_refused: bool  # the quota's own 429 (not a scenario's)
    retry_count: int | None  # the client's x-stainless-retry-count
    early_retry: bool  # a retry sooner than the retry-after this client was given
    model: str | None  # the deployment's model (its price)
    test_id: str | None  # the x-test-id header (the pytest plugin sends one per test)
    response_body: tuple[bytes, ...]  # the start of what was sent, message by message (events: ``events``)
    event_times: tuple[float, ...]  # each server-sent event, seconds from arrival (the first ones)
    billed: Billed | None  # what Azure would bill it for
    # A realtime session's own record: its close code, its events each way by type, its
    # tokens and the first client events (None for every other request).
    realtime: dict[str, Any] | None = None

    def events(self) -> list[bytes]:
        """A stream's kept events one by one (a realtime session's messages as they are). A
        paced burst goes out as one message; its events' data are one line each, so a blank
        line ends each, and a piece cut short at the end is an event too."""
        found: list[bytes] = []
        for piece in self.response_body:
            ends = piece.count(b"\n\n")
            if ends == 0 or (ends == 1 and piece.endswith(b"\n\n")):  # one event, whole or cut
                found.append(piece)
                continue
            *whole, tail = piece.split(b"\n\n")
            found.extend(event + b"\n\n" for event in whole)
            if tail:
                found.append(tail)
        return found
