"""The fault engine: which scenario a request gets, and which requests its rules fall on
(match, counts, time, probability), per scenario or per header value."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from emulator.faults.scenario import ScenarioError
from emulator.settings import Settings
from support import rule_counts, running_emulator

HELLO = [{"role": "user", "content": "Hello"}]


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


def test_an_unknown_scenario_header_is_a_400(fault_endpoint: str) -> None:
    response = httpx.post(
        f"{fault_endpoint}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "k", "x-emulator-scenario": "no-such-thing"},
        json={"messages": HELLO},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_scenario"


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
    assert rule_counts(fault_endpoint, name)[0]["matched"] == 0
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.post(url, params={"api-version": "2024-10-21"}, headers=headers, json={"messages": HELLO, "stream": True})


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
