"""Legacy completions through the official clients, checked against the specs."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from emulator import tokens
from support import assert_valid_component, assert_valid_response

INSTRUCT = "gpt-35-turbo-instruct"
PATH = f"/openai/deployments/{INSTRUCT}/completions"
GA = {"api-version": "2024-10-21"}
PROMPT = "Write a tagline for an ice cream shop"


def test_completion_defaults_to_sixteen_tokens_and_stops_for_length(client: AzureOpenAI) -> None:
    completion = client.completions.create(model=INSTRUCT, prompt=PROMPT)
    choice = completion.choices[0]
    assert choice.finish_reason == "length"
    assert completion.usage.completion_tokens == 16 == len(tokens.encode(choice.text, "cl100k_base"))
    assert completion.usage.prompt_tokens == len(tokens.encode(PROMPT, "cl100k_base"))
    assert completion.object == "text_completion" and completion.id.startswith("cmpl-")
    assert completion.model == INSTRUCT
    assert completion.model_extra["prompt_filter_results"][0]["prompt_index"] == 0
    assert choice.model_extra["content_filter_results"]["hate"] == {"filtered": False, "severity": "safe"}


def test_a_large_budget_ends_with_stop(client: AzureOpenAI) -> None:
    completion = client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=500)
    assert completion.choices[0].finish_reason == "stop"
    short = client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=5)
    assert completion.choices[0].text.startswith(short.choices[0].text)


def test_same_request_same_text_and_seed_changes_it(http: httpx.Client) -> None:
    # Spelled differently on the wire, so the second is generated again, not remembered.
    def text(raw: bytes) -> str:
        response = http.post(PATH, params=GA, content=raw, headers={"content-type": "application/json"})
        return response.json()["choices"][0]["text"]

    first = text(b'{"prompt": "Write a tagline", "seed": 1, "max_tokens": 60}')
    again = text(b'{"max_tokens":60,"seed":1,"prompt":"Write a tagline"}')
    other = text(b'{"prompt": "Write a tagline", "seed": 2, "max_tokens": 60}')
    assert first == again != other


def test_several_prompts_and_n_index_choices_by_prompt(client: AzureOpenAI) -> None:
    prompts = ["First prompt about rivers", "Second prompt about mountains"]
    completion = client.completions.create(model=INSTRUCT, prompt=prompts, n=2, max_tokens=30)
    assert [c.index for c in completion.choices] == [0, 1, 2, 3]
    assert len(completion.model_extra["prompt_filter_results"]) == 2
    assert completion.usage.prompt_tokens == sum(len(tokens.encode(p, "cl100k_base")) for p in prompts)
    assert completion.usage.completion_tokens == sum(
        len(tokens.encode(c.text, "cl100k_base")) for c in completion.choices
    )


def test_token_id_prompts_read_like_their_text(client: AzureOpenAI) -> None:
    ids = tokens.encode(PROMPT, "cl100k_base")
    from_text = client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=20)
    from_ids = client.completions.create(model=INSTRUCT, prompt=ids, max_tokens=20)
    from_lists = client.completions.create(model=INSTRUCT, prompt=[ids, ids], max_tokens=20)
    assert from_text.choices[0].text == from_ids.choices[0].text == from_lists.choices[1].text


def test_echo_puts_the_prompt_before_the_text(client: AzureOpenAI) -> None:
    plain = client.completions.create(model=INSTRUCT, prompt=PROMPT)
    echoed = client.completions.create(model=INSTRUCT, prompt=PROMPT, echo=True)
    assert echoed.choices[0].text == PROMPT + plain.choices[0].text


def test_stop_sequence_cuts_the_text(client: AzureOpenAI) -> None:
    full = client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=200).choices[0].text
    word = full.split()[2]
    cut = client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=200, stop=word)
    assert cut.choices[0].text == full[: full.index(word)]
    assert cut.choices[0].finish_reason == "stop"


def test_best_of_returns_n_and_bills_every_candidate(client: AzureOpenAI) -> None:
    completion = client.completions.create(model=INSTRUCT, prompt=PROMPT, best_of=3, n=1, max_tokens=10)
    assert len(completion.choices) == 1
    assert completion.usage.completion_tokens == 30


def test_logprobs_are_consistent_with_the_text(client: AzureOpenAI) -> None:
    completion = client.completions.create(model=INSTRUCT, prompt=PROMPT, logprobs=3, max_tokens=12)
    choice = completion.choices[0]
    lp = choice.logprobs
    assert "".join(lp.tokens) == choice.text
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset) == 12
    assert lp.text_offset[0] == len(PROMPT)
    for token, offset, next_offset in zip(lp.tokens, lp.text_offset, lp.text_offset[1:] + [None]):
        if next_offset is not None:
            assert next_offset - offset == len(token)
    for token, logprob, top in zip(lp.tokens, lp.token_logprobs, lp.top_logprobs):
        assert top[token] == logprob and len(top) == 3


def test_stream_sends_text_completion_chunks_after_the_prompt_annotation(
    http: httpx.Client, client: AzureOpenAI
) -> None:
    with http.stream("POST", PATH, params=GA, json={"prompt": PROMPT, "stream": True, "max_tokens": 20}) as response:
        frames = [f[len("data: ") :] for f in response.read().decode().split("\n\n") if f]
    assert frames[-1] == "[DONE]"
    first, *chunks = [json.loads(f) for f in frames[:-1]]
    assert first["choices"] == [] and first["id"] == "" and first["prompt_filter_results"]
    assert all(c["object"] == "text_completion" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "length" and chunks[-1]["choices"][0]["text"] == ""
    streamed = "".join(c["choices"][0]["text"] for c in chunks)
    assert streamed == client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=20).choices[0].text
    # The spec gives streamed and plain responses one shape, whose finish_reason may not be
    # null; the service (and OpenAI) send null until the last chunk, which must validate.
    assert_valid_component("2024-10-21", "createCompletionResponse", chunks[-1])


def test_sdk_stream_joins_to_the_plain_text_and_logprobs(client: AzureOpenAI) -> None:
    stream = client.completions.create(model=INSTRUCT, prompt=PROMPT, stream=True, max_tokens=25, logprobs=1)
    chunks = [c.choices[0] for c in stream if c.choices]
    plain = client.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=25, logprobs=1)
    assert "".join(c.text for c in chunks) == plain.choices[0].text
    streamed_tokens = [t for c in chunks if c.logprobs for t in c.logprobs.tokens]
    streamed_offsets = [o for c in chunks if c.logprobs for o in c.logprobs.text_offset]
    assert streamed_tokens == plain.choices[0].logprobs.tokens
    assert streamed_offsets == plain.choices[0].logprobs.text_offset


def test_an_echoed_lone_surrogate_is_escaped_not_fatal(http: httpx.Client) -> None:
    raw = b'{"prompt": "\\ud800 hi", "echo": true, "max_tokens": 2}'
    response = http.post(PATH, params=GA, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["choices"][0]["text"].startswith("\ud800")


def test_v1_route_serves_completions(v1_client: OpenAI, client: AzureOpenAI) -> None:
    got = v1_client.completions.create(model=INSTRUCT, prompt=PROMPT)
    assert got.choices[0].text == client.completions.create(model=INSTRUCT, prompt=PROMPT).choices[0].text


@pytest.mark.parametrize("version", ["2024-02-01", "2024-06-01", "2024-10-21"])
def test_response_validates_against_the_spec(http: httpx.Client, version: str) -> None:
    body = {"prompt": [PROMPT, "another"], "n": 2, "logprobs": 2, "max_tokens": 8}
    response = http.post(PATH, params={"api-version": version}, json=body)
    assert response.status_code == 200, response.text
    assert_valid_response(version, "completions", response.json())


@pytest.mark.parametrize("deployment", ["gpt-4o", "text-embedding-ada-002"])
def test_completions_on_a_model_that_cannot_serve_them(client: AzureOpenAI, deployment: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=deployment, prompt=PROMPT)
    assert caught.value.code == "OperationNotSupported"
    model = "gpt-4o" if deployment == "gpt-4o" else "text-embedding-ada-002"
    assert caught.value.body["message"].startswith(
        f"The completion operation does not work with the specified model, {model}."
    )


BAD = [
    ({"prompt": PROMPT, "best_of": 1, "n": 2}, "best_of", "best_of must be greater than or equal to n."),
    ({"prompt": PROMPT, "best_of": 2, "stream": True}, "best_of", "Cannot stream results with best_of greater than 1."),
    (
        {"prompt": PROMPT, "echo": True, "logprobs": 1},
        "echo",
        "Setting 'echo' and 'logprobs' at the same time is not supported for this model.",
    ),
    (
        {"prompt": PROMPT, "logprobs": 6},
        "logprobs",
        "Invalid 'logprobs': integer above maximum value. Expected a value <= 5, but got 6 instead.",
    ),
    (
        {"prompt": PROMPT, "best_of": 21},
        "best_of",
        "Invalid 'best_of': integer above maximum value. Expected a value <= 20, but got 21 instead.",
    ),
    ({}, "prompt", "Missing required parameter: 'prompt'."),
    (
        {"prompt": []},
        "prompt",
        "Invalid 'prompt': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    ),
    ({"prompt": [5, 999_999_999]}, "prompt", "Invalid 'prompt[0]': 999999999 is not a valid token id for this model."),
    ({"prompt": [100261]}, "prompt", "Invalid 'prompt[0]': 100261 is not a valid token id for this model."),
    (
        {"prompt": ["hi"] * 20, "n": 128},
        "n",
        "Too many completions requested: 20 prompts x 128 candidates is over 2048.",
    ),
    (
        {"prompt": "word " * 4090},
        "prompt",
        "This model's maximum context length is 4097 tokens, however you requested 4107 tokens (4091 in your prompt; 16 for the completion). Please reduce your prompt; or completion length.",
    ),
]


@pytest.mark.parametrize(("body", "param", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_bad_body_gets_a_400(http: httpx.Client, body: dict[str, Any], param: str, message: str) -> None:
    response = http.post(PATH, params=GA, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["message"]) == (param, message)
