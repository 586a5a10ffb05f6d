"""The Realtime API's route asked without a WebSocket upgrade: the session lives in
emulator/realtime/, and a plain request there gets a 400 saying how to connect."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..delivery import Reply
from ..errors import InvalidRequest
from . import resource


def _plain_get(ctx: RequestContext, body: Any) -> Reply:
    raise InvalidRequest(
        "The Realtime API is served over WebSocket: connect with an upgrade request (wss://).",
        param=None,
        code="websocket_upgrade_required",
    )


PLAIN_GET = resource(_plain_get)
