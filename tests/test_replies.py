"""Scripted replies from the config: each kind of match and reply, and a scripted agent loop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import AzureOpenAI

from emulator import tokens
from emulator.replies import ReplyRule
from emulator.settings import ConfigError, Settings, load_config_file
from support import running_emulator

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}

RULES = [
    {
        "name": "weather-call",
        "match": {"last_user": r"weather in (?P<city>\w+)", "tools": ["get_weather"], "after_tool": False},
        "reply": {"tool_call": {"name": "get_weather", "arguments": {"city": "{city}"}}},
    },
    {
        "name": "weather-answer",
        "match": {"after_tool": True, "conversation": r"weather in (?P<city>\w+)"},
        "reply": {"text": "It is sunny in {city}, says the tool."},
    },
    {"name": "greeting", "match": {"last_user": r"^hello (\w+)"}, "reply": {"text": "Hi {1}! {not-a-group} stays."}},
    {"name": "json", "match": {"last_user": "as json"}, "reply": {"json": {"status": "ok", "items": [1, 2]}}},
    {"name": "long", "match": {"last_user": "long answer"}, "reply": {"tokens": 120}},
    {"name": "filtered", "match": {"last_user": "forbidden"}, "reply": {"text": "", "finish_reason": "content_filter"}},
    {"name": "once", "match": {"last_user": "only once"}, "when": {"first": 1}, "reply": {"text": "the first time"}},
    {
        "name": "mini-only",
        "match": {"deployment": "gpt-4o-mini", "last_user": "which model"},
        "reply": {"text": "the mini one"},
    },
]


@pytest.fixture(scope="module")
def scripted() -> Iterator[AzureOpenAI]:
    settings = Settings.build(replies=[ReplyRule.model_validate(r) for r in RULES])
    with running_emulator(settings) as url:
        with AzureOpenAI(azure_endpoint=url, api_key="k", api_version="2024-10-21", max_retries=0) as client:
            yield client


def ask(client: AzureOpenAI, text: str, model: str = "gpt-4o", **kwargs: Any) -> Any:
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}], **kwargs).choices[
        0
    ]


def test_a_scripted_agent_loop(scripted: AzureOpenAI) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Lisbon?"}]
    first = scripted.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER]).choices[0]
    assert first.finish_reason == "tool_calls"
    call = first.message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", {"city": "Lisbon"})
    messages += [
        first.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = scripted.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER]).choices[0]
    assert (second.finish_reason, second.message.content) == ("stop", "It is sunny in Lisbon, says the tool.")


def test_streamed_scripted_text(scripted: AzureOpenAI) -> None:
    stream = scripted.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hello Ada"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hi Ada! {not-a-group} stays."


def test_json_tokens_and_finish_reason_replies(scripted: AzureOpenAI) -> None:
    assert json.loads(ask(scripted, "give it as json").message.content) == {"status": "ok", "items": [1, 2]}
    long = scripted.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "a long answer"}])
    assert long.usage.completion_tokens == 120 == len(tokens.encode(long.choices[0].message.content, "o200k_base"))
    assert ask(scripted, "forbidden topic").finish_reason == "content_filter"


def test_counted_rules_answer_only_their_turns(scripted: AzureOpenAI) -> None:
    assert ask(scripted, "only once please").message.content == "the first time"
    assert ask(scripted, "only once please").message.content != "the first time"


def test_deployment_matching_and_the_generator_as_fallback(scripted: AzureOpenAI) -> None:
    assert ask(scripted, "which model are you?", model="gpt-4o-mini").message.content == "the mini one"
    assert ask(scripted, "which model are you?", model="gpt-4o").message.content != "the mini one"


def test_a_reply_must_be_one_kind(tmp_path: Path) -> None:
    path = tmp_path / "emulator.yaml"
    path.write_text("replies:\n  - name: r\n    reply: {text: a, tokens: 3}\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert "a reply is one of text, tool_call, json or tokens" in str(caught.value)


def test_counted_rules_are_not_bypassed_by_the_memo() -> None:
    rules = [
        ReplyRule.model_validate(
            {
                "name": "third",
                "match": {"last_user": "late"},
                "when": {"from": 3},
                "reply": {"text": "third time lucky"},
            }
        )
    ]
    with running_emulator(Settings.build(replies=rules)) as url:
        with AzureOpenAI(azure_endpoint=url, api_key="k", api_version="2024-10-21", max_retries=0) as client:
            answers = [ask(client, "late").message.content for _ in range(4)]
    assert answers[2] == answers[3] == "third time lucky" and answers[0] != "third time lucky"


def test_a_scripted_call_the_request_forbids_gives_way(scripted: AzureOpenAI) -> None:
    messages = [{"role": "user", "content": "What is the weather in Lisbon?"}]
    choice = scripted.chat.completions.create(
        model="gpt-4o", messages=messages, tools=[WEATHER], tool_choice="none"
    ).choices[0]
    assert choice.message.tool_calls is None and choice.finish_reason == "stop"
