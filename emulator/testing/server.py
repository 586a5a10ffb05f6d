"""An emulator inside the current process, on a free loopback port: for test suites (the
pytest plugin, the project's own tests), where a thread starts faster than a process and
cannot outlive the session."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import serving
from ..app import build_app
from ..settings import Settings
from ..tls import TlsFiles


@dataclass(frozen=True)
class Embedded:
    endpoint: str
    app: Any  # the ASGI app, for the few callers that look inside


@contextlib.contextmanager
def serve_in_thread(
    settings: Settings, host: str = "127.0.0.1", start_timeout_s: float = 30, tls: TlsFiles | None = None
) -> Iterator[Embedded]:
    """Serve ``settings`` in a daemon thread (over HTTPS with ``tls``); yield once it has
    loaded, stop on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    app = build_app(settings)
    config = serving.configure(
        app,
        settings.grace_period_s,
        log_level="warning",
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
    )
    server = serving.GracefulServer(config, settings.grace_period_s)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="aoai-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        # Wait for the tokenizers, so the first request (or a timing test) does not.
        warmed = app.state.warmed
        if not warmed.wait(max(0.0, deadline - time.monotonic())):
            raise RuntimeError("the emulator did not finish loading")
        yield Embedded(f"{'https' if tls else 'http'}://{host}:{port}", app)
    finally:
        # The same stop as a signal's (emulator/serving.py), then whatever is left is let go
        # of even if the server thread did not finish in time.
        server.should_exit = True
        thread.join(timeout=settings.grace_period_s + 10)
        serving.close(app)
        sock.close()
