"""retry-after enforced: where a deployment or a scenario asks for it, a retry sooner than
the retry-after the emulator gave that client gets another 429 (marked as such), so a client
that ignores retry-after fails its test; one that waits as told gets through."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.settings import DeploymentConfig, Settings
from support import running_emulator

HELLO = [{"role": "user", "content": "Hello"}]
# Two 429s asking for a second's wait, per test id: what a client must sit out.
TWO_WAITS = {
    "name": "two-waits",
    "rules": [
        {
            "name": "wait",
            "when": {"first": 2, "per_header": "x-test-id"},
            "actions": [{"action": "error", "status": 429, "retry_after_ms": 1000}],
        }
    ],
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    settings = Settings.build(
        deployments={
            "strict": DeploymentConfig(model="gpt-4o-mini", enforce_retry_after=True),
            "lenient": DeploymentConfig(model="gpt-4o-mini"),
        }
    )
    with running_emulator(settings) as url:
        httpx.post(f"{url}/_emulator/scenarios", json=TWO_WAITS).raise_for_status()
        httpx.post(
            f"{url}/_emulator/scenarios", json={**TWO_WAITS, "name": "two-waits-enforced", "enforce_retry_after": True}
        ).raise_for_status()
        yield url


def impatient(endpoint: str, deployment: str, scenario: str, test_id: str) -> list[httpx.Response]:
    """A client that retries at once, numbering its retries as the openai SDKs do."""
    answers = []
    with AzureOpenAI(
        azure_endpoint=endpoint,
        api_key="k",
        api_version="2024-10-21",
        max_retries=0,
        default_headers={"x-emulator-scenario": scenario, "x-test-id": test_id},
    ) as client:
        for attempt in range(3):
            try:
                raw = client.chat.completions.with_raw_response.create(
                    model=deployment, messages=HELLO, extra_headers={"x-stainless-retry-count": str(attempt)}
                )
                answers.append(raw.http_response)
            except openai.RateLimitError as error:
                answers.append(error.response)
    return answers


def journal(endpoint: str, response: httpx.Response) -> dict:
    return httpx.get(f"{endpoint}/_emulator/requests/{response.headers['x-request-id']}").json()


def test_a_deployment_that_enforces_retry_after_refuses_an_early_retry(endpoint: str) -> None:
    first, second, third = impatient(endpoint, "strict", "two-waits", "strict-1")
    assert first.status_code == 429 and "x-emulator-early-retry" not in first.headers
    # The second attempt came at once, inside the second it was asked to wait: refused by the
    # enforcement (not by the scenario, whose count it does not reach), and marked.
    assert second.status_code == 429 and second.headers["x-emulator-early-retry"] == "true"
    assert 1 <= int(second.headers["retry-after-ms"]) <= 1000
    assert second.json()["error"]["code"] == "429"
    entry = journal(endpoint, second)
    assert entry["early_retry"] is True and entry["fault_rule"] is None
    # So is the third: the refusal asked for a new wait, which it did not keep either.
    assert third.status_code == 429 and third.headers["x-emulator-early-retry"] == "true"


def test_without_enforcement_an_early_retry_is_only_marked(endpoint: str) -> None:
    first, second, third = impatient(endpoint, "lenient", "two-waits", "lenient-1")
    assert [r.status_code for r in (first, second, third)] == [429, 429, 200]
    assert "x-emulator-early-retry" not in second.headers
    assert journal(endpoint, second)["early_retry"] is True
    assert journal(endpoint, second)["fault_rule"] == "wait"


def test_a_scenario_can_enforce_retry_after_on_any_deployment(endpoint: str) -> None:
    _, second, _ = impatient(endpoint, "lenient", "two-waits-enforced", "scenario-1")
    assert second.status_code == 429 and second.headers["x-emulator-early-retry"] == "true"
    written = httpx.get(f"{endpoint}/_emulator/scenarios/two-waits-enforced", params={"format": "yaml"}).text
    assert "enforce_retry_after: true" in written


def test_the_openai_client_waits_as_told_and_gets_through(endpoint: str) -> None:
    with AzureOpenAI(
        azure_endpoint=endpoint,
        api_key="k",
        api_version="2024-10-21",
        default_headers={"x-emulator-scenario": "two-waits-enforced", "x-test-id": "patient-1"},
    ) as client:
        raw = client.chat.completions.with_raw_response.create(model="strict", messages=HELLO)
    assert raw.http_response.status_code == 200
    attempts = httpx.get(f"{endpoint}/_emulator/requests", params={"header": "x-test-id:patient-1"}).json()["requests"]
    assert [(a["status"], a["early_retry"]) for a in attempts] == [(429, False), (429, False), (200, False)]
