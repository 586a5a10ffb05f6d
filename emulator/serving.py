"""Serving the app until told to stop, and stopping the same way whatever asks.

SIGTERM (what Docker, Kubernetes, systemd and CI runners send) and SIGINT (Ctrl-C) take one
path, as does the end of a test session for the in-process server: stop accepting, end every
wait the emulator makes for effect (so plain answers go out and open streams end with an
error event saying the service is going away, recorded as ``server_stopped``), give what is
still in flight ``grace_period_s`` to finish, then let go of what the emulator made for
itself (its temporary upload folder, running batch jobs) and exit 0. A second signal during
the grace period ends it at once, still cleaning up.

uvicorn stops on both signals too, but then raises the signal again so the process dies of
it: a SIGTERM then skips the interpreter's exit handlers and leaves temporary folders behind,
and the exit status is not 0. ``GracefulServer`` keeps the signals to itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DEFAULT_GRACE_PERIOD_S = 5.0


def hold_signals() -> list[int]:
    """From now until a ``GracefulServer`` takes them over, stop signals are noted rather than
    obeyed at once (a SIGTERM during start-up would otherwise kill the process before it can
    clean up). Give the list to the server."""
    held: list[int] = []
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda sig, frame: held.append(sig))
    return held


class GracefulServer(uvicorn.Server):
    def __init__(
        self, config: uvicorn.Config, grace_period_s: float = DEFAULT_GRACE_PERIOD_S, held: list[int] | None = None
    ) -> None:
        super().__init__(config)
        self.grace_period_s = max(grace_period_s, 0.0)
        self.stop_signal: int | None = None
        self._held = held if held is not None else []

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Signals reach only the main thread (the in-process server is stopped by should_exit).
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        before = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        for sig in self._held:  # signalled while starting: stop as soon as it has started
            self.handle_exit(sig, None)
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.force_exit = True  # a second signal: no more waiting
        self.should_exit = True
        self.stop_signal = self.stop_signal or sig

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Before uvicorn waits for the connections: end what the emulator itself is waiting
        # on, so nothing in flight waits out the grace period for nothing.
        state = getattr(self.config.app, "state", None)  # the app as given (loaded_app may wrap it)
        stop = getattr(state, "stop_answers", None)
        if stop is not None:
            stop()
        # What is still in flight when the grace period ends loses its connection: its wait
        # for the client ends, and it finishes by itself (uvicorn would cancel it, noisily,
        # a moment later: its own timeout is the backstop).
        loop = asyncio.get_running_loop()
        deadline = loop.call_later(self.grace_period_s, self._drop_connections)
        try:
            await super().shutdown(sockets)
        finally:
            deadline.cancel()
        if self.force_exit:
            # A second signal: drop what is left now, and let go of it all.
            self._drop_connections()
            await self._settle()
            # uvicorn skips the app's own shutdown when cut short; the emulator's is quick.
            await self.lifespan.shutdown()

    def _drop_connections(self) -> None:
        for protocol in list(self.server_state.connections):
            transport = getattr(protocol, "transport", None)
            if transport is not None and not transport.is_closing():
                transport.abort()

    async def _settle(self, within_s: float = 1.0) -> None:
        """Let the requests whose connections were dropped finish."""
        until = time.monotonic() + within_s
        while self.server_state.tasks and time.monotonic() < until:
            await asyncio.sleep(0.01)


def configure(app: Any, grace_period_s: float, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for the emulator: its own access log (emulator/observers/), and
    ``grace_period_s`` for what is in flight when it stops."""
    # GracefulServer drops what is left when the grace period ends; uvicorn's own timeout,
    # a second later, is the backstop. (uvicorn types it as whole seconds, but waits with
    # asyncio.wait_for, which takes any number.)
    grace: Any = max(grace_period_s, 0.0) + 1.0
    # Realtime sockets decline permessage-deflate, which clients offer and do without: the
    # audio they carry is base64 that barely compresses, and deflating it both ways took
    # a sixth of the server's time under 200 voice sessions (bench/realtime.py).
    options.setdefault("ws_per_message_deflate", False)
    return uvicorn.Config(app, access_log=False, lifespan="on", timeout_graceful_shutdown=grace, **options)


def close(app: Any) -> None:
    """Let go of what the app made for itself; done by its lifespan's end as well, but that
    is skipped when a second signal cuts the stop short."""
    state = getattr(app, "state", None)
    done = getattr(state, "close", None)
    if done is not None:
        done()
