"""Scenarios: a bad one is refused with the file, the rule and the problem named; the
ready-made ones in scenarios/ load and do what they say."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.faults.engine import builtin_scenarios
from emulator.faults.scenario import ScenarioError, load_scenario_file

HELLO = [{"role": "user", "content": "Hello"}]


# -- a scenario that cannot run is refused, saying why --------------------------------------


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


# -- the ready-made scenarios, from scenarios/ ----------------------------------------------


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
