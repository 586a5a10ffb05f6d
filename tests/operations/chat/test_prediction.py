"""Predicted outputs through the official Python client: the answer reuses the prediction with
the edits asked for, usage counts the prediction's accepted and rejected tokens (rejected ones
billed as completion tokens), and the parameter's restrictions give 400s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openai import AzureOpenAI, OpenAI

from emulator import tokens
from support import assert_valid_response, refused

VERSION = "2025-01-01-preview"
CODE = """class User {
  firstName: string = "";
  lastName: string = "";
  username: string = "";
}

export default User;
"""
ASK = (
    'Replace the "username" property with an "email" property. Respond only with code, and with no markdown formatting.'
)


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=VERSION, max_retries=0) as made:
        yield made


def predicted(content: Any = CODE) -> dict[str, Any]:
    return {"type": "content", "content": content}


def test_the_answer_is_the_prediction_edited_as_asked(client: AzureOpenAI) -> None:
    # The messages as OpenAI's own example sends them: the instruction, then the file.
    answer = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": ASK}, {"role": "user", "content": CODE}],
        prediction=predicted(),
    )
    content = answer.choices[0].message.content
    assert content == CODE.replace("username", "email")
    usage = answer.usage
    assert usage is not None and usage.completion_tokens_details is not None
    details = usage.completion_tokens_details
    prediction_tokens = len(tokens.encode(CODE, "o200k_base"))
    assert details.accepted_prediction_tokens is not None and details.rejected_prediction_tokens is not None
    assert details.accepted_prediction_tokens + details.rejected_prediction_tokens == prediction_tokens
    assert 0 < details.rejected_prediction_tokens <= 2  # the one renamed word
    # Rejected prediction tokens are billed as completion tokens.
    written = len(tokens.encode(content, "o200k_base"))
    assert usage.completion_tokens == written + details.rejected_prediction_tokens
    assert_valid_response(VERSION, "chat/completions", answer.model_dump(exclude_unset=True))


def test_renamings_in_other_words_and_text_parts(endpoint: str) -> None:
    source = "def total(items):\n    count = 0\n    for item in items:\n        count += item\n    return count\n"
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as v1:
        answer = v1.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[
                {"role": "user", "content": f"Rename count to subtotal and change `total` to `summed`.\n{source}"}
            ],
            prediction=predicted([{"type": "text", "text": source[:20]}, {"type": "text", "text": source[20:]}]),
        )
    assert answer.choices[0].message.content == source.replace("count", "subtotal").replace("total(", "summed(")


def test_nothing_to_change_accepts_the_whole_prediction_and_streams_the_same(client: AzureOpenAI) -> None:
    messages = [{"role": "user", "content": f"Fix any typos in this file:\n{CODE}"}]
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=messages, prediction=predicted())
    assert plain.choices[0].message.content == CODE
    assert plain.usage is not None and plain.usage.completion_tokens_details is not None
    assert plain.usage.completion_tokens_details.rejected_prediction_tokens == 0
    assert plain.usage.completion_tokens_details.accepted_prediction_tokens == plain.usage.completion_tokens
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        prediction=predicted(),
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage = "", None
    for chunk in stream:
        text += "".join(c.delta.content or "" for c in chunk.choices)
        usage = chunk.usage or usage
    assert text == CODE and usage == plain.usage


def test_a_token_limit_cuts_the_answer_and_rejects_the_rest(client: AzureOpenAI) -> None:
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": ASK}], prediction=predicted(), max_tokens=5
    )
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage is not None and answer.usage.completion_tokens_details is not None
    details = answer.usage.completion_tokens_details
    assert details.accepted_prediction_tokens == 5
    assert details.rejected_prediction_tokens == len(tokens.encode(CODE, "o200k_base")) - 5


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"n": 2}, "n", "unsupported_value"),
        ({"logprobs": True}, "logprobs", "unsupported_parameter"),
        ({"presence_penalty": 0.5}, "presence_penalty", "unsupported_value"),
        ({"frequency_penalty": 1}, "frequency_penalty", "unsupported_value"),
        ({"max_completion_tokens": 50}, "max_completion_tokens", "unsupported_parameter"),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
            "tools",
            "unsupported_parameter",
        ),
    ],
)
def test_what_cannot_go_with_a_prediction(client: AzureOpenAI, extra: dict[str, Any], param: str, code: str) -> None:
    error = refused(
        lambda: client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": ASK}], prediction=predicted(), **extra
        )
    )
    assert error["param"] == param and error["code"] == code and "predicted outputs" in error["message"]


def test_models_without_predicted_outputs_and_bad_predictions(client: AzureOpenAI) -> None:
    for model in ("gpt-35-turbo", "o3-mini"):
        error = refused(
            lambda: client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": ASK}], prediction=predicted()
            )
        )
        assert error["message"] == "Unsupported parameter: 'prediction' is not supported with this model."
    # Penalties at or below zero are allowed.
    client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": ASK}], prediction=predicted(), presence_penalty=-0.5
    )
    for bad in ({"type": "text", "content": CODE}, {"type": "content"}, {"type": "content", "content": []}):
        error = refused(
            lambda: client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": ASK}],
                prediction=bad,  # type: ignore[arg-type]
            )
        )
        assert str(error["param"]).startswith("prediction")
