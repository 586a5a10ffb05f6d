"""The router (emulator/routing.py): what a request leaves behind once it is answered."""

from __future__ import annotations

import gc
import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from emulator.settings import Settings
from support import running_emulator


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    with running_emulator(Settings.build()) as url:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        yield parts.hostname, parts.port


def _exchange(sock: socket.socket, body: dict[str, object]) -> bytes:
    """One request on a kept-alive connection, read to the end of its (chunked or sized) answer."""
    data = json.dumps(body).encode()
    sock.sendall(
        b"POST /openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21 HTTP/1.1\r\n"
        b"Host: x\r\napi-key: k\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(data) + data
    )
    received = b""
    while True:
        received += sock.recv(65536)
        head, _, rest = received.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in head.lower():
            if rest.endswith(b"0\r\n\r\n"):
                return received
        elif b"\r\n\r\n" in received:
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(rest) >= length:
                return received


def _cycles() -> int:
    return sum(isinstance(o, RequestResponseCycle) for o in gc.get_objects())


def test_an_answered_request_leaves_no_cycle_for_the_garbage_collector(address: tuple[str, int]) -> None:
    """The server's own send, kept in the scope for the faults that drop connections, would tie
    the request's cycle to its scope: every request would wait for a collection, and those
    stall a busy server. With the collector off, the answered requests must be gone at once."""
    with socket.create_connection(address) as sock:
        _exchange(sock, {"messages": [{"role": "user", "content": "warm up"}]})
        gc.collect()
        gc.disable()
        try:
            before = _cycles()
            for i in range(20):
                _exchange(sock, {"messages": [{"role": "user", "content": f"plain {i}"}]})
                _exchange(sock, {"messages": [{"role": "user", "content": f"streamed {i}"}], "stream": True})
            after = _cycles()
        finally:
            gc.enable()
    assert after - before <= 1  # at most the connection's current cycle, 40 requests later
