"""The Realtime API's WebSocket: the handshake, with the pipeline's steps, then the session.

GA: ``/openai/v1/realtime?model=<deployment>``; preview: ``/openai/realtime?api-version=
<version>&deployment=<deployment>``. The handshake takes the pipeline's own checks in its
order (authenticate, api-version, deployment, quota, faults), and a refusal is answered
before the upgrade with its status and Azure's error body (the ASGI WebSocket denial
response), so clients raise their usual errors. Keys may come in the ``api-key`` header, in
an ``api-key`` query parameter (browsers cannot set headers) or as ``Authorization: Bearer``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from ..context import Operation, RequestContext, RequestHeaders
from ..delivery import error_response
from ..errors import AuthenticationFailed, AzureError, DeploymentNotFound
from ..faults.actions import AbortConnection
from ..observers.billing import Billed
from ..observers.journal import KEPT_BODY_BYTES, milliseconds, pack
from ..observers.result import Result
from ..versions import api_version_in
from .faults import SessionFaults
from .responder import SocketClosed
from .session import Session

if TYPE_CHECKING:
    from ..pipeline import Pipeline

log = logging.getLogger("emulator")


class _Headers(RequestHeaders):
    """The handshake's headers, with an ``api-key`` query parameter as a header."""

    def __init__(self, raw: list[tuple[bytes, bytes]], query: dict[str, str]) -> None:
        super().__init__(raw)
        key = query.get("api-key")
        if key is not None and b"api-key" not in self._raw:
            self._raw[b"api-key"] = key.encode("latin-1", "replace")


class RealtimeServer:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def serve(self, scope: Scope, receive: Receive, send: Send, operation: Operation, surface: str) -> None:
        pipeline = self.pipeline
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        headers = _Headers(scope["headers"], query)
        deployment_name = query.get("deployment") if surface != "v1" else query.get("model")
        # The pipeline's steps read the scope alone: a WebSocket's connection will do.
        connection: Any = HTTPConnection(scope)
        ctx = pipeline.context(connection, operation, surface, headers, deployment_name)
        record = _Record(ctx, pipeline)
        try:
            configured = await self._handshake(ctx, query)
        except AbortConnection:
            await send({"type": "websocket.close", "code": 1011})
            record.finish(499, "dropped", None)
            return
        except AzureError as error:
            response = error_response(error, ctx.headers)
            await send(
                {"type": "websocket.http.response.start", "status": error.status, "headers": response.raw_headers}
            )
            await send({"type": "websocket.http.response.body", "body": response.body})
            record.finish(error.status, "completed", None, tuple(response.raw_headers))
            return
        assert ctx.deployment is not None and ctx.api_version is not None
        message = await receive()
        if message["type"] != "websocket.connect":
            record.finish(499, "client_disconnected", None)
            return
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in ctx.headers.items()]
        await send({"type": "websocket.accept", "headers": raw_headers})
        deployment, api_version = ctx.deployment, ctx.api_version.name

        faults = SessionFaults(ctx.faults.in_session if ctx.faults else [], send, pipeline.stopping.sleep)

        async def send_text(text: str) -> None:
            if faults.closed is not None:
                raise SocketClosed()
            record.server_event(text)
            await send({"type": "websocket.send", "text": text})

        def charge(tokens: int) -> list[dict[str, Any]]:
            reading = pipeline.limiter.admit(deployment, tokens, operation.operation_id, api_version)
            return [
                {
                    "name": "requests",
                    "limit": reading.limit_requests,
                    "remaining": reading.remaining_requests,
                    "reset_seconds": round(reading.reset_requests_s, 3),
                },
                {
                    "name": "tokens",
                    "limit": reading.limit_tokens,
                    "remaining": reading.remaining_tokens,
                    "reset_seconds": round(reading.reset_tokens_s, 3),
                },
            ]

        session = Session(
            send_text, deployment, pipeline.services, headers, ctx.run_seed, deployment.timing, charge, configured
        )
        record.session = session
        session.after_emit = faults.after_event
        close_code = 1000
        outcome = "completed"
        try:
            await faults.start(session)
            await session.start()
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    close_code = message.get("code", 1005)
                    break
                text = message.get("text")
                data = text if text is not None else message.get("bytes") or b""
                record.client_event(data if isinstance(data, str) else data.decode("utf-8", "replace"))
                await session.receive(data)
        except SocketClosed:
            pass
        except Exception:
            log.exception("realtime session %s failed inside the emulator", ctx.request_id)
            outcome = "failed"
            close_code = 1011
            try:
                await send({"type": "websocket.close", "code": 1011})
            except Exception:  # the socket is gone already
                pass
        finally:
            faults.stop()
            await session.close()
            if faults.closed is not None:
                outcome, close_code = "cut", faults.closed
            record.finish(101, outcome, close_code, tuple(raw_headers))

    async def _handshake(self, ctx: RequestContext, query: dict[str, str]) -> dict[str, Any] | None:
        """The pipeline's steps before an answer, for a WebSocket: any refusal is raised."""
        pipeline = self.pipeline
        authorization = ctx.request_headers.get("authorization") or ""
        scheme, _, token = authorization.partition(" ")
        configured = None
        if scheme.lower() == "bearer" and token.strip().startswith("ek_"):
            # An ephemeral client secret (POST /openai/v1/realtime/client_secrets), while it lasts.
            configured = pipeline.services.realtime_secrets.get(token.strip())
            if configured is None:
                raise AuthenticationFailed()
            ctx.deployment_name = ctx.deployment_name or configured.get("model")
        else:
            pipeline.authenticator.check(ctx.request_headers)
        ctx.api_version = pipeline.catalog.for_request(
            ctx.surface, api_version_in(ctx.request.scope["query_string"]), ctx.operation.name
        )
        if not ctx.deployment_name:
            raise DeploymentNotFound()
        ctx.deployment = pipeline.deployments.serving(ctx.deployment_name, ctx.operation)
        plan = pipeline.faults.plan(
            ctx.request_headers, ctx.operation.name, ctx.deployment.name, ctx.api_version.name, b"", False, session=True
        )
        if plan is not None:
            ctx.faults = plan
            names = {"operation_id": ctx.operation.operation_id, "api_version": ctx.api_version.name}
            for action in plan.before:
                await action.run(plan.rng, pipeline.stopping.sleep, names)
        pipeline.charge(ctx, 0)  # a session counts as a request; its responses' tokens come later
        return configured


class _Record:
    """The session's one journal entry: made when it ends, from what went each way."""

    def __init__(self, ctx: RequestContext, pipeline: Pipeline) -> None:
        self.ctx = ctx
        self.pipeline = pipeline
        self.session: Session | None = None
        self.kept: list[bytes] = []
        self.kept_bytes = 0
        self.times: list[float] = []
        self.events = 0
        self.bytes = 0
        self.first: float | None = None
        self.received: list[dict[str, Any]] = []  # the first client events, with their times
        self.received_chars = 0

    def server_event(self, text: str) -> None:
        now = time.monotonic()
        self.first = self.first or now
        self.events += 1
        self.bytes += len(text)
        if self.kept_bytes < KEPT_BODY_BYTES and len(self.times) < 1000:
            piece = text.encode()[:2048]
            self.kept.append(piece)
            self.kept_bytes += len(piece)
            self.times.append(now - self.ctx.received)

    def client_event(self, text: str) -> None:
        if self.received_chars < KEPT_BODY_BYTES and len(self.received) < 1000:
            piece = text[:2048]  # an append's audio is cut short: the journal is for reading
            self.received_chars += len(piece)
            self.received.append({"at_ms": milliseconds(time.monotonic() - self.ctx.received), "data": piece})

    def finish(self, status: int, outcome: Any, close_code: int | None, headers: tuple[Any, ...] = ()) -> None:
        ctx = self.ctx
        scope = ctx.request.scope
        session = self.session
        usage = session.tokens_used if session is not None else [0, 0, 0]
        realtime = None
        if session is not None:
            realtime = {
                "close_code": close_code,
                "server_events": dict(session.server_counts),
                "client_events": dict(session.client_counts),
                "input_tokens": usage[0],
                "output_tokens": usage[1],
                "cached_tokens": usage[2],
                "events_received": self.received,
            }
        deployment = ctx.deployment
        result = Result(
            id=ctx.request_id,
            received_at=ctx.received_at,
            client=(scope.get("client") or ("",))[0],
            method="GET",
            path=scope["path"],
            operation=ctx.operation.name,
            deployment=deployment.name if deployment else ctx.deployment_name,
            api_version=ctx.api_version.name if ctx.api_version else None,
            request_headers=pack(scope["headers"]),
            request_body=b"",
            status=status,
            response_headers=tuple(headers),
            outcome=outcome,
            streamed=session is not None,
            first_byte_s=(self.first - ctx.received) if self.first else None,
            last_byte_s=time.monotonic() - ctx.received,
            bytes_sent=self.bytes,
            events_sent=self.events,
            fault_rule=ctx.faults.rule if ctx.faults else None,
            faults=tuple(a.kind for a in ctx.faults.actions()) if ctx.faults else (),
            tokens_charged=ctx.tokens_charged,
            quota_refused=ctx.quota_refused,
            retry_count=None,
            early_retry=False,
            model=deployment.model.name if deployment else None,
            test_id=ctx.request_headers.get("x-test-id"),
            response_body=tuple(self.kept),
            event_times=tuple(self.times),
            # What its responses used, for the cost view (the price table has no realtime
            # meters yet: it counts them as unpriced).
            billed=Billed(usage[0], usage[2], usage[1]) if session is not None else None,
            realtime=realtime,
        )
        self.pipeline.observers.publish(result, None, scope.get("server"))
