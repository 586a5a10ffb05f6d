"""Prometheus metrics after a known sequence of requests."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from emulator.settings import DeploymentConfig, Settings
from support import running_emulator

CHAT = "/openai/deployments/{}/chat/completions"
GA = {"api-version": "2024-10-21"}
MESSAGES = {"messages": [{"role": "user", "content": "Hello"}]}
_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text: (name, labels) -> value, checking every line is well formed."""
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        found = _SAMPLE.match(line)
        assert found, f"not a sample: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', found["labels"] or ""))
        samples[(found["name"], labels)] = float(found["value"])
    return samples


@pytest.fixture(scope="module")
def fresh() -> Iterator[httpx.Client]:
    settings = Settings.build(
        deployments={
            "chat": DeploymentConfig(model="gpt-4o"),
            "embed": DeploymentConfig(model="text-embedding-3-small"),
        },
        infer_deployments=False,
    )
    with running_emulator(settings) as url:
        with httpx.Client(base_url=url, headers={"api-key": "k"}, timeout=10) as client:
            yield client


def test_metrics_count_a_known_sequence(fresh: httpx.Client) -> None:
    assert fresh.post(CHAT.format("chat"), params=GA, json=MESSAGES).status_code == 200
    assert fresh.post(CHAT.format("chat"), params=GA, json=MESSAGES).status_code == 200  # remembered
    embed = fresh.post("/openai/deployments/embed/embeddings", params=GA, json={"input": "one two three"})
    assert embed.status_code == 200
    assert fresh.post(CHAT.format("missing"), params=GA, json=MESSAGES).status_code == 404
    throttled = fresh.post(CHAT.format("chat"), params=GA, json=MESSAGES, headers={"x-emulator-scenario": "throttled"})
    assert throttled.status_code == 429

    response = fresh.get("/_emulator/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = parse(response.text)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    requests = "aoai_emulator_requests_total"
    assert value(requests, operation="chat_completions", deployment="chat", status="200") == 2
    assert value(requests, operation="embeddings", deployment="embed", status="200") == 1
    assert value(requests, operation="chat_completions", deployment="missing", status="404") == 1
    assert value(requests, operation="chat_completions", deployment="chat", status="429") == 1
    assert value("aoai_emulator_throttled_total", operation="chat_completions", deployment="chat") == 1
    assert value("aoai_emulator_outcomes_total", operation="chat_completions", outcome="completed") == 4
    assert value("aoai_emulator_faults_applied_total", rule="throttle-everything", action="error") == 1
    assert value("aoai_emulator_tokens_charged_total", deployment="embed") == 4  # a token per 4 characters, +1
    assert value("aoai_emulator_tokens_charged_total", deployment="chat") > 0
    histogram = "aoai_emulator_request_duration_seconds"
    assert value(f"{histogram}_count", operation="chat_completions") == 4
    assert value(f"{histogram}_bucket", operation="chat_completions", le="+Inf") == 4
    buckets = sorted(
        (float(dict(labels)["le"]), v)
        for (name, labels), v in samples.items()
        if name == f"{histogram}_bucket" and dict(labels)["operation"] == "embeddings"
    )
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)  # cumulative
    assert value(f"{histogram}_sum", operation="embeddings") > 0


def test_the_metrics_route_takes_get_only(fresh: httpx.Client) -> None:
    response = fresh.post("/_emulator/metrics")
    assert response.status_code == 405
    assert "errors" in response.json()
