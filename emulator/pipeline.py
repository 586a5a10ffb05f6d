"""The one path every Azure request takes, and the only place that knows its order.

    serve:   answer -> pace -> deliver (through the Transmission) -> record
    answer:  method -> authenticate -> api-version -> then, by the operation's handler:
      stored resources (files, batches, responses by id, models):
               body -> early retry -> faults -> respond
      models (chat, embeddings, images, audio, responses):
               deployment in the path -> body -> remembered answer? -> deployment in the body
               -> early retry -> faults -> [remembered: quota -> the answer again, with fresh ids]
               -> quota -> known parameters -> validate -> check -> content filter (prompt)
               -> respond -> remember

Each step is a short method that raises an ``AzureError``; ``_answer_or_error`` turns any of
them into Azure's response with the request's headers. The request is recorded once, after
its last byte (or its drop): one ``Result`` for the journal, metrics, access log and retry
watch (emulator/observers/).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from . import bodies, connection, contentfilter, ids, retry_after
from .auth import Authenticator
from .context import Handler, Operation, RequestContext, RequestHeaders, ResourceHandler, Services
from .delivery import Reply, azure_headers, deliver, error_response, preflight_response
from .deployments import DeploymentTable
from .errors import (
    AzureError,
    BadGateway,
    InternalServerError,
    RateLimited,
    ResourceNotFound,
)
from .faults.actions import AbortConnection
from .faults.engine import FaultEngine
from .load import InFlight
from .memo import Remembered, ResultMemo, may_remember
from .observers import Observers
from .ratelimit import RateLimiter
from .settings import Settings
from .stopping import Stopping
from .timing import Pacing
from .transmission import ClientGone, Transmission, after_the_drop, nothing_sent
from .validation import reject_unknown_parameters, validated
from .versions import Catalog, api_version_in

log = logging.getLogger("emulator")


class Pipeline:
    def __init__(self, settings: Settings, catalog: Catalog, deployments: DeploymentTable, services: Services) -> None:
        self.settings = settings
        self.catalog = catalog
        self.deployments = deployments
        self.services = services
        self.authenticator = Authenticator(settings)
        self.limiter = RateLimiter()
        self.memo = ResultMemo()
        self.faults = FaultEngine.from_settings(settings.scenario, settings.seed)
        self.observers = Observers(settings)
        self.stopping = Stopping()
        self.pacing = Pacing(settings.seed)
        self.in_flight = InFlight()

    # -- one request, start to end --------------------------------------------------------

    async def serve(self, scope: Scope, receive: Receive, send: Send, operation: Operation, surface: str) -> None:
        request = Request(scope, receive, send)
        headers = RequestHeaders(scope["headers"])
        ctx = self.context(request, operation, surface, headers, request.path_params.get("deployment"))
        wire = Transmission(
            send,
            scope,
            ctx.received,
            lambda: self.observers.record(ctx, wire),
            self.stopping,
            self.observers.keeps_bodies,
        )
        if scope["method"] == "OPTIONS":
            response: ASGIApp = preflight_response(ctx.request, ctx.headers)
        else:
            response = await self._answer_or_error(ctx, wire)
        try:
            await response(scope, receive, wire.send)
        except Exception:
            log.exception("request %s failed inside the emulator while sending", ctx.request_id)
            if wire.status is None:
                await error_response(InternalServerError(), ctx.headers)(scope, receive, wire.send)
            else:
                # Once the headers are out an error can no longer be an answer: the
                # connection closes, and the journal says so.
                wire.ended("failed")
        finally:
            if ctx.in_flight:  # first: an observer that fails below must not keep it counted
                assert ctx.deployment is not None
                self.in_flight.leave(ctx.deployment.name)
            wire.over()  # if the last byte or a drop has not recorded it already

    def context(
        self,
        request: Request,
        operation: Operation,
        surface: str,
        request_headers: RequestHeaders,
        deployment_name: str | None,
    ) -> RequestContext:
        """A new request's context: its id, arrival and Azure's headers (a realtime handshake's too)."""
        request_id = ids.uuid4()
        ctx = RequestContext(
            request=request,
            request_id=request_id,
            operation=operation,
            surface=surface,
            received=time.monotonic(),
            received_at=time.time(),
            request_headers=request_headers,
            services=self.services,
            run_seed=self.settings.seed,
            headers=azure_headers(request_id, self.settings.region, request_headers.get("x-ms-client-request-id")),
            deployment_name=deployment_name,
        )
        return ctx

    async def _answer_or_error(self, ctx: RequestContext, wire: Transmission) -> ASGIApp:
        try:
            reply = await self._answer(ctx, wire)
            pacer = await self.pacing.start(
                ctx, reply, lambda seconds: wire.wait_for_client(ctx.request.receive, seconds), wire.sleep
            )
            if wire.client_left:
                raise ClientGone()
            return deliver(reply, ctx.headers, ctx.faults, wire, pacer)
        except ClientGone:
            return nothing_sent  # the journal has it as client_disconnected, with status 499
        except AbortConnection:
            # reset and hang: no answer at all. A server that cannot drop the connection
            # answers Azure's 502 instead.
            if not connection.can_abort(ctx.request.scope):
                return error_response(BadGateway(), ctx.headers)
            wire.ended("client_disconnected" if wire.client_left else "dropped")
            wire.drop()  # this records it
            return after_the_drop
        except AzureError as error:
            return error_response(error, ctx.headers)
        except Exception:
            log.exception("request %s failed inside the emulator", ctx.request_id)
            return error_response(InternalServerError(), ctx.headers)

    async def _answer(self, ctx: RequestContext, wire: Transmission) -> Reply:
        self._check_method(ctx)
        self.authenticator.check(ctx.request_headers)
        self._resolve_api_version(ctx)
        handler = ctx.operation.handler
        if isinstance(handler, ResourceHandler):
            return await self._answer_stored(ctx, handler, wire)
        # A model's answer is what Azure bills (a stored one read back is not).
        ctx.reply = await self._answer_model(ctx, handler, wire)
        return ctx.reply

    async def _answer_stored(self, ctx: RequestContext, handler: ResourceHandler, wire: Transmission) -> Reply:
        """A stored resource (a file, a batch, a response by id, the model list): nothing to
        charge or filter, but a scenario's faults still apply."""
        if handler.receive is not None:
            received = await handler.receive(ctx)
            value, ctx.raw = received.value, received.kept
        else:
            value = ctx.raw = await self._read_body(ctx)
        retry_after.judge(ctx, self.observers, self.faults)
        await self._apply_faults(ctx, wire)
        return handler.respond(ctx, value)

    async def _answer_model(self, ctx: RequestContext, handler: Handler, wire: Transmission) -> Reply:
        # The path names the deployment: an unknown one is a 404 whatever the body holds.
        if ctx.deployment_name is not None:
            self._resolve_deployment(ctx, ctx.deployment_name)
        ctx.raw = await self._read_body(ctx)
        key = self.memo.key_of(ctx) if handler.renew is not None else None
        recalled = self.memo.get(key) if key is not None else None
        if recalled is None:
            self._parse_body(ctx, handler)
        if ctx.deployment is None:  # v1 and the dated root: the deployment is the body's model
            self._resolve_deployment(ctx, recalled.deployment_name if recalled else bodies.model_of(ctx.body))
        retry_after.judge(ctx, self.observers, self.faults)
        await self._apply_faults(ctx, wire)
        if recalled is not None and may_remember(ctx):
            return self._answer_again(ctx, handler, recalled)
        return await self._generate(ctx, handler, key)

    def _answer_again(self, ctx: RequestContext, handler: Handler, recalled: Remembered) -> Reply:
        """A byte-identical request was answered before: the same answer, with fresh ids."""
        assert handler.renew is not None
        self._admit(ctx, recalled.estimated_tokens)
        return handler.renew(recalled.reply)

    async def _generate(self, ctx: RequestContext, handler: Handler, key: Any) -> Reply:
        if ctx.body is None:  # answered before, but a failing filter changes the annotations
            self._parse_body(ctx, handler)
        assert ctx.body is not None and ctx.deployment is not None
        estimated = handler.estimate_tokens(ctx.body, ctx.deployment)
        self._admit(ctx, estimated)
        reject_unknown_parameters(ctx, self.catalog.accepted_everywhere)
        parsed = validated(handler.request_model, ctx.body, ctx.form)
        prepared = handler.check(ctx, parsed)
        contentfilter.screen_prompts(ctx, handler, parsed, prepared)
        if handler.blocking:
            reply = await anyio.to_thread.run_sync(handler.respond, ctx, parsed, prepared)
        else:
            reply = handler.respond(ctx, parsed, prepared)
        return self.memo.keep(ctx, key, estimated, reply)

    # -- the steps --------------------------------------------------------------------------

    def _check_method(self, ctx: RequestContext) -> None:
        if ctx.request.method != ctx.operation.method:
            # Azure's gateway matches method and path together: a wrong method is an unknown
            # resource there, not a 405.
            raise ResourceNotFound()

    def _resolve_api_version(self, ctx: RequestContext) -> None:
        query = api_version_in(ctx.request.scope["query_string"])
        ctx.api_version = self.catalog.for_request(ctx.surface, query, ctx.operation.name)

    async def _read_body(self, ctx: RequestContext) -> bytes:
        return await bodies.read(ctx.request, ctx.request_headers.get("content-length"), self.settings.max_body_bytes)

    def _parse_body(self, ctx: RequestContext, handler: Handler) -> None:
        ctx.body, ctx.form = bodies.parse(ctx.raw, ctx.request_headers.get("content-type"), handler.bodies)

    def _resolve_deployment(self, ctx: RequestContext, name: str) -> None:
        ctx.deployment_name = name  # recorded even when it is refused
        ctx.deployment = self.deployments.serving(name, ctx.operation)

    async def _apply_faults(self, ctx: RequestContext, wire: Transmission) -> None:
        """The active scenario's faults: those before the answer run now (a delay waits, an
        error is raised, a reset aborts); those inside a stream go with the reply."""
        assert ctx.api_version is not None
        # Remembered answers are plain JSON; otherwise the parsed body says.
        streaming = ctx.body is not None and ctx.body.get("stream") is True
        # Reads of stored resources have no deployment: a rule matching one does not apply.
        deployment = ctx.deployment.name if ctx.deployment else ""
        op = ctx.operation
        plan = self.faults.plan(ctx.request_headers, op.name, deployment, ctx.api_version.name, ctx.raw, streaming)
        if plan is None:
            return
        ctx.faults = plan
        names = {"operation_id": op.operation_id, "api_version": ctx.api_version.name}
        for action in plan.before:
            await action.run(plan.rng, lambda seconds: wire.wait_for_client(ctx.request.receive, seconds), names)
        if wire.client_left:
            raise ClientGone()  # before anything is charged or made
        ctx.paced_from = time.monotonic()

    def stop(self) -> None:
        """The server is stopping: every wait ends now, and open streams end deliberately."""
        self.stopping.stop()

    def _admit(self, ctx: RequestContext, estimated_tokens: int) -> None:
        assert ctx.deployment is not None and ctx.api_version is not None
        ctx.in_flight = self.in_flight.admit(ctx.deployment)  # or Azure's overload answer
        self.charge(ctx, estimated_tokens)

    def charge(self, ctx: RequestContext, estimated_tokens: int) -> None:
        """Count the request against its deployment's quota (Azure's 429 if it has no room),
        and put the quota's headers on the answer."""
        assert ctx.deployment is not None and ctx.api_version is not None
        try:
            reading = self.limiter.admit(
                ctx.deployment, estimated_tokens, ctx.operation.operation_id, ctx.api_version.name
            )
        except RateLimited:
            ctx.quota_refused = True
            raise
        ctx.tokens_charged = estimated_tokens
        ctx.headers.update(reading.headers())
