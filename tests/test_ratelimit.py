"""Quotas as Azure enforces them: 429s with Azure's body and headers, per deployment."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.deployments import DeploymentTable
from emulator.settings import DeploymentConfig, Settings

HELLO = [{"role": "user", "content": "Hello"}]


def chat(endpoint: str, deployment: str, **body: object) -> httpx.Response:
    return httpx.post(
        f"{endpoint}/openai/deployments/{deployment}/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "right-key"},
        json={"messages": HELLO, **body},
    )


def test_the_call_limit_allows_a_sixth_of_rpm_per_ten_seconds(locked_endpoint: str) -> None:
    first, second, third = (chat(locked_endpoint, "tight-calls") for _ in range(3))
    assert first.status_code == second.status_code == 200
    assert second.headers["x-ratelimit-remaining-requests"] == "0"
    assert third.status_code == 429
    error = third.json()["error"]
    assert error["code"] == "429"
    assert error["message"].startswith(
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded "
        "call rate limit of your current OpenAI S0 pricing tier. Please retry after "
    )
    wait = int(third.headers["retry-after"])
    assert 1 <= wait <= 10
    assert f"Please retry after {wait} seconds." in error["message"]
    assert 0 < int(third.headers["retry-after-ms"]) <= 10_000
    assert third.headers["x-ratelimit-reset-requests"] == str(wait)
    assert third.headers["x-ratelimit-limit-requests"] == "2"
    assert third.headers["policy-id"] == "DeploymentRatelimit-Call"
    assert third.headers["x-request-id"]


def test_a_deployment_without_token_quota_is_told_to_wait_a_day(locked_endpoint: str) -> None:
    client = AzureOpenAI(azure_endpoint=locked_endpoint, api_key="right-key", api_version="2024-10-21", max_retries=0)
    with client, pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="no-quota", messages=HELLO)
    response = caught.value.response
    assert response.headers["retry-after"] == "86400"
    assert response.headers["retry-after-ms"] == "86400000"
    assert response.headers["policy-id"] == "DeploymentRatelimit-Token"
    assert "exceeded token rate limit" in caught.value.message
    assert "Please retry after 86400 seconds." in caught.value.message


def test_the_token_limit_counts_the_estimate_of_each_request(locked_endpoint: str) -> None:
    # Each request reserves its prompt estimate plus 40 tokens for each of its 2 choices.
    assert chat(locked_endpoint, "tight-tokens", max_tokens=40).status_code == 200
    refused = chat(locked_endpoint, "tight-tokens", max_tokens=40, n=2)
    assert refused.status_code == 429
    assert "have exceeded token rate limit" in refused.json()["error"]["message"]
    assert refused.headers["policy-id"] == "DeploymentRatelimit-Token"
    assert refused.headers["x-ratelimit-limit-tokens"] == "100"
    assert int(refused.headers["x-ratelimit-reset-tokens"]) <= 60
    # A refused request costs nothing: a small one still fits.
    assert chat(locked_endpoint, "tight-tokens", max_tokens=5).status_code == 200


def test_the_client_raises_rate_limit_error_without_retries(
    azure: Callable[..., AzureOpenAI], locked_endpoint: str
) -> None:
    client = azure(azure_endpoint=locked_endpoint, api_key="right-key")
    with pytest.raises(openai.RateLimitError) as caught:
        for _ in range(3):
            client.chat.completions.create(model="tight-calls-sdk", messages=HELLO)
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"]


def test_built_in_quotas_are_reported_but_not_enforced() -> None:
    table = DeploymentTable(Settings.build())
    assert not table.resolve("gpt-4o").enforce_quota
    fixed = DeploymentTable(
        Settings.build(
            deployments={"a": DeploymentConfig(model="gpt-4o", quota={"capacity": 30})}, infer_deployments=False
        )
    )
    assert fixed.resolve("a").enforce_quota and fixed.resolve("a").tpm == 30_000 and fixed.resolve("a").rpm == 180
    everywhere = DeploymentTable(Settings.build(enforce_rate_limits=True))
    assert everywhere.resolve("gpt-4o").enforce_quota


@pytest.mark.parametrize(("rpm", "per_minute"), [(1, 1), (3, 3), (10, 10), (12, 12), (120, 120)])
def test_no_deployment_gets_more_requests_than_its_quota(rpm: int, per_minute: int) -> None:
    from emulator.ratelimit import RateLimited, RateLimiter

    deployment = DeploymentTable(
        Settings.build(
            deployments={"d": DeploymentConfig(model="o1", quota={"rpm": rpm, "tpm": 10**9})}, infer_deployments=False
        )
    ).resolve("d")
    limiter = RateLimiter()
    admitted = 0
    for step in range(600):  # a request every 100 ms for a minute
        try:
            limiter.admit(deployment, 1, "ChatCompletions_Create", "2024-10-21", now=1000 + step * 0.1)
            admitted += 1
        except RateLimited:
            pass
    assert admitted == per_minute
