"""The one path every Azure request takes, and the only place that knows its order:

    authenticate -> api-version -> deployment -> body -> faults -> quota -> parameters
    -> validate -> content filter (prompt) -> operation -> deliver (with stream faults)

A byte-identical repeat of a request already served takes a short cut after the body is
read: deployment -> faults -> quota -> the remembered result (emulator/memo.py).

Each step is a small method that raises an ``AzureError``; ``serve`` turns any of them
into Azure's response with the request's headers.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import anyio
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from . import connection, contentfilter, ids, synth
from .audio import SpeechMemory
from .auth import Authenticator
from .context import Operation, RequestContext, RequestHeaders, ResourceHandler, Services
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
from .observers.journal import KEPT_BODY_BYTES, Journal, Record, pack
from .observers.metrics import Metrics
from .ratelimit import RateLimiter
from .replies import ScriptedReplies
from .settings import Settings
from .stores.batches import BatchRunner
from .stores.blobs import BlobStore
from .stores.files import FileStore
from .stores.responses import ResponseStore
from .timing import Pacer
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


def _drop(request: Request) -> None:
    connection.abort(request.scope)


class Pipeline:
    def __init__(self, settings: Settings, catalog: Catalog, deployments: DeploymentTable) -> None:
        self.settings = settings
        self.catalog = catalog
        self.deployments = deployments
        self.authenticator = Authenticator(settings)
        self.limiter = RateLimiter()
        self.memo = ResultMemo()
        self.faults = FaultEngine.from_settings(settings.scenario, settings.seed)
        self.journal = Journal(settings.journal_size)
        self.replies = ScriptedReplies(settings.replies)
        self.speech_memory = SpeechMemory()
        self.metrics = Metrics()
        images = settings.images
        self.blobs = BlobStore(
            lifetime_s=images.url_lifetime_s, max_count=images.store_max_images, max_bytes=images.store_max_bytes
        )
        f = settings.files
        files = FileStore(f.dir, f.max_files, f.max_bytes, f.max_upload_bytes)
        self.services = Services(
            self.replies,
            self.blobs,
            self.speech_memory,
            ResponseStore(),
            deployments,
            files,
            BatchRunner(files, settings.batches.step_s, deployments.resolve),
        )
        self._requests_paced = 0

    async def serve(self, request: Request, operation: Operation, surface: str) -> Response:
        started = time.monotonic()
        ctx = RequestContext(
            request=request,
            request_id=ids.uuid4(),
            operation=operation,
            surface=surface,
            deployment_name=request.path_params.get("deployment"),
            run_seed=self.settings.seed,
            request_headers=RequestHeaders(request.scope["headers"]),
            services=self.services,
        )
        ctx.headers = self._base_headers(ctx)
        if request.method == "OPTIONS":
            return preflight_response(request, ctx.headers)
        try:
            reply = await self._run(ctx)
            pacer = await self._pace(ctx, reply, ctx.paced_from or started)
            response = deliver(reply, ctx.headers, ctx.faults, lambda: _drop(request), pacer)
        except AbortConnection:
            if connection.abort(request.scope):
                response = Response(status_code=499)  # never sent: the connection is gone
            else:
                response = error_response(BadGateway(), ctx.headers)
        except AzureError as error:
            response = error_response(error, ctx.headers)
        except Exception:
            log.exception("request %s failed inside the emulator", ctx.request_id)
            response = error_response(InternalServerError(), ctx.headers)
        self._account(ctx, response, started)
        return response

    def _account(self, ctx: RequestContext, response: Response, started: float) -> None:
        """Metrics, the access log and the journal: what every answered request leaves."""
        seconds = time.monotonic() - started
        deployment = ctx.deployment.name if ctx.deployment else (ctx.deployment_name or "")
        faults = ctx.faults
        actions = tuple(a.kind for a in faults.actions()) if faults else ()
        rule = faults.rule if faults else None
        status = response.status_code
        self.metrics.observe(ctx.operation.name, deployment, status, seconds, ctx.tokens_charged, rule, actions)
        if accesslog.enabled():
            request = ctx.request
            fields = {
                "time": time.time() - seconds,
                "client": (request.scope.get("client") or ("-",))[0],
                "method": request.method,
                "path": request.scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "request_id": ctx.request_id,
                "operation": ctx.operation.name,
                "deployment": deployment or None,
                "api_version": ctx.api_version.name if ctx.api_version else None,
                "tokens": ctx.tokens_charged,
                "fault_rule": rule,
                "fault_actions": list(actions) or None,
                "client_request_id": ctx.request_headers.get("x-ms-client-request-id"),
                "user_agent": ctx.request_headers.get("user-agent"),
            }
            accesslog.write(fields, ctx.raw if self.settings.log_bodies else None, self.settings.log_format)
        if self.journal.enabled:
            self._record(ctx, response, started)

    async def _pace(self, ctx: RequestContext, reply: Reply, started: float) -> Pacer | None:
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
        pacer = Pacer(profile, synth.mix(self.settings.seed, self._requests_paced), started, burst)
        ctx.headers["server-timing"] = profile.server_timing()
        if isinstance(reply, StreamReply):
            return pacer
        usage = (reply.body or {}).get("usage") or {} if isinstance(reply, JsonReply) else {}
        tokens = usage.get("completion_tokens")
        await (pacer.whole_answer(tokens) if isinstance(tokens, int) else pacer.fixed())
        return None

    def _record(self, ctx: RequestContext, response: Response, started: float) -> None:
        request = ctx.request
        client = (request.scope.get("client") or ("",))[0]
        deployment = ctx.deployment.name if ctx.deployment else (ctx.deployment_name or "")
        operation = ctx.operation.name
        retries = ctx.request_headers.get("x-stainless-retry-count", "") or ""
        retry_count = int(retries) if retries.isdecimal() else None
        early = self.journal.arrived_early(client, deployment, operation, retry_count, now=started)
        if response.status_code in (408, 429) or response.status_code >= 500:
            self.journal.asked_to_wait(client, deployment, operation, response.headers)
        faults = ctx.faults
        self.journal.record(
            Record(
                ctx.request_id,
                time.time() - (time.monotonic() - started),
                request.method,
                request.scope["path"],
                response.status_code,
                round((time.monotonic() - started) * 1000, 3),
                operation,
                deployment or None,
                ctx.api_version.name if ctx.api_version else None,
                pack(request.scope["headers"]),
                ctx.raw[:KEPT_BODY_BYTES],
                faults.rule if faults else None,
                tuple(a.kind for a in faults.actions()) if faults else (),
                ctx.tokens_charged,
                early,
            )
        )

    async def not_found(self, request: Request) -> Response:
        """Paths Azure does not have still get Azure's 404 and headers."""
        request_id = ids.uuid4()
        headers = self._headers_for(request, request_id)
        return error_response(ResourceNotFound(), headers)

    # -- the steps, in order -------------------------------------------------------------

    async def _run(self, ctx: RequestContext) -> Reply:
        if ctx.request.method != ctx.operation.method:
            # Azure's gateway matches method and path together: a wrong method is an unknown
            # resource there, not a 405.
            raise ResourceNotFound()
        self.authenticator.check(ctx.request_headers)
        self._resolve_api_version(ctx)
        handler = ctx.operation.handler
        assert ctx.api_version is not None
        if isinstance(handler, ResourceHandler):
            # A stored resource (a response by id, a file, a batch, the model list): nothing
            # to charge or filter, but a scenario's faults still apply.
            if handler.receive is not None:
                received = await handler.receive(ctx)
                value, ctx.raw = received.value, received.kept
            else:
                value = ctx.raw = await self._read_body(ctx.request)
            await self._apply_faults(ctx, ctx.raw)
            return handler.respond(ctx, value)
        if ctx.deployment_name is not None:
            # The path names the deployment: an unknown one is a 404 whatever the body holds.
            self._resolve_deployment(ctx)
        raw = ctx.raw = await self._read_body(ctx.request)
        key = self.memo.key(ctx.operation.name, ctx.api_version.name, ctx.deployment_name, raw)
        remembered = self.memo.get(key) if key is not None and handler.renew is not None else None
        if remembered is not None:
            # A byte-identical request has been served before: same answer, fresh ids.
            if ctx.deployment is None:  # the deployment was in the body
                ctx.deployment_name = remembered.deployment_name
                self._resolve_deployment(ctx)
            await self._apply_faults(ctx, raw)
            if ctx.faults is None or ctx.faults.filter_error is None:
                self._admit(ctx, remembered.estimated_tokens)
                return handler.renew(remembered.reply)  # type: ignore[misc]
            # A failing filter changes the annotations: this answer is made afresh.
        content_type = ctx.request_headers.get("content-type")
        form = "form" in handler.bodies and ("json" not in handler.bodies or is_form(content_type))
        ctx.body = parse_form(raw, content_type) if form else parse_json_body(raw)
        if ctx.deployment is None:  # the deployment is in the body
            self._resolve_deployment(ctx)
        assert ctx.deployment is not None
        if remembered is None:
            await self._apply_faults(ctx, raw)
        estimated = handler.estimate_tokens(ctx.body, ctx.deployment)
        self._admit(ctx, estimated)
        self._reject_unknown_parameters(ctx)
        try:
            # A form's values are all text: "2" is read as the number it spells.
            parsed = handler.request_model.model_validate(ctx.body, strict=False if form else None)
        except ValidationError as exc:
            raise map_validation_errors(exc) from None
        prepared = handler.check(ctx, parsed)
        self._filter_prompt(ctx, parsed, prepared)
        if handler.blocking:
            reply = await anyio.to_thread.run_sync(handler.respond, ctx, parsed, prepared)
        else:
            reply = handler.respond(ctx, parsed, prepared)
        remember = isinstance(reply, JsonReply) and reply.repeatable
        remember = remember and (ctx.faults is None or ctx.faults.filter_error is None)
        if key is not None and handler.renew is not None and isinstance(reply, JsonReply) and remember:
            # Serialise once here: the size decides whether to remember it, and delivery
            # then sends these bytes.
            reply = JsonReply(reply.body, reply.status, reply.payload())
            size = len(raw) + len(reply.encoded or b"")
            self.memo.put(key, Remembered(ctx.deployment.name, estimated, reply, size))
        return reply

    async def _apply_faults(self, ctx: RequestContext, raw: bytes) -> None:
        """The active scenario's faults: those before the answer run now (a delay waits, an
        error is raised, a reset aborts); those inside a stream go with the reply."""
        assert ctx.api_version is not None
        # Remembered answers are plain JSON; otherwise the parsed body says.
        streaming = ctx.body is not None and ctx.body.get("stream") is True
        # Reads of stored resources have no deployment: a rule matching one does not apply.
        deployment = ctx.deployment.name if ctx.deployment else ""
        plan = self.faults.plan(
            ctx.request_headers, ctx.operation.name, deployment, ctx.api_version.name, raw, streaming
        )
        if plan is None:
            return
        ctx.faults = plan
        request = ctx.request

        async def wait(seconds: float) -> None:
            # Sleep, but stop as soon as the client hangs up: the body is read, so the next
            # message on the channel is the disconnect.
            with anyio.move_on_after(seconds):
                while (await request.receive())["type"] != "http.disconnect":
                    pass

        names = {"operation_id": ctx.operation.operation_id, "api_version": ctx.api_version.name}
        for action in plan.before:
            await action.run(plan.rng, wait, names)
        ctx.paced_from = time.monotonic()

    def _filter_prompt(self, ctx: RequestContext, parsed: Any, prepared: Any) -> None:
        """The deployment's content-filter policy on each prompt: Azure's 400 for a blocked
        one; otherwise its annotations, and what the filter will find in the answer. A
        scenario's ``filter_error`` stands in for the filter where it fails: an error object
        instead of categories, and nothing blocked."""
        handler = ctx.operation.handler
        assert handler is not None
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

    def _resolve_api_version(self, ctx: RequestContext) -> None:
        query = _api_version_of(ctx.request.scope["query_string"])
        version = self.catalog.v1(query) if ctx.surface == "v1" else self.catalog.dated(query)
        if version is None:
            raise ResourceNotFound()
        if version.rules_for(ctx.operation.name) is None:
            raise ApiVersionNotSupported()
        if ctx.operation.handler is None:
            # A real Azure operation the emulator does not serve yet.
            raise ResourceNotFound()
        ctx.api_version = version

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = RequestHeaders(request.scope["headers"]).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(limit)
        # Straight from the ASGI channel: Starlette's stream() adds a generator per request.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await request.receive()
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

    def _resolve_deployment(self, ctx: RequestContext) -> None:
        if ctx.deployment_name is None and ctx.body is not None:
            # v1 routes (and the dated root, /openai/responses) carry the deployment in the
            # body's `model`.
            model = ctx.body.get("model")
            if model is None:
                raise missing_parameter("model")
            if not isinstance(model, str):
                raise invalid_type("model", "a string", model)
            ctx.deployment_name = model
        deployment = self.deployments.resolve(ctx.deployment_name or "")
        if deployment is None:
            raise DeploymentNotFound()
        if deployment.family not in ctx.operation.families:
            raise OperationNotSupported(ctx.operation.display, deployment.model.name)
        ctx.deployment = deployment

    def _admit(self, ctx: RequestContext, estimated_tokens: int) -> None:
        assert ctx.deployment is not None and ctx.api_version is not None
        operation_id = ctx.operation.operation_id
        reading = self.limiter.admit(ctx.deployment, estimated_tokens, operation_id, ctx.api_version.name)
        ctx.quota = reading
        ctx.tokens_charged = estimated_tokens
        ctx.headers.update(reading.headers())

    def _reject_unknown_parameters(self, ctx: RequestContext) -> None:
        assert ctx.api_version is not None and ctx.body is not None
        rules = ctx.api_version.rules_for(ctx.operation.name)
        assert rules is not None
        allowed = rules.params
        everywhere = self.catalog.accepted_everywhere
        unknown = [key for key in ctx.body if key not in allowed and key not in everywhere]
        if unknown:
            raise UnrecognizedArgument(unknown)

    # -- headers ---------------------------------------------------------------------------

    def _base_headers(self, ctx: RequestContext) -> dict[str, str]:
        return self._headers_for(ctx.request, ctx.request_id)

    def _headers_for(self, request: Request, request_id: str) -> dict[str, str]:
        headers = {
            "x-request-id": request_id,
            "apim-request-id": request_id,
            "x-ms-region": self.settings.region,
            # Azure lets browsers call it directly (service.md 4.4: seen on every response).
            "access-control-allow-origin": "*",
        }
        client_request_id = request.headers.get("x-ms-client-request-id")
        if client_request_id:
            headers["x-ms-client-request-id"] = client_request_id
        return headers
