"""Quota use over time (/_emulator/quotas): each deployment's requests, charged tokens and
quota 429s in ten-second steps, beside its TPM and RPM, as the dashboard draws them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.settings import DeploymentConfig, Settings
from support import running_emulator

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    settings = Settings.build(
        infer_deployments=False,
        deployments={
            "small": DeploymentConfig(model="gpt-4o-mini", quota={"rpm": 12, "tpm": 5000}),  # 2 per 10 s
            "idle": DeploymentConfig(model="gpt-4o"),
        },
        enforce_rate_limits=True,
    )
    with running_emulator(settings) as url:
        yield url


def test_use_and_refusals_are_counted_per_step_against_the_quota(endpoint: str) -> None:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as client:
        admitted = [client.chat.completions.with_raw_response.create(model="small", messages=HELLO) for _ in range(2)]
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="small", messages=HELLO)
        # A 429 a scenario sends is a fault, not the quota's doing.
        with pytest.raises(openai.RateLimitError):
            client.with_options(default_headers={"x-emulator-scenario": "throttled"}).chat.completions.create(
                model="idle", messages=HELLO
            )
    data = httpx.get(f"{endpoint}/_emulator/quotas").json()
    assert data["step_s"] == 10
    found = {d["name"]: d for d in data["deployments"]}
    small = found["small"]
    assert (small["tpm"], small["rpm"], small["enforced"]) == (5000, 12, True)
    assert len(small["steps"]) == 60 and small["steps"][-1]["at"] <= data["now"] < small["steps"][-1]["at"] + 10
    charged = sum(int(r.headers["x-ratelimit-remaining-tokens"]) for r in admitted[:1])
    totals = {key: sum(s[key] for s in small["steps"]) for key in ("requests", "tokens", "rate_limited")}
    assert totals["requests"] == 2 and totals["rate_limited"] == 1  # what the quota admitted, and refused
    assert totals["tokens"] == 2 * (5000 - charged)  # two identical requests, each charged the same
    idle = {key: sum(s[key] for s in found["idle"]["steps"]) for key in ("requests", "rate_limited")}
    assert idle == {"requests": 0, "rate_limited": 0}  # the scenario refused it before the quota saw it


def test_a_quota_429_is_counted_when_a_rule_fired_on_the_request_too(endpoint: str) -> None:
    # A scenario whose only action is a short delay: the request goes on to the quota.
    scenario = {"name": "short-delay", "rules": [{"name": "d", "actions": [{"action": "delay", "delay_ms": 1}]}]}
    httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario).raise_for_status()
    headers = {"x-emulator-scenario": "short-delay"}
    before = httpx.get(f"{endpoint}/_emulator/quotas").json()
    refused_before = sum(s["rate_limited"] for d in before["deployments"] if d["name"] == "small" for s in d["steps"])
    with AzureOpenAI(
        azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0, default_headers=headers
    ) as client:
        with pytest.raises(openai.RateLimitError) as caught:
            for _ in range(3):
                client.chat.completions.create(model="small", messages=HELLO)
    assert caught.value.response.headers.get("x-ratelimit-limit-requests") == "2"  # the quota's, not a fault's
    entry = httpx.get(f"{endpoint}/_emulator/requests/{caught.value.response.headers['x-request-id']}").json()
    assert entry["fault_rule"] == "d"
    after = httpx.get(f"{endpoint}/_emulator/quotas").json()
    refused = sum(s["rate_limited"] for d in after["deployments"] if d["name"] == "small" for s in d["steps"])
    assert refused == refused_before + 1
