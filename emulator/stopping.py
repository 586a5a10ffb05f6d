"""The emulator's own stop. Every wait it makes for effect (fault delays and hangs, pacing,
stalls) goes through ``Stopping``, so when the server is told to stop (SIGTERM, SIGINT, the
end of a test session) they all end at once: plain answers go out within the grace period,
and open streams end deliberately (delivery sends their last event, and the journal records
``server_stopped``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import anyio


def wake(future: asyncio.Future[None]) -> None:
    """End a ``Stopping.sleep`` early."""
    if not future.done():
        future.set_result(None)


class Stopping:
    def __init__(self) -> None:
        self.stopped = False
        self._sleepers: set[asyncio.Future[None]] = set()
        self._scopes: set[anyio.CancelScope] = set()

    async def sleep(self, seconds: float, future: asyncio.Future[None] | None = None) -> None:
        """Sleep, unless the emulator stops first (or someone else holding ``future`` wakes
        it: ``wake``). As cheap as ``asyncio.sleep`` (a future and a timer), since paced
        streams sleep once per event."""
        if self.stopped:
            return
        loop = asyncio.get_running_loop()
        if future is None:
            future = loop.create_future()
        timer = loop.call_later(max(seconds, 0.0), wake, future)
        self._sleepers.add(future)
        try:
            await future
        finally:
            timer.cancel()
            self._sleepers.discard(future)

    @contextlib.contextmanager
    def at_most(self, seconds: float) -> Iterator[anyio.CancelScope]:
        """A scope whose work ends after ``seconds``, or when the emulator stops."""
        with anyio.move_on_after(0 if self.stopped else seconds) as scope:
            self._scopes.add(scope)
            try:
                yield scope
            finally:
                self._scopes.discard(scope)

    def stop(self) -> None:
        """End every wait now, and every one asked for from now on."""
        self.stopped = True
        for future in list(self._sleepers):
            wake(future)
        for scope in list(self._scopes):
            scope.cancel()
