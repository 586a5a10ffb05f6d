"""Sending server-sent events: each frame as it comes, as one ASGI body message.

The cost of a stream is per event, and a paced stream sends tens of them a second, so this
sender does no more per event than hand the frame to the server. That means no cancel scope,
no lock, and no task: it is what lets one process keep a thousand streams on their clock.
One watcher per stream reads the connection. When the client hangs up it tells the
``Transmission``, which ends any wait the stream is in; the stream then stops before its
next frame.

Azure sends no keep-alive comments on these streams, so there are none here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from .transmission import Transmission

log = logging.getLogger("emulator")

# What every event stream says of itself, after the Azure headers: the names and values
# sse-starlette sent, kept so no client sees a change. They replace a header of the same name
# given with the answer (the emulator gives none).
_STREAM_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
)
_END = {"type": "http.response.body", "body": b"", "more_body": False}
_DONE = b"data: [DONE]\n\n"  # after it, nothing: the stream may end in the same message


class EventStream:
    __slots__ = ("_frames", "_headers", "_wire")

    def __init__(self, frames: AsyncIterator[bytes], headers: Mapping[str, str], wire: Transmission) -> None:
        self._frames = frames
        own = {name for name, _ in _STREAM_HEADERS}
        given = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self._headers = [h for h in given if h[0] not in own] + list(_STREAM_HEADERS)
        self._wire = wire

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wire = self._wire
        await send({"type": "http.response.start", "status": 200, "headers": self._headers})
        watcher = asyncio.ensure_future(_watch(receive, wire))
        watcher.add_done_callback(_log_failure)
        try:
            async with contextlib.aclosing(self._frames):  # type: ignore[type-var]
                async for frame in self._frames:
                    if wire.client_left:
                        return
                    if frame.endswith(_DONE):
                        # A chat stream's last event: the body ends with it, in the same write.
                        watcher.cancel()
                        await send({"type": "http.response.body", "body": frame, "more_body": False})
                        return
                    await send({"type": "http.response.body", "body": frame, "more_body": True})
            # Before the last message: once the response is complete, the server answers
            # every receive with a disconnect, which is no hang-up. (One at the very end is
            # still seen: the Transmission asks the server before it sends.)
            watcher.cancel()
            if not wire.client_left:
                await send(_END)
        finally:
            watcher.cancel()


async def _watch(receive: Receive, wire: Transmission) -> None:
    # The request's body has been read, so the next message is the hang-up.
    while (await receive())["type"] != "http.disconnect":
        pass
    wire.client_gone()


def _log_failure(watcher: asyncio.Future[None]) -> None:
    # A watcher that fails leaves the stream deaf to a hang-up: say so rather than nothing.
    if not watcher.cancelled() and watcher.exception() is not None:
        log.error("the watch for a client's hang-up failed", exc_info=watcher.exception())
