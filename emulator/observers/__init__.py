"""What every answered request leaves behind, made from its ``Result`` once it is over: its
journal entry, its metrics, its access-log line, what the retry watch learns from it, its
share of the quota and the cost, and a row for whoever watches the live feed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..prices import price_table
from . import accesslog
from .billing import billed
from .costs import Costs
from .feed import Feed
from .journal import KEPT_BODY_BYTES, Journal, pack
from .metrics import Metrics
from .quota_use import QuotaUse
from .result import Result
from .retries import RetryWatch
from .tracing import from_environment

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..delivery import Reply
    from ..settings import Settings
    from ..transmission import Transmission


class Observers:
    def __init__(self, settings: Settings) -> None:
        self.journal = Journal(settings.journal_size)
        self.metrics = Metrics()
        self.retries = RetryWatch()
        self.quota_use = QuotaUse()
        self.costs = Costs(price_table())
        self.feed = Feed()
        self.tracing = from_environment()  # None unless OTEL_EXPORTER_OTLP_* asks for it
        # What was sent is kept for the journal alone: with it off, nothing is.
        self.keeps_bodies = self.journal.enabled
        self._log_bodies = settings.log_bodies
        self._log_format = settings.log_format

    def record(self, ctx: RequestContext, wire: Transmission) -> None:
        """The request is over: its one result, to each observer."""
        self.publish(self.result_of(ctx, wire), ctx.reply, ctx.request.scope.get("server"))

    def publish(self, result: Result, reply: Reply | None = None, server: tuple[str, int] | None = None) -> None:
        """A result, to every observer (a realtime session's comes here straight: it has no
        Transmission, and no reply of its own)."""
        self.journal.record(result)
        self.metrics.observe(result)
        self.retries.observe(result)
        self.quota_use.observe(result)
        self.costs.observe(result)
        self.feed.publish(result)
        if self.tracing is not None:
            self.tracing.observe(result, reply, server)
        if accesslog.enabled():
            accesslog.write(result, self._log_bodies, self._log_format)

    def result_of(self, ctx: RequestContext, wire: Transmission) -> Result:
        scope = ctx.request.scope
        client = (scope.get("client") or ("",))[0]
        deployment = ctx.deployment.name if ctx.deployment else ctx.deployment_name
        retry_count = _retry_count(ctx)
        if ctx.early_retry is None:  # the pipeline did not get as far as judging it
            self.judge_retry(ctx)
        early = bool(ctx.early_retry)
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
            quota_refused=ctx.quota_refused,
            retry_count=retry_count,
            early_retry=early,
            model=ctx.deployment.model.name if ctx.deployment else None,
            test_id=ctx.request_headers.get("x-test-id"),
            response_body=wire.kept_body(),
            event_times=tuple(wire.event_times),
            billed=billed(ctx.reply) if wire.status is not None and wire.status < 400 else None,
        )

    def judge_retry(self, ctx: RequestContext) -> float | None:
        """Whether the request is a retry that came sooner than the retry-after this client
        was given (``ctx.early_retry``), and by how many seconds."""
        scope = ctx.request.scope
        client = (scope.get("client") or ("",))[0]
        deployment = ctx.deployment.name if ctx.deployment else ctx.deployment_name
        wait = self.retries.wait_left((client, deployment or "", ctx.operation.name), _retry_count(ctx), ctx.received)
        ctx.early_retry = wait is not None
        return wait

    def close(self) -> None:
        """The emulator is stopping: what is still to be exported goes out."""
        if self.tracing is not None:
            self.tracing.close()

    def forget(self) -> None:
        """An empty journal, and no retry waits remembered."""
        self.journal.clear()
        self.retries.clear()


def _retry_count(ctx: RequestContext) -> int | None:
    # The openai SDKs number their retries (1 and up); other clients are not judged.
    retries = ctx.request_headers.get("x-stainless-retry-count") or ""
    return int(retries) if retries.isdecimal() else None
