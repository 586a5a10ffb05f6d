"""Chat completions through the official openai clients, checked against the specs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx
import jsonschema
import openai
import pytest
from openai import AsyncAzureOpenAI, AzureOpenAI, OpenAI

from emulator import tokens
from support import assert_valid_response

HELLO = [{"role": "user", "content": "Hello"}]
QUESTION = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "How should I plan a database migration?"},
]


def test_chat_completion_returns_assistant_text_with_azure_annotations(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert len(choice.message.content.split()) >= 10
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-2024-08-06"
    assert completion.id.startswith("chatcmpl-")
    prompt_results = completion.model_extra["prompt_filter_results"]
    assert prompt_results[0]["prompt_index"] == 0
    assert prompt_results[0]["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    choice_results = choice.model_extra["content_filter_results"]
    for category in ("hate", "sexual", "violence", "self_harm"):
        assert choice_results[category] == {"filtered": False, "severity": "safe"}
    assert choice_results["protected_material_text"] == {"filtered": False, "detected": False}


def test_reply_mentions_what_the_user_asked_about(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    content = completion.choices[0].message.content
    assert any(word in content for word in ("plan", "database", "migration"))


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [("gpt-4o", 8), ("gpt-35-turbo", 8), ("gpt-4.1", 8)],
    ids=["o200k", "cl100k", "gpt-4.1"],
)
def test_prompt_tokens_count_message_framing(client: AzureOpenAI, deployment: str, expected: int) -> None:
    # OpenAI bills "Hello" from a user as 8 tokens: 3 framing + role + text + 3 reply priming.
    completion = client.chat.completions.create(model=deployment, messages=HELLO)
    assert completion.usage.prompt_tokens == expected


def test_usage_counts_the_generated_tokens_exactly(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    content = completion.choices[0].message.content
    assert completion.usage.completion_tokens == len(tokens.encode(content, "o200k_base"))
    expected_prompt = 3 + sum(
        3 + len(tokens.encode(m["role"], "o200k_base")) + len(tokens.encode(m["content"], "o200k_base"))
        for m in QUESTION
    )
    assert completion.usage.prompt_tokens == expected_prompt
    assert completion.usage.total_tokens == expected_prompt + completion.usage.completion_tokens


def test_same_request_gives_the_same_content(client: AzureOpenAI) -> None:
    first = client.chat.completions.create(model="gpt-4o", messages=QUESTION, seed=7)
    second = client.chat.completions.create(model="gpt-4o", messages=QUESTION, seed=7)
    assert first.choices[0].message.content == second.choices[0].message.content
    assert first.id != second.id


def test_different_seed_or_messages_change_the_content(client: AzureOpenAI) -> None:
    base = client.chat.completions.create(model="gpt-4o", messages=QUESTION, seed=1).choices[0].message.content
    other_seed = client.chat.completions.create(model="gpt-4o", messages=QUESTION, seed=2).choices[0].message.content
    other_text = (
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Tell me about sailing boats"}], seed=1
        )
        .choices[0]
        .message.content
    )
    assert len({base, other_seed, other_text}) == 3


def test_n_gives_distinct_choices_with_indexes(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=QUESTION, n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert len({c.message.content for c in completion.choices}) == 3
    assert completion.usage.completion_tokens == sum(
        len(tokens.encode(c.message.content, "o200k_base")) for c in completion.choices
    )


@pytest.mark.parametrize("parameter", ["max_tokens", "max_completion_tokens"])
def test_token_limit_cuts_the_reply_with_finish_reason_length(client: AzureOpenAI, parameter: str) -> None:
    full = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    cut = client.chat.completions.create(model="gpt-4o", messages=QUESTION, **{parameter: 5})
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage.completion_tokens == 5
    assert full.choices[0].message.content.startswith(cut.choices[0].message.content)


def test_stop_sequence_ends_the_reply_before_it(client: AzureOpenAI) -> None:
    full = client.chat.completions.create(model="gpt-4o", messages=QUESTION).choices[0].message.content
    word = full.split()[3]
    cut = client.chat.completions.create(model="gpt-4o", messages=QUESTION, stop=[word])
    assert cut.choices[0].finish_reason == "stop"
    assert cut.choices[0].message.content == full[: full.index(word)]


def test_json_object_format_gives_a_json_object(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Reply in JSON."}, *QUESTION[1:]],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


def test_json_schema_format_content_validates_against_the_schema(client: AzureOpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "steps": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "risk": {"type": "string", "enum": ["low", "medium", "high"]},
            "hours": {"type": "integer", "minimum": 1, "maximum": 40},
        },
        "required": ["title", "steps", "risk", "hours"],
        "additionalProperties": False,
    }
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=QUESTION,
        response_format={"type": "json_schema", "json_schema": {"name": "plan", "schema": schema, "strict": True}},
    )
    jsonschema.validate(json.loads(completion.choices[0].message.content), schema)


def test_logprobs_cover_every_generated_token(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=QUESTION, logprobs=True, top_logprobs=3)
    entries = completion.choices[0].logprobs.content
    assert len(entries) == completion.usage.completion_tokens
    assert b"".join(bytes(e.bytes) for e in entries).decode() == completion.choices[0].message.content
    for entry in entries:
        assert entry.logprob <= 0
        assert len(entry.top_logprobs) == 3
        assert entry.top_logprobs[0].token == entry.token
        assert [t.logprob for t in entry.top_logprobs] == sorted((t.logprob for t in entry.top_logprobs), reverse=True)


@pytest.mark.parametrize("body_model", [None, "something-else"], ids=["null", "different"])
def test_deployment_route_ignores_the_body_model(http: httpx.Client, body_model: str | None) -> None:
    response = http.post(
        "/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"model": body_model, "messages": HELLO},
    )
    assert response.status_code == 200
    assert response.json()["model"] == "gpt-4o-2024-08-06"


def test_url_encoded_deployment_name_is_decoded(azure: Callable[..., AzureOpenAI], locked_endpoint: str) -> None:
    client = azure(azure_endpoint=locked_endpoint, api_key="right-key")
    completion = client.chat.completions.create(model="team chat", messages=HELLO)
    assert completion.model == "gpt-35-turbo"


def test_reply_length_is_configurable_per_deployment(azure: Callable[..., AzureOpenAI], locked_endpoint: str) -> None:
    client = azure(azure_endpoint=locked_endpoint, api_key="right-key")
    short = client.chat.completions.create(model="team chat", messages=QUESTION)
    default = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert short.usage.completion_tokens < default.usage.completion_tokens
    assert 12 <= short.usage.completion_tokens <= 40


def test_inferred_deployment_names_pick_their_model(client: AzureOpenAI) -> None:
    assert client.chat.completions.create(model="gpt-4o-mini-prod", messages=HELLO).model == "gpt-4o-mini-2024-07-18"
    assert client.chat.completions.create(model="gpt-4o-2024-05-13", messages=HELLO).model == "gpt-4o-2024-05-13"


@pytest.mark.anyio
async def test_async_client_gets_the_same_content(async_client: AsyncAzureOpenAI, client: AzureOpenAI) -> None:
    got = await async_client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    expected = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert got.choices[0].message.content == expected.choices[0].message.content


def test_v1_route_takes_the_deployment_from_the_body_and_a_bearer_key(v1_client: OpenAI, client: AzureOpenAI) -> None:
    got = v1_client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    expected = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert got.choices[0].message.content == expected.choices[0].message.content
    assert got.model == "gpt-4o-2024-08-06"


def test_headers_carry_request_ids_region_and_quota(http: httpx.Client) -> None:
    send = lambda: http.post(  # noqa: E731
        # A deployment of its own starts a fresh quota window for this test.
        "/openai/deployments/gpt-4o-mini-quota-headers/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"x-ms-client-request-id": "my-trace-id"},
        json={"messages": HELLO, "max_tokens": 10},
    )
    first, second = send(), send()
    assert first.headers["x-request-id"] == first.headers["apim-request-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.headers["x-ms-region"] == "East US"
    assert first.headers["x-ms-client-request-id"] == "my-trace-id"
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["content-type"] == "application/json"
    assert (
        int(second.headers["x-ratelimit-remaining-requests"])
        == int(first.headers["x-ratelimit-remaining-requests"]) - 1
    )
    assert int(second.headers["x-ratelimit-remaining-tokens"]) < int(first.headers["x-ratelimit-remaining-tokens"])


def test_client_sees_the_request_id(client: AzureOpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert raw.parse()._request_id == raw.headers["x-request-id"]


VERSIONS = ["2024-02-01", "2024-06-01", "2024-08-01-preview", "2024-10-21", "2025-01-01-preview", "2025-03-01-preview"]


@pytest.mark.parametrize("version", VERSIONS)
def test_response_validates_against_its_api_version_spec(http: httpx.Client, version: str) -> None:
    body = {"messages": QUESTION, "n": 2, "temperature": 0.5, "seed": 3}
    if version != "2024-02-01":
        body.update(logprobs=True, top_logprobs=2)
    response = http.post("/openai/deployments/gpt-4o/chat/completions", params={"api-version": version}, json=body)
    assert response.status_code == 200, response.text
    assert_valid_response(version, "chat/completions", response.json())


def test_v1_response_validates_against_the_v1_spec(http: httpx.Client) -> None:
    response = http.post(
        "/openai/v1/chat/completions",
        json={"model": "gpt-4o", "messages": QUESTION, "logprobs": True, "top_logprobs": 2},
    )
    assert response.status_code == 200, response.text
    assert_valid_response("v1", "chat/completions", response.json())


def test_every_documented_parameter_is_accepted(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=QUESTION,
        temperature=0.2,
        top_p=0.9,
        presence_penalty=0.5,
        frequency_penalty=-0.5,
        logit_bias={"1234": -100, "5678": 50},
        user="user-42",
        seed=11,
        stop="\n\n",
        n=1,
        max_tokens=100,
    )
    assert completion.choices[0].finish_reason == "stop"


def test_conversation_with_parts_tools_and_names_is_accepted(client: AzureOpenAI) -> None:
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "You describe pictures."}]},
        {
            "role": "user",
            "name": "ada",
            "content": [
                {"type": "text", "text": "What is in this picture of a lighthouse?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/lighthouse.png", "detail": "low"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "lighthouse"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "A lighthouse on a rocky coast."},
        {"role": "user", "content": "Thanks. Describe the lighthouse once more."},
    ]
    completion = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert completion.choices[0].message.content
    # The image costs its flat low-detail price; the text parts count like plain content.
    without_image = [dict(m) for m in messages]
    without_image[1] = {**messages[1], "content": [messages[1]["content"][0]]}
    plain = client.chat.completions.create(model="gpt-4o", messages=without_image)
    assert completion.usage.prompt_tokens - plain.usage.prompt_tokens == 85


def test_legacy_function_messages_are_accepted(client: AzureOpenAI) -> None:
    messages = [
        {"role": "user", "content": "What is the weather in Oslo?"},
        {"role": "assistant", "content": None, "function_call": {"name": "weather", "arguments": '{"city": "Oslo"}'}},
        {"role": "function", "name": "weather", "content": '{"celsius": 4}'},
    ]
    completion = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert completion.choices[0].finish_reason == "stop"


def test_equal_values_written_differently_give_the_same_content(http: httpx.Client) -> None:
    def content(raw: bytes) -> str:
        response = http.post(
            "/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            content=raw,
            headers={"content-type": "application/json"},
        )
        return response.json()["choices"][0]["message"]["content"]

    one = content(b'{"temperature": 1, "messages": [{"role": "user", "content": "Tell me about tides"}]}')
    one_point_o = content(b'{"messages":[{"content":"Tell me about tides","role":"user"}],"temperature":1.0}')
    assert one == one_point_o


def test_an_empty_stop_sequence_never_matches(client: AzureOpenAI) -> None:
    plain = client.chat.completions.create(model="gpt-4o", messages=QUESTION).choices[0].message.content
    assert (
        client.chat.completions.create(model="gpt-4o", messages=QUESTION, stop="").choices[0].message.content == plain
    )
    assert (
        client.chat.completions.create(model="gpt-4o", messages=QUESTION, stop=[""]).choices[0].message.content == plain
    )


def test_browser_preflight_is_allowed(http: httpx.Client) -> None:
    response = http.options(
        "/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "api-key, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-headers"] == "api-key, content-type"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_non_strict_schema_keywords_the_generator_lacks_are_best_effort(client: AzureOpenAI) -> None:
    schema = {"type": "object", "properties": {"zip": {"type": "string", "not": {"const": "x"}}}, "required": ["zip"]}
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        response_format={"type": "json_schema", "json_schema": {"name": "z", "schema": schema}},
    )
    assert isinstance(json.loads(completion.choices[0].message.content)["zip"], str)


def test_a_strict_schema_with_a_pattern_gets_strings_that_match(client: AzureOpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}, "ip": {"type": "string", "format": "ipv4"}},
        "required": ["zip", "ip"],
        "additionalProperties": False,
    }
    for seed in range(5):
        completion = client.chat.completions.create(
            model="gpt-4o",
            messages=HELLO,
            seed=seed,
            response_format={"type": "json_schema", "json_schema": {"name": "z", "schema": schema, "strict": True}},
        )
        data = json.loads(completion.choices[0].message.content)
        assert re.fullmatch(r"[0-9]{5}", data["zip"])
        assert len(data["ip"].split(".")) == 4


def test_a_strict_schema_nested_too_deep_is_the_services_400(client: AzureOpenAI) -> None:
    schema: dict = {"type": "string"}
    for _ in range(6):
        schema = {"type": "object", "properties": {"x": schema}, "required": ["x"], "additionalProperties": False}
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o",
            messages=HELLO,
            response_format={"type": "json_schema", "json_schema": {"name": "deep", "schema": schema, "strict": True}},
        )
    assert caught.value.body["message"] == (
        "Invalid schema for response_format 'deep': 6 levels of nesting exceeds limit of 5."
    )
    assert caught.value.body["param"] == "response_format.json_schema.schema"
