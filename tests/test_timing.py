"""Timing profiles: time to first token, token pace and fixed waits, as configured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import AzureOpenAI

from emulator.settings import ConfigError, DeploymentConfig, Settings, TimingConfig, load_config_file
from support import assert_close, running_emulator

QUESTION = [{"role": "user", "content": "How should I plan a database migration?"}]


@pytest.fixture(scope="module")
def timed_endpoint() -> Iterator[str]:
    settings = Settings.build(
        timing_profiles={"brisk": TimingConfig(ttft_ms=200, tokens_per_s=50), "fixed": TimingConfig(fixed_ms=150)},
        deployments={
            "timed-chat": DeploymentConfig(model="gpt-4o", timing="brisk", reply_tokens=20),
            "timed-embeddings": DeploymentConfig(model="text-embedding-3-small", timing="fixed"),
            "instant-chat": DeploymentConfig(model="gpt-4o"),
        },
        infer_deployments=False,
    )
    with running_emulator(settings) as url:
        yield url


@pytest.fixture
def client(timed_endpoint: str) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=timed_endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as c:
        yield c


def test_a_stream_keeps_time_to_first_token_and_the_token_pace(client: AzureOpenAI) -> None:
    # The SDK's first stream in a process loads what it parses chunks with (tens of ms,
    # counted on the client's side): one before the measured one keeps that out.
    list(client.chat.completions.create(model="instant-chat", messages=QUESTION, stream=True))
    started = time.monotonic()
    arrivals = []
    for chunk in client.chat.completions.create(model="timed-chat", messages=QUESTION, stream=True):
        if chunk.choices:
            arrivals.append(time.monotonic())
    assert_close(arrivals[0] - started, 0.200, 0.06)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert_close(sum(gaps) / len(gaps), 0.020, 0.005)


def test_a_plain_answer_waits_for_every_token(client: AzureOpenAI) -> None:
    started = time.monotonic()
    completion = client.chat.completions.create(model="timed-chat", messages=QUESTION)
    expected = 0.200 + completion.usage.completion_tokens / 50
    assert_close(time.monotonic() - started, expected, 0.08)


def test_fixed_waits_for_operations_without_tokens(client: AzureOpenAI) -> None:
    started = time.monotonic()
    client.embeddings.create(model="timed-embeddings", input="x")
    assert_close(time.monotonic() - started, 0.150, 0.06)


def test_the_plan_is_in_the_server_timing_header(timed_endpoint: str) -> None:
    response = httpx.post(
        f"{timed_endpoint}/openai/deployments/timed-embeddings/embeddings",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k"},
        json={"input": "x"},
    )
    assert response.headers["server-timing"] == "ttft;dur=0, token;dur=0.000"
    instant = httpx.post(
        f"{timed_endpoint}/openai/deployments/instant-chat/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k"},
        json={"messages": QUESTION},
    )
    assert "server-timing" not in instant.headers


def test_deployments_answer_at_once_by_default(client: AzureOpenAI) -> None:
    started = time.monotonic()
    client.chat.completions.create(model="instant-chat", messages=QUESTION)
    assert time.monotonic() - started < 0.2


def test_an_unknown_profile_in_a_config_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "emulator.yaml"
    path.write_text("deployments:\n  chat:\n    model: gpt-4o\n    timing: glacial\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert str(caught.value).startswith(f"{path}: line 4: deployments.chat.timing: unknown timing profile 'glacial'")


@pytest.fixture(scope="module")
def buffered_endpoint() -> Iterator[str]:
    settings = Settings.build(
        timing_profiles={"steady": TimingConfig(ttft_ms=50, tokens_per_s=100)},
        deployments={
            "buffered": DeploymentConfig(model="gpt-4o", timing="steady", reply_tokens=30),
            "flowing": DeploymentConfig(
                model="gpt-4o", timing="steady", reply_tokens=30, content_filter="asynchronous"
            ),
        },
        infer_deployments=False,
    )
    with running_emulator(settings) as url:
        yield url


def arrival_gaps(endpoint: str, deployment: str) -> list[float]:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as client:
        arrivals = []
        for chunk in client.chat.completions.create(model=deployment, messages=QUESTION, stream=True):
            if chunk.id:  # the model's events, not the filter's blank-id annotations
                arrivals.append(time.monotonic())
    return [b - a for a, b in zip(arrivals, arrivals[1:])]


def test_the_default_filter_mode_releases_a_stream_in_bursts(buffered_endpoint: str) -> None:
    gaps = arrival_gaps(buffered_endpoint, "buffered")
    # Groups of 8 events every 8 token intervals (80 ms): long gaps between groups, next to
    # none inside them.
    long = [g for g in gaps if g > 0.04]
    assert len(long) == len(gaps) // 8
    assert all(abs(g - 0.080) < 0.03 for g in long)
    assert all(g < 0.02 for g in gaps if g <= 0.04)


def test_the_asynchronous_filter_mode_streams_event_by_event(buffered_endpoint: str) -> None:
    gaps = arrival_gaps(buffered_endpoint, "flowing")
    assert_close(sum(gaps) / len(gaps), 0.010, 0.004)
    assert max(gaps) < 0.04


def test_a_burst_goes_out_in_one_write_and_the_journal_still_lists_each_event(buffered_endpoint: str) -> None:
    """Each burst of 8 events leaves as one piece of the body (one HTTP chunk), yet the client
    parses every event, and the journal counts and keeps them one by one, with their times."""
    with httpx.Client(base_url=buffered_endpoint, headers={"api-key": "k", "x-test-id": "burst-write"}) as http:
        with http.stream(
            "POST",
            "/openai/deployments/buffered/chat/completions",
            params={"api-version": "2024-10-21"},
            json={"messages": QUESTION, "stream": True},
        ) as response:
            pieces = list(response.iter_raw())
        body = b"".join(pieces)
        events = [e for e in body.split(b"\n\n") if e]
        assert all(e.startswith(b"data: ") for e in events) and events[-1] == b"data: [DONE]"
        # The annotation alone, then the model's events eight at a time (the last group shorter).
        assert len(pieces) < len(events) / 4
        entry = next(e for e in http.get("/_emulator/requests").json()["requests"] if e["test_id"] == "burst-write")
    assert entry["events_sent"] == len(events)
    kept = [e["data"] for e in entry["events"]]
    # Each event apart, as sent, as far as the journal keeps the body (the last kept one cut).
    assert kept[:10] == [e.decode() + "\n\n" for e in events[:10]]
    assert all(k is None or (e.decode() + "\n\n").startswith(k) for k, e in zip(kept, events))
    times = [e["at_ms"] for e in entry["events"]]
    assert times[1] == times[8] and times[9] > times[8] + 40  # a group shares its moment; the next is 80 ms on
