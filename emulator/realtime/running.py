"""A realtime response in progress: what the session knows of it (its task, whether it was
cancelled or cut by the content filter), and the pauses its pacing takes, which a cancel
ends at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..stopping import wake


@dataclass
class Running:
    """A response in progress."""

    id: str
    task: asyncio.Task[None] | None = None
    cancelled: str | None = None  # why: client_cancelled or turn_detected
    in_conversation: bool = True
    filtered: bool = False  # the content filter cut the answer
    _pausing: asyncio.Future[None] | None = None

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the response is cancelled meanwhile. A bare future and
        a timer rather than ``wait_for``: under 200 sessions a turn of the event loop takes
        milliseconds, and ``wait_for``'s timeout needs three turns to come back."""
        if self.cancelled:
            return
        loop = asyncio.get_running_loop()
        self._pausing = pausing = loop.create_future()
        timer = loop.call_later(seconds, wake, pausing)
        try:
            await pausing
        finally:
            timer.cancel()
            self._pausing = None

    def cancel(self, reason: str) -> None:
        self.cancelled = reason
        if self._pausing is not None:
            wake(self._pausing)
