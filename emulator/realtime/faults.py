"""A scenario's faults inside an open realtime session (emulator/faults/session_actions.py):
an error event, a stall or a closed socket after so many server events, or a socket closed
after so long. The session calls ``after_event`` after each event it sends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Send

from ..faults.session_actions import CloseSocket, SessionError, SessionStall
from .responder import SocketClosed
from .session import Session


class SessionFaults:
    """A scenario's faults inside an open session: an error event, a stall or a closed socket
    after so many server events, or a socket closed after so long."""

    def __init__(self, actions: list[Any], send: Send, sleep: Callable[[float], Awaitable[None]]) -> None:
        self._send = send
        self._sleep = sleep
        self._errors = [a for a in actions if isinstance(a, SessionError)]
        self._stalls = [a for a in actions if isinstance(a, SessionStall)]
        self._closes = [a for a in actions if isinstance(a, CloseSocket)]
        self.closed: int | None = None  # the close code, once closed
        self._sent = 0
        self._timers: list[asyncio.TimerHandle] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, session: Session) -> None:
        loop = asyncio.get_running_loop()
        for close in self._closes:
            if close.after_ms is not None:
                self._timers.append(loop.call_later(close.after_ms / 1000, self._close_soon, close))
        await self._due(session)

    def _close_soon(self, close: CloseSocket) -> None:
        task = asyncio.get_running_loop().create_task(self.close(close))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def after_event(self, session: Session) -> None:
        self._sent += 1
        await self._due(session)

    async def _due(self, session: Session) -> None:
        for error in self._errors:
            if error.after_events == self._sent:
                await session.emit(
                    "error",
                    error={
                        "type": error.type,
                        "code": error.code,
                        "message": error.message,
                        "param": None,
                        "event_id": None,
                    },
                )
        for stall in self._stalls:
            if stall.after_events == self._sent:
                # Holding the send lock keeps every task of the session (a response, an
                # out-of-band one, the idle timer) from sending meanwhile. What the client
                # sends waits in the socket's queue, to be handled once a handler can send.
                async with session.lock:
                    await self._sleep(stall.stall_ms / 1000)
        for close in self._closes:
            if close.after_events is not None and close.after_events <= self._sent:
                await self.close(close)
                raise SocketClosed()

    async def close(self, close: CloseSocket) -> None:
        if self.closed is None:
            self.closed = close.code
            await self._send({"type": "websocket.close", "code": close.code, "reason": close.reason})

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
