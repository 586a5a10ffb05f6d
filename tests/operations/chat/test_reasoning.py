"""Reasoning deployments (o-series) behave as Azure's do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI

from emulator import tokens

ASK = [{"role": "developer", "content": "Answer briefly."}, {"role": "user", "content": "Why is the sky blue?"}]
PREVIEW = {"api-version": "2024-12-01-preview"}


def test_reasoning_tokens_are_billed_as_output(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(api_version="2024-12-01-preview")
    for effort, hidden in (("low", 64), ("high", 576)):
        completion = client.chat.completions.create(model="o1", messages=ASK, reasoning_effort=effort)
        visible = len(tokens.encode(completion.choices[0].message.content, "o200k_base"))
        assert completion.usage.completion_tokens_details.reasoning_tokens == hidden
        assert completion.usage.completion_tokens == visible + hidden
        assert completion.model == "o1-2024-12-17"


def test_a_budget_the_reasoning_uses_up_leaves_an_empty_answer(azure: Callable[..., AzureOpenAI]) -> None:
    completion = azure(api_version="2024-12-01-preview").chat.completions.create(
        model="o1", messages=ASK, max_completion_tokens=100
    )
    assert completion.choices[0].message.content == ""
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 100


def test_an_older_api_version_is_refused_with_azures_message(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/o1/chat/completions", params={"api-version": "2024-10-21"}, json={"messages": ASK[1:]}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "BadRequest",
            "message": "Model {modelName} is enabled only for api versions 2024-12-01-preview and later",
        }
    }


@pytest.mark.parametrize(
    ("extra", "param", "message"),
    [
        (
            {"max_tokens": 50},
            "max_tokens",
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        ),
        (
            {"temperature": 0},
            "temperature",
            "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
        ),
        (
            {"top_p": 0.5},
            "top_p",
            "Unsupported value: 'top_p' does not support 0.5 with this model. Only the default (1) value is supported.",
        ),
        ({"logprobs": True}, "logprobs", "Unsupported parameter: 'logprobs' is not supported with this model."),
    ],
    ids=["max_tokens", "temperature", "top_p", "logprobs"],
)
def test_parameters_reasoning_models_refuse(
    http: httpx.Client, extra: dict[str, Any], param: str, message: str
) -> None:
    response = http.post("/openai/deployments/o1/chat/completions", params=PREVIEW, json={"messages": ASK, **extra})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["message"]) == (param, message)


def test_defaults_are_accepted_and_effort_is_only_for_reasoning_models(http: httpx.Client) -> None:
    ok = http.post(
        "/openai/deployments/o3-mini/chat/completions",
        params=PREVIEW,
        json={"messages": ASK, "temperature": 1, "max_completion_tokens": 2000},
    )
    assert ok.status_code == 200
    refused = http.post(
        "/openai/deployments/gpt-4o/chat/completions", params=PREVIEW, json={"messages": ASK, "reasoning_effort": "low"}
    )
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "reasoning_effort"
