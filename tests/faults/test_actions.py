"""Faults on demand, proved with the official client's documented retry behaviour."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.faults.engine import builtin_scenarios
from emulator.faults.scenario import ScenarioError, load_scenario_file
from emulator.settings import Settings
from support import assert_valid_response, running_emulator

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def fault_endpoint() -> Iterator[str]:
    with running_emulator(Settings.build()) as url:
        yield url


@pytest.fixture
def scenario(fault_endpoint: str) -> Callable[..., str]:
    """Add a scenario with a fresh name through the admin API; returns the name."""

    def add(*rules: dict[str, Any]) -> str:
        name = f"test-{uuid.uuid4().hex[:8]}"
        response = httpx.post(f"{fault_endpoint}/_emulator/scenarios", json={"name": name, "rules": list(rules)})
        assert response.status_code == 201, response.text
        return name

    return add


@pytest.fixture
def client_for(fault_endpoint: str) -> Iterator[Callable[..., AzureOpenAI]]:
    made: list[AzureOpenAI] = []

    def make(scenario: str, max_retries: int = 2, headers: dict[str, str] | None = None, **kwargs: Any) -> AzureOpenAI:
        made.append(
            AzureOpenAI(
                azure_endpoint=fault_endpoint,
                api_key="k",
                api_version="2024-10-21",
                max_retries=max_retries,
                default_headers={"x-emulator-scenario": scenario, **(headers or {})},
                **kwargs,
            )
        )
        return made[-1]

    yield make
    for c in made:
        c.close()


def counts(endpoint: str, name: str) -> list[dict[str, Any]]:
    return httpx.get(f"{endpoint}/_emulator/scenarios/{name}").json()["rules"]


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
    assert counts(fault_endpoint, name)[0] == {
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
    assert counts(fault_endpoint, name)[0]["applied"] == 1


def test_reset_is_a_connection_error_retried_by_the_client(
    client_for: Callable[..., AzureOpenAI], scenario: Callable[..., str], fault_endpoint: str
) -> None:
    name = scenario({"name": "reset", "actions": [{"action": "reset"}]})
    with pytest.raises(openai.APIConnectionError):
        client_for(name).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert counts(fault_endpoint, name)[0]["applied"] == 3


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


MATCHING = [
    ({"operation": "embeddings"}, "gpt-4o", {}, False),
    ({"operation": "chat_completions", "deployment": ["gpt-4o-mini", "gpt-4o"]}, "gpt-4o", {}, True),
    ({"api_version": "2024-06-01"}, "gpt-4o", {}, False),
    ({"api_version": "2024-10-21"}, "gpt-4o", {}, True),
    ({"headers": {"x-tenant": "blue"}}, "gpt-4o", {"x-tenant": "blue"}, True),
    ({"headers": {"x-tenant": "*"}}, "gpt-4o", {}, False),
    ({"headers": {"x-tenant": "*"}}, "gpt-4o", {"x-tenant": "anything"}, True),
    ({"body": "Hel+o"}, "gpt-4o", {}, True),
    ({"body": "^nothing$"}, "gpt-4o", {}, False),
]


@pytest.mark.parametrize(("match", "deployment", "headers", "fires"), MATCHING, ids=[str(m[0]) for m in MATCHING])
def test_rules_match_on_request_properties(
    fault_endpoint: str,
    scenario: Callable[..., str],
    match: dict[str, Any],
    deployment: str,
    headers: dict[str, str],
    fires: bool,
) -> None:
    name = scenario({"name": "m", "match": match, "actions": [{"action": "error", "status": 409}]})
    response = httpx.post(
        f"{fault_endpoint}/openai/deployments/{deployment}/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k", "x-emulator-scenario": name, **headers},
        json={"messages": HELLO},
    )
    assert (response.status_code == 409) == fires


@pytest.mark.parametrize(
    ("when", "pattern"),
    [({"first": 2}, "FF..."), ({"every": 2}, ".F.F."), ({"from": 4}, "...FF"), ({"first": 3, "every": 2}, ".F...")],
    ids=["first", "every", "from", "first-and-every"],
)
def test_counts_pick_which_requests_fail(
    fault_endpoint: str, scenario: Callable[..., str], when: dict[str, int], pattern: str
) -> None:
    name = scenario({"name": "c", "when": when, "actions": [{"action": "error", "status": 500}]})
    seen = ""
    for _ in range(5):
        response = httpx.post(
            f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k", "x-emulator-scenario": name},
            json={"messages": HELLO},
        )
        seen += "F" if response.status_code == 500 else "."
    assert seen == pattern


def test_counters_per_header_value_give_each_test_its_own_sequence(fault_endpoint: str) -> None:
    def status(test_id: str) -> int:
        return httpx.post(
            f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k", "x-emulator-scenario": "retry-then-succeed", "x-test-id": test_id},
            json={"messages": HELLO},
        ).status_code

    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    assert [status(a), status(b), status(a), status(b), status(a), status(b)] == [429, 429, 429, 429, 200, 200]


def test_for_seconds_recovers_after_the_time(fault_endpoint: str, scenario: Callable[..., str]) -> None:
    name = scenario({"name": "outage", "when": {"for_seconds": 0.3}, "actions": [{"action": "error", "status": 503}]})

    def status() -> int:
        return httpx.post(
            f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k", "x-emulator-scenario": name},
            json={"messages": HELLO},
        ).status_code

    assert status() == 503
    time.sleep(0.35)  # the scenario is about wall time: nothing to poll
    assert status() == 200


def test_probability_is_repeatable_with_the_seed(fault_endpoint: str) -> None:
    def pattern() -> str:
        httpx.post(f"{fault_endpoint}/_emulator/scenarios/reset", params={"name": "flaky-5xx"})
        out = ""
        for _ in range(40):
            response = httpx.post(
                f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
                params={"api-version": "2024-10-21"},
                headers={"api-key": "k", "x-emulator-scenario": "flaky-5xx"},
                json={"messages": HELLO},
            )
            out += {200: ".", 500: "5", 503: "3"}[response.status_code]
        return out

    first = pattern()
    assert first == pattern()
    assert 4 <= len(first) - first.count(".") <= 20


def test_every_built_in_scenario_loads_and_is_listed(fault_endpoint: str) -> None:
    names = set(builtin_scenarios())
    assert {
        "throttled",
        "flaky-5xx",
        "retry-then-succeed",
        "cut-stream",
        "slow-stream",
        "hang",
        "reset",
        "regional-outage",
        "stream-error",
    } <= names
    listed = httpx.get(f"{fault_endpoint}/_emulator/scenarios").json()
    assert names <= {s["name"] for s in listed["scenarios"]}
    assert all(s["description"] for s in listed["scenarios"] if s["name"] in names)


def test_the_throttled_scenario_answers_azures_429(client_for: Callable[..., AzureOpenAI]) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        client_for("throttled", max_retries=0).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert "have exceeded token rate limit" in caught.value.body["message"]
    assert caught.value.response.headers["policy-id"] == "DeploymentRatelimit-Token"


def test_a_scenario_active_from_the_start_applies_to_every_request() -> None:
    with running_emulator(Settings.build(scenario="regional-outage")) as url:
        response = httpx.post(
            f"{url}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k"},
            json={"messages": HELLO},
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "ServiceUnavailable"
        # Switched off at run time through the admin API.
        assert httpx.put(f"{url}/_emulator/scenarios/active", json={"name": None}).json() == {"active": None}
        assert (
            httpx.post(
                f"{url}/openai/deployments/gpt-4o/chat/completions",
                params={"api-version": "2024-10-21"},
                headers={"api-key": "k"},
                json={"messages": HELLO},
            ).status_code
            == 200
        )


def test_admin_api_refuses_bad_scenarios_with_the_problem(fault_endpoint: str) -> None:
    bad = {"name": "bad", "rules": [{"name": "r", "actions": [{"action": "explode"}]}]}
    response = httpx.post(f"{fault_endpoint}/_emulator/scenarios", json=bad)
    assert response.status_code == 400
    assert (
        "rule 'r'" in response.json()["errors"][0]["title"]
        and "unknown action 'explode'" in response.json()["errors"][0]["title"]
    )
    wrong_side = {"name": "bad", "rules": [{"name": "r", "actions": [{"action": "filter_error", "on": ["image"]}]}]}
    response = httpx.post(f"{fault_endpoint}/_emulator/scenarios", json=wrong_side)
    assert response.status_code == 400
    assert "(filter_error): on.0: Input should be 'prompt' or 'completion'" in response.json()["errors"][0]["title"]
    assert httpx.put(f"{fault_endpoint}/_emulator/scenarios/active", json={"name": "nope"}).status_code == 400
    assert httpx.get(f"{fault_endpoint}/_emulator/scenarios/nope").status_code == 404


def test_an_unknown_scenario_header_is_a_400(fault_endpoint: str) -> None:
    response = httpx.post(
        f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k", "x-emulator-scenario": "no-such-thing"},
        json={"messages": HELLO},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_scenario"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: x\n", "rules: a scenario needs a list of at least one rule"),
        ("name: x\nrules:\n  - name: r\n    actions: [{action: delay}]\n", "rule 'r' (rules[0]): actions[0] (delay)"),
        ("name: x\nrules:\n  - name: r\n    actions: [{action: error, status: 418}]\n", "status"),
        ("name: x\nrules:\n  - name: r\n    when: {first: 0}\n    actions: [{action: reset}]\n", "when.first"),
        (
            "name: x\nrules:\n  - name: r\n    match: {body: '('}\n    actions: [{action: reset}]\n",
            "invalid regular expression",
        ),
        ("name: x\nrules:\n  - {actions: [{action: cut_stream}]}\n", "give after_chunks or after_bytes"),
        ("name: [\n", "invalid YAML"),
    ],
    ids=["no-rules", "delay-without-time", "bad-status", "bad-count", "bad-regex", "cut-without-bound", "bad-yaml"],
)
def test_a_bad_scenario_file_names_the_file_rule_and_problem(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_file(path)
    assert str(caught.value).startswith(str(path))
    assert fragment in str(caught.value)


def test_the_built_in_hang_and_reset_scenarios(client_for: Callable[..., AzureOpenAI]) -> None:
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client_for("hang", max_retries=0, timeout=0.3).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert time.monotonic() - started < 2
    with pytest.raises(openai.APIConnectionError):
        client_for("reset", max_retries=0).chat.completions.create(model="gpt-4o", messages=HELLO)


def test_the_built_in_slow_stream_scenario_delays_and_stalls(client_for: Callable[..., AzureOpenAI]) -> None:
    started = time.monotonic()
    stream = client_for("slow-stream").chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    arrivals = [time.monotonic() for _ in stream]
    assert arrivals[0] - started >= 0.5
    assert max(b - a for a, b in zip(arrivals, arrivals[1:])) >= 1.9


@pytest.mark.parametrize(
    "scenario_body",
    [
        {"name": "x", "rules": [{"actions": [{"action": ["error"]}]}]},
        {"name": "x", "rules": [{"actions": [{"action": {}}]}]},
        {"name": ["x"], "rules": [{"actions": [{"action": "reset"}]}]},
        {"name": "x", "rules": "all"},
        {
            "name": "x",
            "rules": [{"actions": [{"action": "error", "status": 500, "headers": {"x-a": "b\r\nx-evil: 1"}}]}],
        },
        {"name": "x", "rules": [{"actions": [{"action": "error", "status": 500, "headers": {"x bad": "1"}}]}]},
        {"name": "x", "rules": [{"actions": [{"action": "error", "status": 500, "headers": {"content-length": "5"}}]}]},
        {"name": "x", "rules": [{"when": {"per_header": "x-☺"}, "actions": [{"action": "reset"}]}]},
        {"name": "x", "rules": [{"actions": [{"action": "hang", "hang_ms": 10**9}]}]},
        {"name": "throttled", "rules": [{"actions": [{"action": "reset"}]}]},
    ],
    ids=[
        "kind-list",
        "kind-map",
        "name-list",
        "rules-string",
        "crlf-header",
        "bad-header-name",
        "content-length",
        "non-ascii-header",
        "endless-hang",
        "built-in-name",
    ],
)
def test_admin_refuses_scenarios_it_could_not_run(fault_endpoint: str, scenario_body: dict[str, Any]) -> None:
    response = httpx.post(f"{fault_endpoint}/_emulator/scenarios", json=scenario_body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["title"]


@pytest.mark.parametrize("name", [[1], {}, 7])
def test_activating_something_that_is_not_a_name_is_a_400(fault_endpoint: str, name: Any) -> None:
    assert httpx.put(f"{fault_endpoint}/_emulator/scenarios/active", json={"name": name}).status_code == 400


def test_redefining_a_scenario_starts_its_counts_afresh(fault_endpoint: str) -> None:
    name = f"redefined-{uuid.uuid4().hex[:6]}"
    rule = {"name": "once", "when": {"first": 1}, "actions": [{"action": "error", "status": 500}]}

    def status() -> int:
        return httpx.post(
            f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k", "x-emulator-scenario": name},
            json={"messages": HELLO},
        ).status_code

    httpx.post(f"{fault_endpoint}/_emulator/scenarios", json={"name": name, "rules": [rule]})
    assert [status(), status()] == [500, 200]
    redefined = httpx.post(f"{fault_endpoint}/_emulator/scenarios", json={"name": name, "rules": [rule]})
    assert redefined.json()["rules"][0]["matched"] == 0
    assert status() == 500


def test_stream_only_rules_leave_plain_requests_alone(fault_endpoint: str, scenario: Callable[..., str]) -> None:
    name = scenario(
        {"name": "cut-once", "when": {"first": 1}, "actions": [{"action": "cut_stream", "after_chunks": 1}]}
    )
    url = f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions"
    headers = {"api-key": "k", "x-emulator-scenario": name}
    plain = httpx.post(url, params={"api-version": "2024-10-21"}, headers=headers, json={"messages": HELLO})
    assert plain.status_code == 200
    assert counts(fault_endpoint, name)[0]["matched"] == 0
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.post(url, params={"api-version": "2024-10-21"}, headers=headers, json={"messages": HELLO, "stream": True})


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


def test_counters_stay_exact_under_concurrency(fault_endpoint: str) -> None:
    import asyncio

    ids_ = [uuid.uuid4().hex for _ in range(10)]

    async def run() -> list[tuple[str, int]]:
        async with httpx.AsyncClient(base_url=fault_endpoint, timeout=30) as client:

            async def one(test_id: str) -> tuple[str, int]:
                response = await client.post(
                    "/openai/deployments/gpt-4o/chat/completions",
                    params={"api-version": "2024-10-21"},
                    headers={"api-key": "k", "x-emulator-scenario": "retry-then-succeed", "x-test-id": test_id},
                    json={"messages": HELLO},
                )
                return test_id, response.status_code

            return await asyncio.gather(*(one(t) for t in ids_ for _ in range(5)))

    results = asyncio.run(run())
    for test_id in ids_:
        assert sorted(s for t, s in results if t == test_id) == [200, 200, 200, 429, 429]


def test_a_mistyped_built_in_name_lists_the_built_ins() -> None:
    from emulator.faults.engine import FaultEngine

    with pytest.raises(ScenarioError) as caught:
        FaultEngine.from_settings("throtled", 0)
    assert "no built-in scenario named 'throtled'" in str(caught.value) and "throttled" in str(caught.value)


def test_unknown_admin_paths_and_filters_answer_in_the_admin_shape(fault_endpoint: str) -> None:
    response = httpx.get(f"{fault_endpoint}/_emulator/nope")
    assert response.status_code == 404 and response.json()["errors"][0]["title"].startswith("no admin endpoint")
    response = httpx.get(f"{fault_endpoint}/_emulator/requests", params={"foo": "1"})
    assert response.status_code == 400 and "unknown filter foo" in response.json()["errors"][0]["title"]


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
