"""Delivery: the one place results and errors become HTTP responses.

An operation hands back a ``JsonReply`` or a ``StreamReply``; the pipeline passes it here
together with the request's headers. Errors (``AzureError``) take the same road, so every
response carries the same Azure headers.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import AzureError, for_status
from .sse import EventStream

if TYPE_CHECKING:
    from .faults.engine import FaultPlan
    from .timing import Pacer
    from .transmission import Transmission

_DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class JsonReply:
    """A JSON result: a ``body`` to serialise, or, for large results an operation writes
    itself, the ``encoded`` bytes."""

    body: dict[str, Any] | None = None
    status: int = 200
    encoded: bytes | None = None
    # Whether the same request would get the same answer again (a counting scripted reply
    # makes it not): only such replies are remembered (emulator/memo.py).
    repeatable: bool = True
    # What Azure would bill, in the body's usage form, when the body is not at hand (bytes
    # written by the operation); otherwise the body's own "usage" (emulator/observers/billing.py).
    usage: dict[str, Any] | None = None

    def payload(self) -> bytes:
        return self.encoded if self.encoded is not None else dumps(self.body)


@dataclass(frozen=True)
class StreamReply:
    """Server-sent events: Azure's prompt annotation, then each item as one ``data:`` event,
    then ``data: [DONE]``."""

    events: Iterable[dict[str, Any] | bytes]
    prompt_filter_results: list[dict[str, Any]] | None = None
    # The Responses API's style: an ``event:`` line naming each event's type, and no
    # ``data: [DONE]`` at the end (the stream ends with its last event).
    named: bool = False
    # What Azure bills for the whole answer, sent to the client or not (emulator/observers/billing.py).
    usage: dict[str, Any] | None = None
    finish_reasons: tuple[str, ...] = ()  # how each choice ends (traces: observers/tracing.py)


@dataclass(frozen=True)
class RawReply:
    """A body that is not JSON (audio, subtitles, plain text), with its content type."""

    data: bytes
    content_type: str
    status: int = 200
    usage: dict[str, Any] | None = None  # what Azure bills: characters spoken, seconds heard


@dataclass(frozen=True)
class FileReply:
    """A stored file sent from disk, as large as it is, without loading it."""

    path: Path
    content_type: str


Reply = JsonReply | StreamReply | RawReply | FileReply


def dumps(body: Any) -> bytes:
    # pydantic's serialiser (Rust) writes the same compact UTF-8 JSON as
    # json.dumps(ensure_ascii=False) several times faster; this is the hot path's largest cost.
    try:
        return to_json(body)
    except (ValueError, UnicodeError):
        # A lone surrogate (valid in JSON, echoed from a client) cannot be UTF-8: escape it.
        return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()


def azure_headers(request_id: str, region: str, client_request_id: str | None) -> dict[str, str]:
    """What every answer on the Azure surface carries, success or error."""
    headers = {
        "x-request-id": request_id,
        "apim-request-id": request_id,
        "x-ms-region": region,
        # Azure lets browsers call it directly (service.md 4.4: seen on every response).
        "access-control-allow-origin": "*",
    }
    if client_request_id:
        headers["x-ms-client-request-id"] = client_request_id
    return headers


class WholeBody:
    """A body sent whole, in the two ASGI messages, as Starlette's ``Response`` sends it, with
    less work per answer (the hot path): header names are encoded once per process."""

    __slots__ = ("status_code", "raw_headers", "body")

    def __init__(self, body: bytes, status: int, headers: Mapping[str, str], media_type: str) -> None:
        if media_type.startswith("text/") and "charset=" not in media_type:
            media_type += "; charset=utf-8"
        raw = [(_name(k), v.encode("latin-1")) for k, v in headers.items()]
        raw.append((b"content-length", str(len(body)).encode()))
        raw.append((b"content-type", media_type.encode("latin-1")))
        self.status_code = status
        self.raw_headers = raw
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})


_NAMES: dict[str, bytes] = {}


def _name(header: str) -> bytes:
    encoded = _NAMES.get(header)
    if encoded is None:
        encoded = header.lower().encode("latin-1")
        if len(_NAMES) < 1000:  # the emulator's own few, and those scenarios add
            _NAMES[header] = encoded
    return encoded


def json_response(reply: JsonReply, headers: Mapping[str, str]) -> WholeBody:
    return WholeBody(reply.payload(), reply.status, headers, "application/json")


def error_response(error: AzureError, headers: Mapping[str, str]) -> WholeBody:
    return WholeBody(error.body(), error.status, {**headers, **error.headers}, "application/json")


def _annotation(prompt_filter_results: list[dict[str, Any]]) -> dict[str, Any]:
    # Azure opens every completion stream with the prompt's filter results in an event of
    # its own, with blank ids and no choices (service.md 4.7).
    return {
        "choices": [],
        "created": 0,
        "id": "",
        "model": "",
        "object": "",
        "prompt_filter_results": prompt_filter_results,
    }


async def _sse_frames(reply: StreamReply) -> AsyncIterator[bytes]:
    if reply.prompt_filter_results is not None:
        yield b"data: " + dumps(_annotation(reply.prompt_filter_results)) + b"\n\n"
    if reply.named:
        for event in reply.events:
            assert isinstance(event, dict)  # named events come as objects (the Responses API's)
            yield b"event: " + event["type"].encode() + b"\ndata: " + dumps(event) + b"\n\n"
        return
    for event in reply.events:
        # Events may come encoded already (chat's content chunks: emulator/operations/chat/stream.py).
        yield b"data: " + (event if isinstance(event, bytes) else dumps(event)) + b"\n\n"
    yield _DONE


def stream_response(
    reply: StreamReply, headers: Mapping[str, str], faults: FaultPlan | None, wire: Transmission, pacer: Pacer | None
) -> EventStream:
    frames = _sse_frames(reply)
    in_stream = _stream_faults(faults)
    if pacer is not None:
        # Azure's prompt annotation goes out at once; the model's events follow its clock,
        # each burst in one write unless a fault counts the events.
        first = 1 if reply.prompt_filter_results is not None else 0
        frames = pacer.paced(frames, first_content=first, grouped=not in_stream)
    for fault in in_stream:
        # Faults chain like toxics: each wraps the frames the previous one lets through.
        frames = fault.frames(frames, wire)
    return EventStream(_until_stopped(frames, wire), headers, wire)


async def _until_stopped(frames: AsyncIterator[bytes], wire: Transmission) -> AsyncIterator[bytes]:
    """The stream, until the emulator stops: then its client gets Azure's 503 as an error
    event (the clients raise it) and the stream ends, recorded as ``server_stopped``."""
    async with contextlib.aclosing(frames):  # type: ignore[type-var]
        async for frame in frames:
            if wire.stopping.stopped:
                wire.ended("server_stopped")
                unavailable = {**for_status(503).error, "param": None, "type": "server_error"}
                yield b"data: " + dumps({"error": unavailable}) + b"\n\n"
                return
            yield frame


def _stream_faults(faults: FaultPlan | None) -> list[Any]:
    if faults is None:
        return []
    return [*faults.in_stream, *([faults.malformed] if faults.malformed is not None else [])]


def deliver(
    reply: Reply, headers: Mapping[str, str], faults: FaultPlan | None, wire: Transmission, pacer: Pacer | None = None
) -> ASGIApp:
    """The response that sends ``reply`` with ``headers``: paced by ``pacer``, changed by the
    scenario's stream faults, which tell ``wire`` what they did."""
    if isinstance(reply, StreamReply):
        wire.streamed = True
        return stream_response(reply, headers, faults, wire, pacer)
    if isinstance(reply, FileReply):
        return FileResponse(reply.path, headers=dict(headers), media_type=reply.content_type)
    if isinstance(reply, RawReply):
        return WholeBody(reply.data, reply.status, headers, reply.content_type)
    if faults is not None and faults.malformed is not None:
        wire.ended("malformed")
        return WholeBody(faults.malformed.body(reply.payload()), reply.status, headers, "application/json")
    return json_response(reply, headers)


def preflight_response(request: Request, headers: Mapping[str, str]) -> Response:
    """A browser's CORS preflight: Azure's gateway allows any origin, method and header."""
    asked = request.headers.get("access-control-request-headers", "*")
    allow = {
        **headers,
        "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        "access-control-allow-headers": asked,
        "access-control-max-age": "86400",
    }
    return Response(status_code=200, headers=allow)
