"""Closing a client's connection on purpose: the ``reset``, ``hang`` and ``cut_stream`` faults.

ASGI has no way to drop a connection, so the outermost layer of the app (AzureRouter) keeps
the server's own ``send`` in the scope under ``RAW_SEND``; for uvicorn that is a method of the connection's request cycle,
which holds the transport. Aborting it with SO_LINGER at zero makes the kernel send a TCP
reset, which clients report as a connection error. Under another server the abort is not
available, and the fault becomes a 502 with Azure's body (``abort`` returns False).
"""

from __future__ import annotations

import socket
import struct

from starlette.types import Scope

RAW_SEND = "emulator.raw_send"


def abort(scope: Scope) -> bool:
    """Reset the connection of the request ``scope`` belongs to; False if this server does
    not let us."""
    cycle = getattr(scope.get(RAW_SEND), "__self__", None)
    transport = getattr(cycle, "transport", None)
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
