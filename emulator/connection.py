"""The client's connection as the server holds it: whether the client is still there, and
closing it on purpose for the ``reset``, ``hang`` and ``cut_stream`` faults.

ASGI has no way to drop a connection, so the outermost layer of the app (AzureRouter) keeps
the server's own ``send`` in the scope under ``RAW_SEND``; for uvicorn that is a method of the connection's request cycle,
which holds the transport. Aborting it with SO_LINGER at zero makes the kernel send a TCP
reset, which clients report as a connection error. Under another server the abort is not
available, and the fault becomes a 502 with Azure's body (``abort`` returns False).
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from starlette.types import Scope

RAW_SEND = "emulator.raw_send"


def cycle(scope: Scope) -> Any:
    """The server's own object for this request and response (uvicorn's ``RequestResponseCycle``,
    which says whether the client has gone: ``disconnected``), or None under another server."""
    return getattr(scope.get(RAW_SEND), "__self__", None)


def can_abort(scope: Scope) -> bool:
    return getattr(cycle(scope), "transport", None) is not None


def abort(scope: Scope) -> bool:
    """Reset the connection of the request ``scope`` belongs to; False if this server does
    not let us."""
    transport = getattr(cycle(scope), "transport", None)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # a plain close still ends the response early
    transport.abort()
    return True
