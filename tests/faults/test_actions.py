"""Fault actions, each proved with the official client's documented retry behaviour: errors,
resets, hangs, delays, and what can happen to a stream."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import httpx
import openai
import pytest
from openai import AzureOpenAI

from support import assert_valid_response, rule_counts

HELLO = [{"role": "user", "content": "Hello"}]


def test_two_429s_then_success_with_the_default_retries(
    client_for: Callable[..., AzureOpenAI], fault_endpoint: str
) -> None:
    client = client_for("retry-then-succeed", headers={"x-test-id": uuid.uuid4().hex})
    started = time.monotonic()
    completion = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    elapsed = time.monotonic() - started
    assert completion.choices[0].finish_reason == "stop"
    assert elapsed >= 0.2  # two waits of retry-after-ms 100


def test_no_retries_raise_rate_limit_error_with_the_headers(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]
) -> None:
    name = scenario(
        {"name": "429", "actions": [{"action": "error", "status": 429, "retry_after_ms": 1500, "retry_after_s": 2}]}
    )
    with pytest.raises(openai.RateLimitError) as caught:
        client_for(name, max_retries=0).chat.completions.create(model="gpt-4o", messages=HELLO)
    headers = caught.value.response.headers
    assert headers["retry-after-ms"] == "1500" and headers["retry-after"] == "2"
    assert caught.value.body["message"] == "Rate limit is exceeded. Try again in 2 seconds."
    assert headers["x-request-id"]


def test_server_errors_are_retried_with_backoff(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str], fault_endpoint: str
) -> None:
    name = scenario({"name": "503-twice", "when": {"first": 2}, "actions": [{"action": "error", "status": 503}]})
    started = time.monotonic()
    completion = client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert completion.choices
    assert time.monotonic() - started >= 0.375 + 0.75  # the client's backoff, without retry-after
    assert rule_counts(fault_endpoint, name)[0] == {
        "name": "503-twice",
        "match": {},
        "when": {"first": 2},
        "actions": [{"action": "error", "status": 503}],
        "matched": 3,
        "applied": 2,
    }


def test_should_retry_false_is_not_retried(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str], fault_endpoint: str
) -> None:
    name = scenario({"name": "no-retry", "actions": [{"action": "error", "status": 500, "should_retry": False}]})
    with pytest.raises(openai.InternalServerError):
        client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert rule_counts(fault_endpoint, name)[0]["applied"] == 1


def test_reset_is_a_connection_error_retried_by_the_client(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str], fault_endpoint: str
) -> None:
    name = scenario({"name": "reset", "actions": [{"action": "reset"}]})
    with pytest.raises(openai.APIConnectionError):
        client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert rule_counts(fault_endpoint, name)[0]["applied"] == 3


def test_reset_then_success_recovers(client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]) -> None:
    name = scenario({"name": "reset-once", "when": {"first": 1}, "actions": [{"action": "reset"}]})
    assert client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO).choices


def test_hang_makes_the_client_time_out(client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]) -> None:
    name = scenario({"name": "hang", "actions": [{"action": "hang", "hang_ms": 3000}]})
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client_for(name, max_retries=0, timeout=0.5).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert 0.5 <= time.monotonic() - started < 2.5


def test_delay_holds_the_answer_back(client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]) -> None:
    name = scenario({"name": "slow", "actions": [{"action": "delay", "delay_ms": 300}]})
    started = time.monotonic()
    client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert time.monotonic() - started >= 0.3


def test_a_cut_stream_raises_a_connection_error_mid_stream(client_for: Callable[..., AzureOpenAI]) -> None:
    stream = client_for("cut-stream").chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 3


def test_a_gentle_cut_ends_the_stream_without_done(fault_endpoint: str, scenario: Callable[..., str]) -> None:
    name = scenario({"name": "cut", "actions": [{"action": "cut_stream", "after_chunks": 2, "abrupt": False}]})
    response = httpx.post(
        f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k", "x-emulator-scenario": name},
        json={"messages": HELLO, "stream": True},
    )
    frames = [f for f in response.text.split("\n\n") if f]
    assert len(frames) == 2 and "[DONE]" not in response.text


def test_a_stream_error_event_raises_api_error(client_for: Callable[..., AzureOpenAI]) -> None:
    stream = client_for("stream-error").chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    with pytest.raises(openai.APIError) as caught:
        for _ in stream:
            pass
    assert caught.value.message == "The server had an error while processing your request. Sorry about that!"


def test_a_stall_pauses_the_stream(client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]) -> None:
    name = scenario({"name": "stall", "actions": [{"action": "stall", "after_chunks": 2, "stall_ms": 400}]})
    stream = client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    arrivals = [time.monotonic() for _ in stream]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert max(gaps) >= 0.35


def test_malformed_bodies_break_the_clients_parser(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]
) -> None:
    name = scenario({"name": "bad-json", "actions": [{"action": "malformed"}]})
    client = client_for(name, max_retries=0)
    with pytest.raises(json.JSONDecodeError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    with pytest.raises(json.JSONDecodeError):
        for _ in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True):
            pass


def test_a_stream_error_past_the_end_still_comes_before_done(fault_endpoint: str, scenario: Callable[..., str]) -> None:
    name = scenario({"name": "late", "actions": [{"action": "stream_error", "after_chunks": 1000}]})
    response = httpx.post(
        f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k", "x-emulator-scenario": name},
        json={"messages": HELLO, "stream": True},
    )
    assert '"error"' in response.text and "[DONE]" not in response.text


def test_placeholders_name_the_requests_operation_and_version(azure: Callable[..., AzureOpenAI], endpoint: str) -> None:
    with AzureOpenAI(
        azure_endpoint=endpoint,
        api_key="k",
        api_version="2024-02-01",
        max_retries=0,
        default_headers={"x-emulator-scenario": "throttled"},
    ) as client:
        with pytest.raises(openai.RateLimitError) as caught:
            client.embeddings.create(model="text-embedding-3-small", input="x")
    assert caught.value.body["message"].startswith(
        "Requests to the Embeddings_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded"
    )


@pytest.mark.parametrize(
    "delay", [{"min_ms": 150, "max_ms": 250}, {"mean_ms": 200, "stddev_ms": 20}], ids=["uniform", "normal"]
)
def test_delay_shapes(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str], delay: dict[str, int]
) -> None:
    name = scenario({"name": "d", "actions": [{"action": "delay", **delay}]})
    started = time.monotonic()
    client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert 0.1 <= time.monotonic() - started < 1.0


def test_a_failing_content_filter_annotates_with_an_error_and_blocks_nothing(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str]
) -> None:
    error = {"error": {"code": "content_filter_error", "message": "The contents are not filtered"}}
    client = client_for("filter-error")
    # Twice: the second (byte-identical) request must not be served from a remembered answer.
    for _ in range(2):
        completion = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello [[cf:hate=high]]"}]
        )
        assert completion.choices[0].finish_reason == "stop"
        assert completion.model_extra["prompt_filter_results"][0]["content_filter_results"] == error
        assert completion.choices[0].model_extra["content_filter_results"] == error
        assert_valid_response("2024-10-21", "chat/completions", completion.model_dump(exclude_unset=True))
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hello [[cf:completion:sexual=high]]"}], stream=True
    )
    chunks = list(stream)
    assert [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason] == ["stop"]
    assert any(c.model_extra["content_filter_results"] == error for chunk in chunks for c in chunk.choices)
    # Only the completion's filter fails: the prompt is judged and blocked as usual.
    partial = client_for(scenario({"name": "half", "actions": [{"action": "filter_error", "on": ["completion"]}]}))
    with pytest.raises(openai.BadRequestError) as caught:
        partial.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "[[cf:hate=high]]"}])
    assert caught.value.code == "content_filter"
    plain = partial.completions.create(model="gpt-35-turbo-instruct", prompt="Hi [[cf:completion:hate=high]]")
    assert plain.choices[0].finish_reason != "content_filter"
    assert plain.choices[0].model_extra["content_filter_results"] == error
    prompt_results = plain.model_extra["prompt_filter_results"][0]["content_filter_results"]
    assert prompt_results["hate"] == {"filtered": False, "severity": "safe"}
