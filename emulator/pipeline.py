"""The one path every Azure request takes, and the only place that knows its order.

    serve:   answer -> pace -> deliver (through the Transmission) -> record
    answer:  method -> authenticate -> api-version -> then, by the operation's handler:
      stored resources (files, batches, responses by id, models):
               body -> faults -> respond
      models (chat, embeddings, images, audio, responses):
               deployment in the path -> body -> remembered answer? -> deployment in the body
               -> faults -> [remembered: quota -> the answer again, with fresh ids]
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
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import anyio
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import connection, contentfilter, ids, synth
from .auth import Authenticator
from .context import Handler, Operation, RequestContext, RequestHeaders, ResourceHandler, Services
from .delivery import JsonReply, Reply, StreamReply, deliver, error_response, preflight_response
from .deployments import DeploymentTable
from .errors import (
    ApiVersionNotSupported,
    AzureError,
    BadGateway,
    DeploymentNotFound,
    InternalServerError,
    OperationNotSupported,
    PromptFiltered,
    RequestTooLarge,
    ResourceNotFound,
    UnrecognizedArgument,
)
from .faults.actions import AbortConnection
from .faults.engine import FaultEngine
from .forms import is_form, parse_form
from .memo import Remembered, ResultMemo
from .observers import accesslog
from .observers.journal import KEPT_BODY_BYTES, Journal, pack
from .observers.metrics import Metrics
from .observers.result import Result
from .observers.retries import RetryWatch
from .ratelimit import RateLimiter
from .settings import Settings
from .timing import Pacer
from .transmission import Transmission
from .validation import map_validation_errors, parse_json_body
from .versions import Catalog
from .wording import invalid_type, missing_parameter

log = logging.getLogger("emulator")


@lru_cache(maxsize=1024)
def _api_version_of(query_string: bytes) -> str | None:
    # Clients send the same few query strings over and over; parse each once.
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name == "api-version":
            return value
    return None


async def _nothing_sent(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a dropped connection."""


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
        self.journal = Journal(settings.journal_size)
        self.retries = RetryWatch()
        self.metrics = Metrics()
        self._requests_paced = 0

    # -- one request, start to end --------------------------------------------------------

    async def serve(self, scope: Scope, receive: Receive, send: Send, operation: Operation, surface: str) -> None:
        ctx = self._context(Request(scope, receive, send), operation, surface)
        if scope["method"] == "OPTIONS":
            await preflight_response(ctx.request, ctx.headers)(scope, receive, send)
            return
        wire = Transmission(send, scope, ctx.received, lambda: self._record(ctx, wire))
        response = await self._answer_or_error(ctx, wire)
        try:
            await response(scope, receive, wire.send)
        except Exception:
            # Once the headers are out an error can no longer be an answer: the connection
            # closes, and the journal says so.
            log.exception("request %s failed inside the emulator while sending", ctx.request_id)
            wire.ended("failed")
        finally:
            wire.over()  # if the last byte or a drop has not recorded it already

    def _context(self, request: Request, operation: Operation, surface: str) -> RequestContext:
        request_id = ids.uuid4()
        request_headers = RequestHeaders(request.scope["headers"])
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
            headers=self._headers(request_id, request_headers.get("x-ms-client-request-id")),
            deployment_name=request.path_params.get("deployment"),
        )
        return ctx

    async def _answer_or_error(self, ctx: RequestContext, wire: Transmission) -> ASGIApp:
        try:
            reply = await self._answer(ctx, wire)
            pacer = await self._pace(ctx, reply)
            return deliver(reply, ctx.headers, ctx.faults, wire, pacer)
        except AbortConnection:
            # reset and hang: no answer at all. A server that cannot drop the connection
            # answers Azure's 502 instead.
            if not connection.can_abort(ctx.request.scope):
                return error_response(BadGateway(), ctx.headers)
            wire.ended("client_disconnected" if wire.client_left else "dropped")
            wire.drop()  # the connection is gone already: this records it
            return _nothing_sent
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
        return await self._answer_model(ctx, handler, wire)

    async def _answer_stored(self, ctx: RequestContext, handler: ResourceHandler, wire: Transmission) -> Reply:
        """A stored resource (a file, a batch, a response by id, the model list): nothing to
        charge or filter, but a scenario's faults still apply."""
        if handler.receive is not None:
            received = await handler.receive(ctx)
            value, ctx.raw = received.value, received.kept
        else:
            value = ctx.raw = await self._read_body(ctx)
        await self._apply_faults(ctx, wire)
        return handler.respond(ctx, value)

    async def _answer_model(self, ctx: RequestContext, handler: Handler, wire: Transmission) -> Reply:
        # The path names the deployment: an unknown one is a 404 whatever the body holds.
        if ctx.deployment_name is not None:
            self._resolve_deployment(ctx, ctx.deployment_name)
        ctx.raw = await self._read_body(ctx)
        recalled = self._recall(ctx, handler)
        if recalled is None:
            self._parse_body(ctx, handler)
        if ctx.deployment is None:  # v1 and the dated root: the deployment is the body's model
            self._resolve_deployment(ctx, recalled.deployment_name if recalled else self._model_of(ctx))
        await self._apply_faults(ctx, wire)
        if recalled is not None and self._may_remember(ctx):
            # A byte-identical request was answered before: the same answer, with fresh ids.
            assert handler.renew is not None
            self._admit(ctx, recalled.estimated_tokens)
            return handler.renew(recalled.reply)
        if ctx.body is None:  # a failing filter changes the annotations: answer afresh
            self._parse_body(ctx, handler)
        return await self._generate(ctx, handler)

    async def _generate(self, ctx: RequestContext, handler: Handler) -> Reply:
        assert ctx.body is not None and ctx.deployment is not None
        estimated = handler.estimate_tokens(ctx.body, ctx.deployment)
        self._admit(ctx, estimated)
        self._reject_unknown_parameters(ctx)
        parsed = self._validate(ctx, handler.request_model)
        prepared = handler.check(ctx, parsed)
        self._filter_prompt(ctx, handler, parsed, prepared)
        if handler.blocking:
            reply = await anyio.to_thread.run_sync(handler.respond, ctx, parsed, prepared)
        else:
            reply = handler.respond(ctx, parsed, prepared)
        return self._remember(ctx, handler, estimated, reply)

    # -- the steps --------------------------------------------------------------------------

    def _check_method(self, ctx: RequestContext) -> None:
        if ctx.request.method != ctx.operation.method:
            # Azure's gateway matches method and path together: a wrong method is an unknown
            # resource there, not a 405.
            raise ResourceNotFound()

    def _resolve_api_version(self, ctx: RequestContext) -> None:
        query = _api_version_of(ctx.request.scope["query_string"])
        version = self.catalog.v1(query) if ctx.surface == "v1" else self.catalog.dated(query)
        if version is None:
            raise ResourceNotFound()
        if version.rules_for(ctx.operation.name) is None:
            raise ApiVersionNotSupported()
        ctx.api_version = version

    async def _read_body(self, ctx: RequestContext) -> bytes:
        limit = self.settings.max_body_bytes
        declared = ctx.request_headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(limit)
        # Straight from the ASGI channel: Starlette's stream() adds a generator per request.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await ctx.request.receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise RequestTooLarge(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _memo_key(self, ctx: RequestContext) -> Any:
        assert ctx.api_version is not None
        path_deployment = ctx.request.path_params.get("deployment")
        return self.memo.key(ctx.operation.name, ctx.api_version.name, path_deployment, ctx.raw)

    def _recall(self, ctx: RequestContext, handler: Handler) -> Remembered | None:
        key = self._memo_key(ctx) if handler.renew is not None else None
        return self.memo.get(key) if key is not None else None

    def _parse_body(self, ctx: RequestContext, handler: Handler) -> None:
        content_type = ctx.request_headers.get("content-type")
        ctx.form = "form" in handler.bodies and ("json" not in handler.bodies or is_form(content_type))
        ctx.body = parse_form(ctx.raw, content_type) if ctx.form else parse_json_body(ctx.raw)

    def _model_of(self, ctx: RequestContext) -> str:
        assert ctx.body is not None
        model = ctx.body.get("model")
        if model is None:
            raise missing_parameter("model")
        if not isinstance(model, str):
            raise invalid_type("model", "a string", model)
        return model

    def _resolve_deployment(self, ctx: RequestContext, name: str) -> None:
        deployment = self.deployments.resolve(name)
        if deployment is None:
            raise DeploymentNotFound()
        if deployment.family not in ctx.operation.families:
            raise OperationNotSupported(ctx.operation.display, deployment.model.name)
        ctx.deployment_name, ctx.deployment = name, deployment

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
        if plan is not None:
            ctx.faults = plan
            names = {"operation_id": op.operation_id, "api_version": ctx.api_version.name}
            for action in plan.before:
                await action.run(plan.rng, lambda seconds: self._wait(ctx, wire, seconds), names)
        ctx.paced_from = time.monotonic()

    async def _wait(self, ctx: RequestContext, wire: Transmission, seconds: float) -> None:
        # Sleep, but stop as soon as the client hangs up: the body is read, so the next message
        # on the channel is the disconnect.
        with anyio.move_on_after(seconds):
            while (await ctx.request.receive())["type"] != "http.disconnect":
                pass
            wire.client_left = True

    def _may_remember(self, ctx: RequestContext) -> bool:
        # A failing content filter changes the annotations: such answers are made afresh.
        return ctx.faults is None or ctx.faults.filter_error is None

    def _admit(self, ctx: RequestContext, estimated_tokens: int) -> None:
        assert ctx.deployment is not None and ctx.api_version is not None
        reading = self.limiter.admit(ctx.deployment, estimated_tokens, ctx.operation.operation_id, ctx.api_version.name)
        ctx.tokens_charged = estimated_tokens
        ctx.headers.update(reading.headers())

    def _reject_unknown_parameters(self, ctx: RequestContext) -> None:
        assert ctx.api_version is not None and ctx.body is not None
        rules = ctx.api_version.rules_for(ctx.operation.name)
        assert rules is not None
        everywhere = self.catalog.accepted_everywhere
        unknown = [key for key in ctx.body if key not in rules.params and key not in everywhere]
        if unknown:
            raise UnrecognizedArgument(unknown)

    def _validate(self, ctx: RequestContext, model: type[BaseModel]) -> Any:
        try:
            # A form's values are all text: "2" is read as the number it spells.
            return model.model_validate(ctx.body, strict=False if ctx.form else None)
        except ValidationError as exc:
            raise map_validation_errors(exc) from None

    def _filter_prompt(self, ctx: RequestContext, handler: Handler, parsed: Any, prepared: Any) -> None:
        """The deployment's content-filter policy on each prompt: Azure's 400 for a blocked
        one; otherwise its annotations, and what the filter will find in the answer. A
        scenario's ``filter_error`` stands in for the filter where it fails: an error object
        instead of categories, and nothing blocked."""
        prompts = handler.prompt_texts(parsed, prepared) if handler.prompt_texts else None
        if prompts is None:
            ctx.prompt_filter_results = contentfilter.prompt_filter_results()
            return
        assert ctx.deployment is not None
        policy = ctx.deployment.content_filter
        failing = ctx.faults.filter_error.on if ctx.faults and ctx.faults.filter_error else []
        results = []
        for index, texts in enumerate(prompts):
            if "prompt" in failing:
                results.append({"prompt_index": index, "content_filter_results": contentfilter.FILTER_ERROR_RESULTS})
                continue
            verdict = contentfilter.judge_prompt(texts, policy)
            if verdict.blocked:
                if handler.refuse_prompt is not None:
                    raise handler.refuse_prompt(ctx, parsed, verdict.results)
                raise PromptFiltered(verdict.results)
            results.append({"prompt_index": index, "content_filter_results": verdict.results})
        ctx.prompt_filter_results = results
        if "completion" in failing:
            ctx.completion_verdict = contentfilter.Verdict(contentfilter.FILTER_ERROR_RESULTS, found={"error": "error"})
        else:
            ctx.completion_verdict = contentfilter.judge_completion([t for texts in prompts for t in texts], policy)

    def _remember(self, ctx: RequestContext, handler: Handler, estimated: int, reply: Reply) -> Reply:
        """Keep a repeatable JSON answer for byte-identical repeats (emulator/memo.py)."""
        if handler.renew is None or not isinstance(reply, JsonReply) or not reply.repeatable:
            return reply
        assert ctx.deployment is not None
        key = self._memo_key(ctx)
        if key is None or not self._may_remember(ctx):
            return reply
        # Serialise once here: the size decides whether to remember it, and delivery then
        # sends these bytes.
        reply = JsonReply(reply.body, reply.status, reply.payload())
        size = len(ctx.raw) + len(reply.encoded or b"")
        self.memo.put(key, Remembered(ctx.deployment.name, estimated, reply, size))
        return reply

    async def _pace(self, ctx: RequestContext, reply: Reply) -> Pacer | None:
        """The deployment's timing profile: a plain answer waits here, a stream is paced by
        delivery with the returned pacer."""
        profile = ctx.deployment.timing if ctx.deployment else None
        if profile is None or profile.instant:
            return None
        self._requests_paced += 1
        policy = ctx.deployment.content_filter if ctx.deployment else None
        # The content filter's default mode buffers a streamed answer and releases it in
        # chunks; its asynchronous mode lets it flow event by event.
        burst = policy.buffer_tokens if policy is not None and not policy.asynchronous else 1
        started = ctx.paced_from or ctx.received
        pacer = Pacer(profile, synth.mix(self.settings.seed, self._requests_paced), started, burst)
        ctx.headers["server-timing"] = profile.server_timing()
        if isinstance(reply, StreamReply):
            return pacer
        usage = (reply.body or {}).get("usage") or {} if isinstance(reply, JsonReply) else {}
        tokens = usage.get("completion_tokens")
        await (pacer.whole_answer(tokens) if isinstance(tokens, int) else pacer.fixed())
        return None

    # -- once it is over --------------------------------------------------------------------

    def _record(self, ctx: RequestContext, wire: Transmission) -> None:
        result = self._result(ctx, wire)
        self.journal.record(result)
        self.metrics.observe(result)
        self.retries.observe(result)
        if accesslog.enabled():
            accesslog.write(result, self.settings.log_bodies, self.settings.log_format)

    def _result(self, ctx: RequestContext, wire: Transmission) -> Result:
        scope = ctx.request.scope
        client = (scope.get("client") or ("",))[0]
        deployment = ctx.deployment.name if ctx.deployment else ctx.deployment_name
        retries = ctx.request_headers.get("x-stainless-retry-count") or ""
        retry_count = int(retries) if retries.isdecimal() else None
        early = bool(retry_count) and self.retries.arrived_early(
            (client, deployment or "", ctx.operation.name), retry_count, ctx.received
        )
        faults = ctx.faults
        return Result(
            id=ctx.request_id,
            received_at=ctx.received_at,
            client=client,
            method=scope["method"],
            path=scope["path"],
            operation=ctx.operation.name,
            deployment=deployment or None,
            api_version=ctx.api_version.name if ctx.api_version else None,
            request_headers=pack(scope["headers"]),
            request_body=ctx.raw[:KEPT_BODY_BYTES],
            status=wire.status if wire.status is not None else 499,
            response_headers=wire.headers,
            outcome=wire.outcome(),
            streamed=wire.streamed,
            first_byte_s=wire.since_arrival(wire.first_byte_at),
            last_byte_s=(wire.last_byte_at or time.monotonic()) - ctx.received,
            bytes_sent=wire.bytes_sent,
            events_sent=wire.events_sent,
            fault_rule=faults.rule if faults else None,
            faults=tuple(a.kind for a in faults.actions()) if faults else (),
            tokens_charged=ctx.tokens_charged,
            retry_count=retry_count,
            early_retry=early,
        )

    # -- what is not an Azure operation -----------------------------------------------------

    async def not_found(self, request: Request) -> Response:
        """Paths Azure does not have still get Azure's 404 and headers."""
        headers = self._headers(ids.uuid4(), request.headers.get("x-ms-client-request-id"))
        error = ResourceNotFound()
        return Response(error.body(), error.status, headers=headers, media_type="application/json")

    def _headers(self, request_id: str, client_request_id: str | None) -> dict[str, str]:
        headers = {
            "x-request-id": request_id,
            "apim-request-id": request_id,
            "x-ms-region": self.settings.region,
            # Azure lets browsers call it directly (service.md 4.4: seen on every response).
            "access-control-allow-origin": "*",
        }
        if client_request_id:
            headers["x-ms-client-request-id"] = client_request_id
        return headers
