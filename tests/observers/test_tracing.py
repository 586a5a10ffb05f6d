"""OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, each Azure request is sent as a span
(and measurements) named by the GenAI semantic conventions, over OTLP/HTTP, here to a
collector in the test process; unset, OpenTelemetry is not even imported."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
import pytest
import websockets.sync.client
from openai import AzureOpenAI
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from emulator.settings import Settings
from support import running_emulator, wait_until

HELLO = [{"role": "user", "content": "Hello"}]


class Collector:
    """An OTLP/HTTP receiver: what the emulator exported, decoded."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.metrics: list[Any] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["content-length"]))
                if self.path == "/v1/traces":
                    request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                    for resource in request.resource_spans:
                        for scope in resource.scope_spans:
                            collector.spans += [(resource.resource, span) for span in scope.spans]
                    answer = trace_service_pb2.ExportTraceServiceResponse()
                else:
                    request = metrics_service_pb2.ExportMetricsServiceRequest.FromString(body)
                    for resource in request.resource_metrics:
                        for scope in resource.scope_metrics:
                            collector.metrics += list(scope.metrics)
                    answer = metrics_service_pb2.ExportMetricsServiceResponse()
                data = answer.SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def attributes(item: Any) -> dict[str, Any]:
    found = {}
    for kv in item.attributes:
        value = kv.value
        kind = value.WhichOneof("value")
        found[kv.key] = (
            [v.string_value for v in value.array_value.values] if kind == "array_value" else getattr(value, kind)
        )
    return found


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[str, Collector]]:
    collector = Collector()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint)
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        env.setenv("OTEL_METRIC_EXPORT_INTERVAL", "200")
        env.delenv("OTEL_SERVICE_NAME", raising=False)
        with running_emulator(Settings.build()) as url:
            yield url, collector
    collector.server.shutdown()


def span_of(collector: Collector, request_id: str) -> tuple[Any, Any]:
    return wait_until(
        lambda: next(((r, s) for r, s in collector.spans if attributes(s).get("azure.request_id") == request_id), None)
    )


def test_a_chat_completion_is_a_span_with_the_genai_attributes(traced: tuple[str, Collector]) -> None:
    endpoint, collector = traced
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21") as client:
        raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    answer = raw.parse()
    resource, span = span_of(collector, raw.headers["x-request-id"])
    found = attributes(span)
    assert span.name == "chat gpt-4o"
    assert span.kind == span.SPAN_KIND_SERVER
    assert attributes(resource)["service.name"] == "aoai-emulator"
    assert answer.usage is not None
    assert found["gen_ai.operation.name"] == "chat"
    assert found["gen_ai.provider.name"] == "azure.ai.openai"
    assert found["gen_ai.request.model"] == "gpt-4o"
    assert found["gen_ai.response.model"] == answer.model
    assert found["gen_ai.response.id"] == answer.id
    assert found["gen_ai.usage.input_tokens"] == answer.usage.prompt_tokens
    assert found["gen_ai.usage.output_tokens"] == answer.usage.completion_tokens
    assert found["gen_ai.response.finish_reasons"] == ["stop"]
    assert found["http.response.status_code"] == 200
    assert "error.type" not in found
    # The span is the request's own time: arrival to last byte, as the journal has it.
    entry = httpx.get(f"{endpoint}/_emulator/requests/{raw.headers['x-request-id']}").json()
    assert span.start_time_unix_nano == int(entry["received_at"] * 1e9)
    assert abs((span.end_time_unix_nano - span.start_time_unix_nano) / 1e6 - entry["duration_ms"]) < 0.01


def test_a_stream_and_an_error_are_traced_as_they_ended(traced: tuple[str, Collector]) -> None:
    endpoint, collector = traced
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as client:
        stream = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=HELLO, stream=True)
        list(stream.parse())
        with pytest.raises(openai.RateLimitError) as refused:
            client.with_options(default_headers={"x-emulator-scenario": "throttled"}).chat.completions.create(
                model="gpt-4o", messages=HELLO
            )
    _, streamed = span_of(collector, stream.headers["x-request-id"])
    assert attributes(streamed)["gen_ai.response.finish_reasons"] == ["stop"]
    assert attributes(streamed)["gen_ai.response.model"].startswith("gpt-4o-mini-")
    assert attributes(streamed)["gen_ai.response.id"].startswith("chatcmpl-")
    assert attributes(streamed)["gen_ai.usage.output_tokens"] > 0  # billed though include_usage was not asked
    _, failed = span_of(collector, refused.value.response.headers["x-request-id"])
    found = attributes(failed)
    assert found["error.type"] == "429" and found["aoai_emulator.fault_rule"] == "throttle-everything"
    assert failed.status.code == failed.status.STATUS_CODE_ERROR


def test_a_realtime_session_is_a_span_with_its_tokens(traced: tuple[str, Collector]) -> None:
    endpoint, collector = traced
    url = endpoint.replace("http://", "ws://") + "/openai/v1/realtime?model=gpt-realtime"
    with websockets.sync.client.connect(url, additional_headers={"api-key": "k"}) as socket:
        assert socket.response is not None
        request_id = socket.response.headers["x-request-id"]
        socket.send(
            json.dumps({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}})
        )
        socket.send(json.dumps({"type": "response.create"}))
        while (event := json.loads(socket.recv()))["type"] != "response.done":
            pass
    usage = event["response"]["usage"]
    _, span = span_of(collector, request_id)
    found = attributes(span)
    assert span.name == "realtime gpt-realtime"
    assert found["http.response.status_code"] == 101 and found["aoai_emulator.outcome"] == "completed"
    assert found["gen_ai.usage.input_tokens"] == usage["input_tokens"]
    assert found["gen_ai.usage.output_tokens"] == usage["output_tokens"]
    assert "error.type" not in found


def test_the_conventions_metrics_are_sent(traced: tuple[str, Collector]) -> None:
    endpoint, collector = traced
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21") as client:
        client.embeddings.create(model="text-embedding-3-small", input="metrics")
        list(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    names = wait_until(
        lambda: (
            {m.name for m in collector.metrics}
            if {"gen_ai.server.request.duration", "gen_ai.client.token.usage"} <= {m.name for m in collector.metrics}
            else None
        )
    )
    assert "gen_ai.server.request.duration" in names
    first_token = wait_until(
        lambda: next((m for m in collector.metrics if m.name == "gen_ai.server.time_to_first_token"), None)
    )
    # Streams only: the time to the first content, after the prompt's annotation.
    assert sum(point.count for point in first_token.histogram.data_points) >= 1
    usage = next(m for m in collector.metrics if m.name == "gen_ai.client.token.usage")
    kinds = {attributes(point)["gen_ai.token.type"] for point in usage.histogram.data_points}
    assert "input" in kinds


def test_without_the_variables_opentelemetry_is_not_imported() -> None:
    code = (
        "import os, sys\n"
        "for k in [k for k in os.environ if k.startswith('OTEL_')]: del os.environ[k]\n"
        "from emulator.app import build_app\n"
        "from emulator.settings import Settings\n"
        "app = build_app(Settings.build())\n"
        "print(app.state.pipeline.observers.tracing, any(m.startswith('opentelemetry') for m in sys.modules))\n"
    )
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert printed.stdout.split() == ["None", "False"]
