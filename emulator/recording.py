"""Record and replay: answer from what a real Azure OpenAI endpoint once said.

``--record UPSTREAM DIR`` forwards each Azure request to UPSTREAM (streams pass through as
they arrive) and writes the exchange to DIR as one readable JSON file, with the secrets taken
out: request headers are not kept at all, fields named like keys in bodies are redacted, and
SAS signatures in image links are blanked. ``--replay DIR`` answers from those files; a
request is matched on its operation, deployment, api-version and body (less the fields that
vary between runs of the same code, such as ``user``). A stream replays event by event as it
was recorded, and with ``--replay-timing`` at its recorded pace. A request nothing matches
gets an Azure-shaped 404 that names what was looked for.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from . import ids
from .context import Operation
from .delivery import error_response
from .errors import AzureError, RecordingNotFound, UpstreamUnreachable
from .forms import is_form, parse_form

# Request fields that differ between runs of the same code and so never decide a match.
VOLATILE_FIELDS = frozenset({"user", "metadata", "stream_options"})
# Body fields holding credentials (On Your Data sources carry keys in the request).
_SECRET_FIELDS = re.compile(r"^(key|api_key|access_token|password|secret|connection_string|authorization)$", re.I)
_SAS_SIGNATURE = re.compile(r"([?&]sig=)[^&\"\s\\]+")
# Response headers worth keeping: what clients read.
_KEPT_HEADERS = ("content-type", "x-ms-region", "retry-after", "retry-after-ms", "policy-id")
_KEPT_PREFIXES = ("x-ratelimit-",)
_REDACTED = "REDACTED"


@dataclass(frozen=True)
class Exchange:
    """What identifies a request for matching."""

    operation: str
    deployment: str
    api_version: str
    body: Any

    def key(self) -> str:
        text = json.dumps([self.operation, self.deployment, self.api_version, self.body], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def file_name(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.deployment) or "none"
        return f"{self.operation}-{safe}-{self.key()}.json"


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _REDACTED if _SECRET_FIELDS.match(str(k)) else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _scrub(text: str) -> str:
    return _SAS_SIGNATURE.sub(rf"\g<1>{_REDACTED}", text)


def describe(request: Request, operation: Operation, raw: bytes) -> Exchange:
    """The request as it is matched: multipart files by digest, volatile fields dropped."""
    content_type = request.headers.get("content-type")
    body: Any
    if is_form(content_type):
        try:
            form = parse_form(raw, content_type)
        except AzureError:
            form = {}
        body = {
            name: ([_digest(v) for v in value] if isinstance(value, list) else _digest(value))
            for name, value in form.items()
        }
    else:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"raw_sha256": hashlib.sha256(raw).hexdigest()}
    deployment = request.path_params.get("deployment")
    if isinstance(body, dict):
        # On deployment routes the path names the deployment, and Azure ignores `model`.
        ignored = VOLATILE_FIELDS | ({"model"} if deployment else set())
        body = _redact({k: v for k, v in body.items() if k not in ignored})
        deployment = deployment or body.get("model")
    query = dict(parse_qsl(request.url.query))
    return Exchange(operation.name, str(deployment or ""), query.get("api-version", ""), body)


def _digest(value: Any) -> Any:
    data = getattr(value, "data", None)
    if isinstance(data, bytes):
        return {"file_sha256": hashlib.sha256(data).hexdigest(), "filename": getattr(value, "filename", "")}
    return value


def _kept_headers(headers: httpx.Headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name in _KEPT_HEADERS or name.startswith(_KEPT_PREFIXES)}


def _fresh_ids(headers: dict[str, str]) -> dict[str, str]:
    request_id = ids.uuid4()
    return {**headers, "x-request-id": request_id, "apim-request-id": request_id}


class Recorder:
    """Forwards to the real service and writes down what it answered."""

    def __init__(self, upstream: str, directory: Path) -> None:
        self.upstream = upstream.rstrip("/")
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # No timeout on reading: a stream may take its time, as the service's do.
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None))

    async def serve(self, scope: Scope, receive: Receive, send: Send, operation: Operation, surface: str) -> None:
        request = Request(scope, receive, send)
        response = await self._forward(request, operation)
        await response(scope, receive, send)

    async def _forward(self, request: Request, operation: Operation) -> ASGIApp:
        raw = await request.body()
        exchange = describe(request, operation, raw)
        headers = {k: v for k, v in request.headers.items() if k not in ("host", "content-length", "connection")}
        url = self.upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        try:
            upstream = await self.client.send(
                self.client.build_request(request.method, url, content=raw, headers=headers), stream=True
            )
        except httpx.HTTPError as exc:
            return error_response(UpstreamUnreachable(url, exc), {})
        kept = _kept_headers(upstream.headers)
        record: dict[str, Any] = {
            "request": {
                "method": request.method,
                "path": request.url.path,
                "operation": exchange.operation,
                "deployment": exchange.deployment,
                "api_version": exchange.api_version,
                "body": exchange.body,
            },
            "response": {"status": upstream.status_code, "headers": kept},
        }
        content_type = upstream.headers.get("content-type", "")
        if content_type.startswith("text/event-stream"):
            return StreamingResponse(
                self._relay(upstream, record, exchange),
                status_code=upstream.status_code,
                headers=_fresh_ids(kept),
                media_type=content_type,
            )
        data = await upstream.aread()
        await upstream.aclose()
        response = record["response"]
        if content_type.startswith("application/json"):
            text = _scrub(data.decode("utf-8", "replace"))
            response["json"] = json.loads(text) if text else None
        elif content_type.startswith("text/"):
            response["text"] = _scrub(data.decode("utf-8", "replace"))
        else:
            response["base64"] = base64.b64encode(data).decode("ascii")
        self._write(exchange, record)
        return Response(data, status_code=upstream.status_code, headers=_fresh_ids(kept))

    async def _relay(
        self, upstream: httpx.Response, record: dict[str, Any], exchange: Exchange
    ) -> AsyncIterator[bytes]:
        started = time.monotonic()
        events: list[dict[str, Any]] = []
        pending = b""
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
                pending += chunk
                while b"\n\n" in pending:
                    event, pending = pending.split(b"\n\n", 1)
                    offset = round((time.monotonic() - started) * 1000, 1)
                    events.append({"after_ms": offset, "event": _scrub(event.decode("utf-8", "replace"))})
        finally:
            await upstream.aclose()
        record["response"]["events"] = events
        self._write(exchange, record)

    def _write(self, exchange: Exchange, record: dict[str, Any]) -> None:
        path = self.directory / exchange.file_name()
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class RecordingError(Exception):
    """A --replay folder holding a file that is not a recording; the message names it."""


class Replayer:
    """Answers from recorded exchanges."""

    def __init__(self, directory: Path, timing: bool = False) -> None:
        self.directory = directory
        self.timing = timing
        self.records: dict[str, dict[str, Any]] = {}
        for path in sorted(directory.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                request = record["request"]
                exchange = Exchange(
                    request["operation"], request["deployment"], request["api_version"], request["body"]
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise RecordingError(
                    f"{path}: not a recording this emulator wrote ({type(exc).__name__}: {exc})"
                ) from None
            self.records[exchange.key()] = record

    async def serve(self, scope: Scope, receive: Receive, send: Send, operation: Operation, surface: str) -> None:
        request = Request(scope, receive, send)
        response = await self._answer(request, operation)
        await response(scope, receive, send)

    async def _answer(self, request: Request, operation: Operation) -> ASGIApp:
        exchange = describe(request, operation, await request.body())
        record = self.records.get(exchange.key())
        if record is None:
            message = (
                f"No recorded exchange matches this request: operation {exchange.operation}, deployment "
                f"'{exchange.deployment}', api-version '{exchange.api_version}', body key {exchange.key()} "
                f"(looked in {self.directory}, {len(self.records)} recordings)."
            )
            return error_response(RecordingNotFound(message), {})
        response = record["response"]
        headers = _fresh_ids(dict(response["headers"]))
        status = response["status"]
        if "events" in response:
            media = headers.pop("content-type", "text/event-stream")
            return StreamingResponse(
                self._events(response["events"]), status_code=status, headers=headers, media_type=media
            )
        if "json" in response:
            body = json.dumps(response["json"], ensure_ascii=False).encode() if response["json"] is not None else b""
        elif "text" in response:
            body = response["text"].encode()
        else:
            body = base64.b64decode(response.get("base64", ""))
        return Response(body, status_code=status, headers=headers)

    async def _events(self, events: list[dict[str, Any]]) -> AsyncIterator[bytes]:
        started = time.monotonic()
        for event in events:
            if self.timing:
                delay = event["after_ms"] / 1000 - (time.monotonic() - started)
                if delay > 0:
                    await anyio.sleep(delay)
            yield event["event"].encode() + b"\n\n"
