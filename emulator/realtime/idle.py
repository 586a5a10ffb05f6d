"""Server VAD's ``idle_timeout_ms``: a user who stays silent that long after the model's
answer has finished playing gets ``input_audio_buffer.timeout_triggered``, the silent audio
committed as their turn, and a new response (the model prompting them to go on)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import events
from .responder import SocketClosed

if TYPE_CHECKING:
    from .session import Session


class IdleTimeout:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._timer: asyncio.TimerHandle | None = None

    def arm(self, played_s: float) -> None:
        """A response is done, its audio ``played_s`` long: the countdown starts once it has played."""
        self.disarm()
        session = self._session
        detection = session.config["audio"]["input"]["turn_detection"]
        timeout_ms = (detection or {}).get("idle_timeout_ms")
        if detection is None or detection["type"] != "server_vad" or not timeout_ms:
            return
        since_ms = session.listener.position_ms
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(played_s + timeout_ms / 1000, self._fire, since_ms)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self, since_ms: int) -> None:
        self._timer = None
        self._session.in_background(self._time_out(since_ms))

    async def _time_out(self, since_ms: int) -> None:
        session = self._session
        detection = session.config["audio"]["input"]["turn_detection"]
        detector = session.listener.detector
        if session.response is not None or detection is None or (detector is not None and detector.in_speech):
            return
        end_ms = session.listener.position_ms
        # The silence the timeout measured: from the end of the answer's playback, at most the timeout.
        start_ms = max(since_ms, end_ms - int(detection["idle_timeout_ms"]))
        samples, item_id = session.listener.take()
        try:
            await session.emit(
                "input_audio_buffer.timeout_triggered", audio_start_ms=start_ms, audio_end_ms=end_ms, item_id=item_id
            )
            await session.commit_audio(samples, item_id)
            if detection.get("create_response", True) and session.response is None:
                await session.respond(events.ResponseParams())
        except SocketClosed:
            pass  # a fault closed the socket meanwhile
