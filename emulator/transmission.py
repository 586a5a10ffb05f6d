"""What goes out on the connection for one request: the status and headers sent, when the
first and the last byte left, how many bytes and events, and how the answer ended.

``Transmission.send`` stands between the response and the server's ``send``, so it sees
exactly what the client was sent. Stream faults tell it when they end a stream early
(``ended``) or drop the connection (``drop``); anything else that stops the answer before
its last byte is the client going away.

``on_over`` runs once, as soon as the answer is over: right after its last byte is handed to
the server, or the connection is dropped, before anything else can run on the event loop,
so a client that asks the journal next finds its request there.

What is sent after the client has gone is never delivered (uvicorn drops it, and its
request-response cycle says ``disconnected``): it is not counted either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import anyio
from starlette.types import Message, Receive, Scope, Send

from . import connection
from .observers.journal import KEPT_BODY_BYTES, KEPT_EVENT_TIMES
from .observers.result import Outcome
from .stopping import Stopping, wake


class ClientGone(Exception):
    """The client left while its answer was being made: nothing (more) is sent."""


# How an answer ended early that stands whether or not the client stayed to see it: what the
# emulator itself did to the connection.
_DONE_TO_THE_CONNECTION = ("cut", "dropped", "server_stopped", "failed")


class Transmission:
    __slots__ = (
        "_send",
        "_scope",
        "_cycle",
        "_counts_body",
        "_started",
        "status",
        "headers",
        "streamed",
        "first_byte_at",
        "last_byte_at",
        "bytes_sent",
        "events_sent",
        "finished",
        "ending",
        "client_left",
        "stopping",
        "_on_over",
        "_asleep",
        "_kept",
        "_kept_bytes",
        "_times_left",
        "event_times",
    )

    def __init__(
        self,
        send: Send,
        scope: Scope,
        started: float,
        on_over: Callable[[], None],
        stopping: Stopping | None = None,
        keep: bool = True,
    ) -> None:
        self._send = send
        self._scope = scope
        self._cycle = connection.cycle(scope)
        self._counts_body = scope["method"] != "HEAD"  # the server sends no body for HEAD
        self._started = started  # when the request arrived (time.monotonic)
        self._on_over: Callable[[], None] | None = on_over
        self.status: int | None = None
        self.headers: tuple[tuple[bytes, bytes], ...] = ()
        self.streamed = False  # server-sent events (delivery says so)
        self.first_byte_at: float | None = None
        self.last_byte_at: float | None = None
        self.bytes_sent = 0
        self.events_sent = 0
        self.finished = False  # the last body message was delivered
        self.ending: Outcome | None = None  # set by a fault that ends the answer early
        self.client_left = False  # seen by a wait that watches the connection
        self.stopping = stopping or Stopping()
        self._asleep: asyncio.Future[None] | None = None  # the wait ``client_gone`` ends
        # The start of the body, for the journal: references to what was sent, cut at its size.
        self._kept: list[bytes] = []
        self._kept_bytes = 0 if keep else KEPT_BODY_BYTES  # full from the start: keep nothing
        self.event_times: list[float] = []  # each event, seconds from arrival (the first ones)
        self._times_left = KEPT_EVENT_TIMES if keep else 0

    async def send(self, message: Message) -> None:
        if getattr(self._cycle, "disconnected", False):
            self.client_left = True
            return
        if message["type"] == "http.response.body":
            body = message.get("body") if self._counts_body else None
            if body:
                now = time.monotonic()
                if self.first_byte_at is None:
                    self.first_byte_at = now
                self.bytes_sent += len(body)
                if self.streamed:
                    self._count_events(body, now)
                if self._kept_bytes < KEPT_BODY_BYTES:
                    self._keep(body)
            await self._send(message)
            if not message.get("more_body"):
                self.last_byte_at = time.monotonic()
                # uvicorn drops what is sent after the client left, and says so on the cycle.
                self.finished = not getattr(self._cycle, "disconnected", False)
                self.over()
            return
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = tuple(message.get("headers", ()))
        await self._send(message)

    def _keep(self, piece: bytes) -> None:
        piece = piece[: KEPT_BODY_BYTES - self._kept_bytes]
        self._kept.append(piece)
        self._kept_bytes += len(piece)

    def _count_events(self, body: bytes, now: float) -> None:
        """A stream's message is one event (a fault's cut piece counts as one), or a paced
        burst of them sent together: each counts, with its time."""
        # Each event ends in a blank line; a piece cut short is an event too.
        events = body.count(b"\n\n") + (not body.endswith(b"\n\n"))
        self.events_sent += events
        if self._times_left:
            kept = min(events, self._times_left)
            self._times_left -= kept
            self.event_times.extend([now - self._started] * kept)

    # -- what stream faults may do (faults/actions.py: Wire) -------------------------------

    def ended(self, how: Outcome) -> None:
        """A fault ends the answer early: ``cut``, ``error_event`` or ``malformed``."""
        self.ending = how

    async def sleep(self, seconds: float) -> None:
        """Wait (pacing, a stall), unless the emulator stops or the client hangs up first."""
        if self.client_left:
            return
        self._asleep = asyncio.get_running_loop().create_future()
        try:
            await self.stopping.sleep(seconds, self._asleep)
        finally:
            self._asleep = None

    def client_gone(self) -> None:
        """The server said the client hung up: what this request waits on ends now, and
        nothing more is sent."""
        self.client_left = True
        if self._asleep is not None:
            wake(self._asleep)

    async def wait_for_client(self, receive: Receive, seconds: float) -> None:
        """Wait before answering (a fault's delay, pacing), but stop as soon as the client
        hangs up (its body is read, so the next message is the disconnect) or the emulator
        stops."""
        with self.stopping.at_most(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
            self.client_left = True

    def drop(self) -> None:
        """Close the connection now, with a TCP reset where the server allows it."""
        connection.abort(self._scope)
        self.last_byte_at = time.monotonic()
        self.over()

    # -- once it is over -----------------------------------------------------------------

    def over(self) -> None:
        """The answer is over (or given up on): run ``on_over``, once."""
        done, self._on_over = self._on_over, None
        if done is not None:
            done()

    def outcome(self) -> Outcome:
        if self.ending in _DONE_TO_THE_CONNECTION:
            return self.ending
        if not self.finished and self.stopping.stopped and not self.client_left:
            return "server_stopped"  # given up on at the end of the grace period
        if self.client_left or not self.finished:
            return "client_disconnected"
        # An error event or a broken body the client did receive, or the whole answer.
        return self.ending or "completed"

    def kept_body(self) -> tuple[bytes, ...]:
        """The start of the body sent, up to what the journal keeps, one piece per message
        (a stream's message may hold several events: ``Result.events`` splits them)."""
        return tuple(self._kept)

    def since_arrival(self, moment: float | None) -> float | None:
        return None if moment is None else moment - self._started


async def nothing_sent(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a client that has gone."""


async def after_the_drop(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a connection the emulator dropped: once the server has seen it close
    (one turn of the event loop), it expects no response."""
    for _ in range(10):
        if getattr(connection.cycle(scope), "disconnected", True):
            return
        await anyio.sleep(0)
