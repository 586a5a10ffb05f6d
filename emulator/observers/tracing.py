"""OpenTelemetry, for teams whose collector already gathers their services' traces: with the
standard ``OTEL_EXPORTER_OTLP_*`` variables set (and the ``otel`` extra installed), each Azure
request becomes a span and a few measurements, named as the GenAI semantic conventions name
them, sent over OTLP/HTTP. Unset, nothing is imported and nothing runs.

The span is made once the request is over, from its ``Result`` (its times are the request's
own: arrival to last byte), so tracing adds nothing to a request's path but the export,
which the SDK batches on its own thread.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .result import Result

if TYPE_CHECKING:
    from ..delivery import Reply

log = logging.getLogger("emulator")

# Any of these turns tracing on (the SDK reads them all, and the rest of OTEL_*, itself).
_SWITCHES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
)
# The conventions' operation names (gen_ai.operation.name), by the emulator's operation.
_OPERATION_NAMES = {
    "chat_completions": "chat",
    "responses_create": "chat",
    "completions": "text_completion",
    "embeddings": "embeddings",
}
# The conventions' buckets for durations (seconds) and for token counts.
_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)


def from_environment(environ: Mapping[str, str] = os.environ) -> Tracing | None:
    """Tracing as the environment asks for it, or None (the default: off)."""
    if not any(environ.get(name) for name in _SWITCHES):
        return None
    try:
        return Tracing(environ)
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_* is set, but OpenTelemetry is not installed: "
            "pip install 'aoai-emulator[otel]' to send traces"
        )
        return None


class Tracing:
    def __init__(self, environ: Mapping[str, str]) -> None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.trace import SpanKind, Status, StatusCode

        from .. import __version__

        resource = Resource.create({SERVICE_NAME: environ.get("OTEL_SERVICE_NAME") or "aoai-emulator"})
        self._traces = TracerProvider(resource=resource)
        self._traces.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        durations = ExplicitBucketHistogramAggregation(_DURATION_BUCKETS)
        views = [
            View(instrument_name="gen_ai.server.request.duration", aggregation=durations),
            View(instrument_name="gen_ai.server.time_to_first_token", aggregation=durations),
            View(
                instrument_name="gen_ai.client.token.usage",
                aggregation=ExplicitBucketHistogramAggregation(_TOKEN_BUCKETS),
            ),
        ]
        self._metrics = MeterProvider(
            resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())], views=views
        )
        self._tracer = self._traces.get_tracer("aoai-emulator", __version__)
        meter = self._metrics.get_meter("aoai-emulator", __version__)
        self._duration = meter.create_histogram(
            "gen_ai.server.request.duration", unit="s", description="Generative AI server request duration"
        )
        self._first_token = meter.create_histogram(
            "gen_ai.server.time_to_first_token", unit="s", description="Time to generate the first token"
        )
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}", description="Number of input and output tokens used"
        )
        self._kind, self._status, self._code = SpanKind.SERVER, Status, StatusCode

    def observe(self, result: Result, reply: Reply | None, server: tuple[str, int] | None) -> None:
        attributes = _attributes(result, reply, server)
        start = int(result.received_at * 1e9)
        span = self._tracer.start_span(
            f"{attributes['gen_ai.operation.name']} {result.deployment or ''}".rstrip(),
            kind=self._kind,
            attributes=attributes,
            start_time=start,
        )
        if result.status >= 400 or result.outcome not in ("completed",):
            span.set_status(self._status(self._code.ERROR, f"{result.status} {result.outcome}"))
        span.end(end_time=start + int(result.last_byte_s * 1e9))
        common = {k: v for k, v in attributes.items() if k in _METRIC_ATTRIBUTES}
        self._duration.record(result.last_byte_s, common)
        first_token = _first_token_s(result)
        if first_token is not None:
            self._first_token.record(first_token, common)
        billed = result.billed
        if billed is not None:
            for kind, count in (("input", billed.input_tokens), ("output", billed.output_tokens)):
                if count:
                    self._tokens.record(count, {**common, "gen_ai.token.type": kind})

    def close(self) -> None:
        """Send what is pending, then stop."""
        self._traces.shutdown()
        self._metrics.shutdown()


_METRIC_ATTRIBUTES = frozenset(
    {
        "gen_ai.operation.name",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "error.type",
        "server.address",
        "server.port",
    }
)


def _attributes(result: Result, reply: Reply | None, server: tuple[str, int] | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "gen_ai.operation.name": _OPERATION_NAMES.get(result.operation, result.operation),
        "gen_ai.provider.name": "azure.ai.openai",
        "http.request.method": result.method,
        "http.response.status_code": result.status,
        "url.path": result.path,
        "azure.request_id": result.id,
        "aoai_emulator.outcome": result.outcome,
    }
    if result.deployment:
        found["gen_ai.request.model"] = result.deployment
    if result.api_version:
        found["azure.resource_provider.api_version"] = result.api_version
    if server is not None:
        host, port = server
        if isinstance(host, str):
            found["server.address"] = host
        if isinstance(port, int):  # a unix socket has none
            found["server.port"] = port
    if result.status >= 400:
        found["error.type"] = str(result.status)
    elif result.outcome != "completed":
        found["error.type"] = result.outcome
    if result.fault_rule:
        found["aoai_emulator.fault_rule"] = result.fault_rule
    billed = result.billed
    if billed is not None:
        found["gen_ai.usage.input_tokens"] = billed.input_tokens
        found["gen_ai.usage.output_tokens"] = billed.output_tokens
    body = getattr(reply, "body", None) if result.status < 400 else None
    if body is None and result.streamed:
        body = _first_chunk(result)
    if isinstance(body, dict):
        if isinstance(body.get("model"), str):
            found["gen_ai.response.model"] = body["model"]
        if isinstance(body.get("id"), str):
            found["gen_ai.response.id"] = body["id"]
    reasons = _finish_reasons(reply, body)
    if reasons:
        found["gen_ai.response.finish_reasons"] = reasons
    return found


def _first_content(result: Result) -> int | None:
    """The index of a stream's first event with content (chat and completions: after the
    prompt's annotation), among the events the journal kept."""
    for index, piece in enumerate(result.events()):
        if b'"choices":[{' in piece and (b'"delta"' in piece or b'"text"' in piece):
            return index
        if b"output_text.delta" in piece:
            return index
    return None


def _first_token_s(result: Result) -> float | None:
    if not result.streamed:
        return None
    index = _first_content(result)
    return result.event_times[index] if index is not None and index < len(result.event_times) else None


def _first_chunk(result: Result) -> dict[str, Any] | None:
    """A chat or completions stream's first content chunk: its id and model are the answer's."""
    index = _first_content(result)
    if index is None:
        return None
    data = result.events()[index].partition(b"data: ")[2]
    try:
        chunk = json.loads(data)
    except ValueError:
        return None
    return {k: chunk[k] for k in ("id", "model") if isinstance(chunk, dict) and isinstance(chunk.get(k), str)}


def _finish_reasons(reply: Reply | None, body: Any) -> list[str]:
    given = getattr(reply, "finish_reasons", None)
    if given:
        return list(given)
    choices = body.get("choices") if isinstance(body, dict) else None
    if isinstance(choices, list):
        return [c["finish_reason"] for c in choices if isinstance(c, dict) and isinstance(c.get("finish_reason"), str)]
    return []
