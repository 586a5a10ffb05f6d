"""Streamed chat completions: Azure's exact event sequence, seen raw and through the clients."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openai import AsyncAzureOpenAI, AzureOpenAI

from support import assert_valid_component

QUESTION = [{"role": "user", "content": "How should I plan a database migration?"}]


def raw_events(http: httpx.Client, body: dict[str, Any], version: str = "2024-10-21") -> list[str]:
    with http.stream(
        "POST", "/openai/deployments/gpt-4o/chat/completions", params={"api-version": version}, json=body
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    assert text.endswith("data: [DONE]\n\n"), "the stream must end right after [DONE]"
    frames = [f for f in text.split("\n\n") if f]
    assert all(f.startswith("data: ") for f in frames)
    return [f[len("data: ") :] for f in frames]


def test_stream_follows_azures_event_sequence(http: httpx.Client) -> None:
    events = raw_events(http, {"messages": QUESTION, "stream": True})
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    first, role, *contents, final = chunks
    assert first["choices"] == [] and first["id"] == "" and first["object"] == "" and first["model"] == ""
    assert first["created"] == 0
    assert first["prompt_filter_results"][0]["content_filter_results"]["hate"]["severity"] == "safe"
    assert role["choices"][0]["delta"]["role"] == "assistant"
    assert role["choices"][0]["finish_reason"] is None
    assert len(contents) > 5
    for chunk in contents:
        choice = chunk["choices"][0]
        assert set(choice["delta"]) == {"content"}
        assert choice["content_filter_results"]["violence"] == {"filtered": False, "severity": "safe"}
    assert final["choices"][0]["delta"] == {}
    assert final["choices"][0]["finish_reason"] == "stop"
    assert len({c["id"] for c in chunks[1:]}) == 1
    assert all(c["object"] == "chat.completion.chunk" for c in chunks[1:])


def test_streamed_content_equals_the_plain_content(http: httpx.Client, client: AzureOpenAI) -> None:
    chunks = [json.loads(e) for e in raw_events(http, {"messages": QUESTION, "stream": True})[:-1]]
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    plain = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert streamed == plain.choices[0].message.content


def test_include_usage_adds_a_final_usage_chunk(http: httpx.Client, client: AzureOpenAI) -> None:
    events = raw_events(http, {"messages": QUESTION, "stream": True, "stream_options": {"include_usage": True}})
    usage_chunk = json.loads(events[-2])
    assert usage_chunk["choices"] == []
    plain = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert usage_chunk["usage"]["prompt_tokens"] == plain.usage.prompt_tokens
    assert usage_chunk["usage"]["completion_tokens"] == plain.usage.completion_tokens
    finish = json.loads(events[-3])
    assert finish["choices"][0]["finish_reason"] == "stop"


def test_no_usage_chunk_without_include_usage(http: httpx.Client) -> None:
    chunks = [json.loads(e) for e in raw_events(http, {"messages": QUESTION, "stream": True})[:-1]]
    assert all("usage" not in c for c in chunks)


def test_stream_chunks_validate_against_the_spec(http: httpx.Client) -> None:
    # The first, prompt-annotation event has object "" (as Azure sends it), which the spec's
    # chunk schema does not allow; every chat.completion.chunk must validate.
    for version in ("2024-10-21", "2025-01-01-preview"):
        body = {"messages": QUESTION, "stream": True, "logprobs": True, "top_logprobs": 2}
        for event in raw_events(http, body, version)[1:-1]:
            assert_valid_component(version, "createChatCompletionStreamResponse", json.loads(event))


def test_sync_client_stream_joins_to_the_plain_content(client: AzureOpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o", messages=QUESTION, stream=True, stream_options={"include_usage": True}
    )
    parts, usage, finish = [], None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    plain = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert "".join(parts) == plain.choices[0].message.content
    assert finish == "stop"
    assert usage is not None and usage.total_tokens == plain.usage.total_tokens


def test_stream_helper_assembles_the_final_completion(client: AzureOpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o", messages=QUESTION) as stream:
        final = stream.get_final_completion()
    plain = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert final.choices[0].message.content == plain.choices[0].message.content
    assert final.choices[0].finish_reason == "stop"


@pytest.mark.anyio
async def test_async_client_streams(async_client: AsyncAzureOpenAI) -> None:
    stream = await async_client.chat.completions.create(model="gpt-4o", messages=QUESTION, stream=True, max_tokens=7)
    parts, finish = [], None
    async for chunk in stream:
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    assert finish == "length"
    assert len("".join(parts)) > 0


def test_streamed_choices_for_n_each_finish(http: httpx.Client) -> None:
    chunks = [json.loads(e) for e in raw_events(http, {"messages": QUESTION, "stream": True, "n": 2})[:-1]]
    finished = [c["choices"][0]["index"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finished == [0, 1]


def test_streamed_logprobs_follow_the_content(http: httpx.Client) -> None:
    body = {"messages": QUESTION, "stream": True, "logprobs": True, "top_logprobs": 1}
    chunks = [json.loads(e) for e in raw_events(http, body)[1:-1]]
    for chunk in chunks:
        choice = chunk["choices"][0]
        if choice["delta"].get("content"):
            joined = b"".join(bytes(t["bytes"]) for t in choice["logprobs"]["content"]).decode()
            assert joined == choice["delta"]["content"]


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("usage", [None, {"completion_tokens": 3, "prompt_tokens": 2, "total_tokens": 5}])
def test_spliced_content_chunks_are_the_bytes_of_the_whole_chunk(
    monkeypatch: pytest.MonkeyPatch, asynchronous: bool, usage: dict[str, Any] | None
) -> None:
    # Content chunks are encoded once and each piece spliced in (emulator/operations/chat/
    # stream.py); encoded whole, every chunk must come out the same, byte for byte.
    from emulator import tokens
    from emulator.delivery import dumps
    from emulator.operations.chat import stream

    header = {"created": 1700000000, "id": "chatcmpl-abc", "model": "gpt-4o-mini", "system_fingerprint": "fp_x"}
    texts = ['Quotes " and \\ back, ünïcode 你好 🙂, a\nnew line\tand tab.', "Second choice."]

    def choices() -> list[stream.Choice]:
        made = []
        for index, text in enumerate(texts):
            ids = tokens.encode(text, "o200k_base")
            made.append(stream.Choice(index, text, "stop", ids, None, context={"intent": "x"} if index else None))
        return made

    def encoded(events: Any) -> list[bytes]:
        return [e if isinstance(e, bytes) else dumps(e) for e in events]

    spliced = list(stream.stream_chunks(header, choices(), usage, "o200k_base", asynchronous))

    class Whole(stream._Template):
        def __init__(self, event: dict[str, Any]) -> None:
            super().__init__(event)
            self._parts = None  # encode every chunk whole

    monkeypatch.setattr(stream, "_Template", Whole)
    whole = list(stream.stream_chunks(header, choices(), usage, "o200k_base", asynchronous))
    assert sum(isinstance(e, bytes) for e in spliced) > 20  # the content chunks were spliced
    assert not any(isinstance(e, bytes) for e in whole)
    assert encoded(spliced) == encoded(whole)
