"""Each request is recorded once it is over: how it ended, when its first and last bytes left,
what it sent and the headers the client got. Driven through the openai client."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.settings import DeploymentConfig, Settings, TimingConfig
from support import running_emulator, wait_until

HELLO = [{"role": "user", "content": "Hello there"}]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    # "paced" streams a token every 20 ms, so a client can leave in the middle of one.
    settings = Settings.build(
        timing_profiles={"paced": TimingConfig(ttft_ms=50, tokens_per_s=50)},
        deployments={
            "chat": DeploymentConfig(model="gpt-4o-mini"),
            "paced": DeploymentConfig(model="gpt-4o-mini", timing="paced", reply_tokens=200),
        },
    )
    with running_emulator(settings) as url:
        yield url


def client(endpoint: str, test_id: str, scenario: str | None = None) -> AzureOpenAI:
    headers = {"x-test-id": test_id, **({"x-emulator-scenario": scenario} if scenario else {})}
    return AzureOpenAI(
        azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0, default_headers=headers
    )


def recorded(endpoint: str, test_id: str, count: int = 1) -> list[dict[str, Any]]:
    """This test's journal entries, once ``count`` of them are there."""

    def entries() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(
            f"{endpoint}/_emulator/requests", params={"header": f"x-test-id:{test_id}"}
        ).json()["requests"]
        return found if len(found) >= count else []

    return wait_until(entries)


def test_a_plain_answer_is_completed_with_its_bytes_and_the_headers_the_client_got(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        raw = azure.chat.completions.with_raw_response.create(model="chat", messages=HELLO)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"], entry["streamed"], entry["events_sent"]) == (200, "completed", False, 0)
    assert entry["bytes_sent"] == len(raw.http_response.content)
    assert 0 < entry["first_byte_ms"] <= entry["duration_ms"]
    sent = entry["response_headers"]
    assert sent["x-request-id"] == entry["id"] == raw.headers["x-request-id"]
    assert sent["x-ratelimit-remaining-tokens"] == raw.headers["x-ratelimit-remaining-tokens"]
    assert sent["content-type"] == "application/json"


def test_a_stream_is_completed_with_every_event_it_sent(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        chunks = list(azure.chat.completions.create(model="chat", messages=HELLO, stream=True))
    [entry] = recorded(endpoint, test_id)
    assert (entry["outcome"], entry["streamed"]) == ("completed", True)
    # The chunks the client saw (the prompt annotation first among them), and [DONE].
    assert chunks[0].choices == [] and entry["events_sent"] == len(chunks) + 1


def test_a_stream_cut_by_a_fault_is_journaled_as_cut_with_the_events_sent_before_it(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    seen = []
    with client(endpoint, test_id, scenario="cut-stream") as azure:
        with pytest.raises(openai.APIConnectionError):
            for chunk in azure.chat.completions.create(model="chat", messages=HELLO, stream=True):
                seen.append(chunk)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"]) == (200, "cut")
    assert (entry["fault_rule"], entry["faults"]) == ("cut", ["cut_stream"])
    # cut-stream lets three events through: the prompt annotation and two chunks.
    assert entry["events_sent"] == len(seen) == 3
    assert entry["first_byte_ms"] <= entry["duration_ms"]


def test_a_client_that_leaves_mid_stream_is_journaled_as_client_disconnected(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        stream = azure.chat.completions.create(model="paced", messages=HELLO, stream=True)
        for count, _ in enumerate(stream, start=1):
            if count == 3:
                break
        stream.close()  # hangs up with most of the 200-token answer unsent
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"], entry["streamed"]) == (200, "client_disconnected", True)
    assert 3 <= entry["events_sent"] < 100


def test_a_client_that_leaves_during_a_long_stall_is_journaled_at_once(endpoint: str) -> None:
    # The stall would hold the stream for a minute: the hang-up ends it instead.
    name = f"stall-{uuid.uuid4().hex[:8]}"
    rule = {"name": "stall", "actions": [{"action": "stall", "after_chunks": 2, "stall_ms": 60_000}]}
    httpx.post(f"{endpoint}/_emulator/scenarios", json={"name": name, "rules": [rule]}).raise_for_status()
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id, scenario=name) as azure:
        stream = azure.chat.completions.create(model="chat", messages=HELLO, stream=True)
        next(iter(stream))  # the first chunk is there; the stall comes after the next one
        stream.close()
    [entry] = recorded(endpoint, test_id)  # within wait_until's 10 s, not the stall's 60
    assert (entry["status"], entry["outcome"], entry["faults"]) == (200, "client_disconnected", ["stall"])
    assert entry["events_sent"] == 2


def test_a_stream_with_an_error_event_is_journaled_as_such(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id, scenario="stream-error") as azure:
        with pytest.raises(openai.APIError):
            list(azure.chat.completions.create(model="chat", messages=HELLO, stream=True))
    [entry] = recorded(endpoint, test_id)
    assert (entry["outcome"], entry["faults"]) == ("error_event", ["stream_error"])
    assert entry["events_sent"] == 3  # two events, then the error


def test_a_dropped_connection_is_journaled_as_dropped_with_nothing_sent(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id, scenario="reset") as azure:
        with pytest.raises(openai.APIConnectionError):
            azure.chat.completions.create(model="chat", messages=HELLO)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"], entry["bytes_sent"]) == (499, "dropped", 0)
    assert entry["first_byte_ms"] is None and entry["response_headers"] == {}


def test_a_broken_json_answer_is_journaled_as_malformed(endpoint: str) -> None:
    scenario = {
        "name": f"broken-{uuid.uuid4().hex[:6]}",
        "rules": [{"name": "r", "actions": [{"action": "malformed"}]}],
    }
    assert httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario).status_code == 201
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id, scenario=scenario["name"]) as azure:
        with pytest.raises(json.JSONDecodeError):
            azure.chat.completions.create(model="chat", messages=HELLO)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"]) == (200, "malformed")


def test_a_429_keeps_the_retry_headers_the_client_read(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id, scenario="retry-then-succeed") as azure:
        with pytest.raises(openai.RateLimitError) as caught:
            azure.chat.completions.create(model="chat", messages=HELLO)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"]) == (429, "completed")
    assert entry["response_headers"]["retry-after-ms"] == caught.value.response.headers["retry-after-ms"] == "100"


def test_the_journal_filters_on_the_outcome(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        azure.chat.completions.create(model="chat", messages=HELLO)
    with client(endpoint, test_id, scenario="cut-stream") as azure:
        with pytest.raises(openai.APIConnectionError):
            list(azure.chat.completions.create(model="chat", messages=HELLO, stream=True))
    recorded(endpoint, test_id, count=2)
    mine = {"header": f"x-test-id:{test_id}"}
    cut = httpx.get(f"{endpoint}/_emulator/requests", params={**mine, "outcome": "cut"}).json()["requests"]
    done = httpx.get(f"{endpoint}/_emulator/requests", params={**mine, "outcome": "completed"}).json()["requests"]
    assert [e["streamed"] for e in cut] == [True] and [e["streamed"] for e in done] == [False]
    refused = httpx.get(f"{endpoint}/_emulator/requests", params={"outcome": "lost"})
    assert refused.status_code == 400
    assert "client_disconnected" in refused.json()["errors"][0]["title"]


def test_a_paced_stream_records_its_first_and_last_byte_times(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        list(azure.chat.completions.create(model="paced", messages=HELLO, stream=True, max_tokens=10))
    [entry] = recorded(endpoint, test_id)
    # The prompt annotation goes out at once. The rest (a role chunk, ten tokens, the finish
    # chunk and [DONE]) the content filter's default mode releases in groups of eight, one
    # group per eight token intervals: the first after the 50 ms to first token, the second
    # 160 ms later.
    assert entry["first_byte_ms"] < 50
    assert entry["duration_ms"] >= 50 + 8 * 20 - 2


def scenario_of(endpoint: str, *actions: dict[str, Any]) -> str:
    name = f"s-{uuid.uuid4().hex[:8]}"
    body = {"name": name, "rules": [{"name": "r", "actions": list(actions)}]}
    assert httpx.post(f"{endpoint}/_emulator/scenarios", json=body).status_code == 201
    return name


def test_a_hang_that_the_emulator_ends_is_journaled_as_dropped(endpoint: str, caplog: pytest.LogCaptureFixture) -> None:
    test_id = uuid.uuid4().hex
    hang = scenario_of(endpoint, {"action": "hang", "hang_ms": 100})
    with caplog.at_level(logging.WARNING):
        with client(endpoint, test_id, scenario=hang) as azure:
            with pytest.raises(openai.APIConnectionError):
                azure.chat.completions.create(model="chat", messages=HELLO)
        [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"], entry["faults"]) == (499, "dropped", ["hang"])
    assert entry["duration_ms"] >= 100
    # The server is told nothing is coming: it logs no error of its own.
    assert "without starting response" not in caplog.text


def test_a_client_that_leaves_during_a_fault_delay_gets_nothing_and_is_charged_nothing(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    slow = scenario_of(endpoint, {"action": "delay", "delay_ms": 2000})
    with client(endpoint, test_id, scenario=slow) as azure:
        with pytest.raises(openai.APITimeoutError):
            azure.with_options(timeout=0.3).chat.completions.create(model="chat", messages=HELLO)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"], entry["bytes_sent"]) == (499, "client_disconnected", 0)
    assert entry["tokens_charged"] is None and entry["first_byte_ms"] is None
    assert entry["duration_ms"] < 2000  # the wait ended when the client left


def test_a_client_that_leaves_while_a_plain_answer_is_paced_is_journaled_as_gone(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        with pytest.raises(openai.APITimeoutError):
            # 200 tokens at 50 a second: about 4 s before the answer would go out.
            prose = [{"role": "user", "content": "Tell me about the tides."}]
            azure.with_options(timeout=0.3).chat.completions.create(model="paced", messages=prose)
    [entry] = recorded(endpoint, test_id)
    assert (entry["status"], entry["outcome"], entry["bytes_sent"]) == (499, "client_disconnected", 0)
    assert entry["duration_ms"] < 2000


def test_the_journal_lists_requests_in_the_order_they_arrived(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with client(endpoint, test_id) as azure:
        stream = azure.chat.completions.create(model="paced", messages=HELLO, stream=True, max_tokens=20)
        next(iter(stream))  # the stream has begun, and goes on
        azure.chat.completions.create(model="chat", messages=HELLO)  # begun later, over first
        list(stream)
    first, second = recorded(endpoint, test_id, count=2)
    assert (first["streamed"], second["streamed"]) == (True, False)
    assert first["received_at"] < second["received_at"]


def test_a_head_request_sends_no_body_and_is_counted_so(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    response = httpx.head(f"{endpoint}/openai/v1/models", headers={"api-key": "k", "x-test-id": test_id})
    assert response.status_code == 404 and response.content == b""
    [entry] = recorded(endpoint, test_id)
    assert (entry["method"], entry["status"], entry["bytes_sent"]) == ("HEAD", 404, 0)


def test_a_file_download_is_recorded_with_its_bytes(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    headers = {"api-key": "k", "x-test-id": test_id}
    data = b'{"custom_id": "a"}\n' * 5000
    upload = httpx.post(
        f"{endpoint}/openai/v1/files", headers=headers, files={"file": ("d.jsonl", data)}, data={"purpose": "batch"}
    )
    file_id = upload.json()["id"]
    content = httpx.get(f"{endpoint}/openai/v1/files/{file_id}/content", headers=headers)
    assert content.content == data
    _, download = recorded(endpoint, test_id, count=2)
    assert (download["operation"], download["outcome"], download["bytes_sent"]) == (
        "files_content",
        "completed",
        len(data),
    )


def test_a_browser_preflight_is_recorded_too(endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    response = httpx.options(
        f"{endpoint}/openai/v1/chat/completions",
        headers={"origin": "http://app.example", "access-control-request-method": "POST", "x-test-id": test_id},
    )
    assert response.status_code == 200
    [entry] = recorded(endpoint, test_id)
    assert (entry["method"], entry["status"], entry["outcome"]) == ("OPTIONS", 200, "completed")
