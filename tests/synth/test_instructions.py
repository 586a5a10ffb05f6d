"""Literal requests answered as asked, through the openai client: chat (plain and streamed),
the Responses API and legacy completions; and prompts no rule knows left to the generator."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from openai import AzureOpenAI, OpenAI

from emulator.replies import ReplyRule
from emulator.settings import Settings
from emulator.synth import instructions
from emulator.synth.instructions import json_reply, literal_reply
from support import running_emulator


def say(client: AzureOpenAI, prompt: str, **kwargs: Any) -> str:
    """The chat answer to ``prompt``, checked to be the same streamed and not."""
    messages = [{"role": "user", "content": prompt}]
    plain = client.chat.completions.create(model="gpt-4o", messages=messages, **kwargs)
    stream = client.chat.completions.create(model="gpt-4o", messages=messages, stream=True, **kwargs)
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    content = plain.choices[0].message.content
    assert streamed == content
    return content or ""


def respond(v1_client: OpenAI, prompt: str) -> str:
    return v1_client.responses.create(model="gpt-4o", input=prompt).output_text


def complete(client: AzureOpenAI, prompt: str) -> str:
    return client.completions.create(model="gpt-35-turbo-instruct", prompt=prompt).choices[0].text


LITERALS = [
    ("Reply with exactly OK", "OK"),
    ("Respond with only the word yes, nothing else.", "yes"),
    ("Answer with just 'done'", "done"),
    ("Print exactly the following: foo bar", "foo bar"),
    ("Repeat after me: the sky is green", "the sky is green"),
    ("Say 'hello world'", "hello world"),
    ("say banana", "banana"),
    ("Return this as json: {'a': 1}", '{"a": 1}'),
    ('Return this as JSON: {"name": "Ada", "tags": ["x", "y"]}', '{"name": "Ada", "tags": ["x", "y"]}'),
    ("What is 2 + 2?", "4"),
    ("what's 17 times 3", "51"),
    ("Calculate (3 + 4) * 2.", "14"),
    ("What is 10 / 4?", "2.5"),
    ("count to five", "1, 2, 3, 4, 5"),
    ("Count from 3 to 6", "3, 4, 5, 6"),
    ("List three colours", "1. Red\n2. Blue\n3. Green"),
    ("name 4 planets", "1. Mercury\n2. Venus\n3. Earth\n4. Mars"),
]


@pytest.mark.parametrize(("prompt", "answer"), LITERALS)
def test_a_literal_request_gets_its_answer_in_chat_streamed_or_not(
    client: AzureOpenAI, prompt: str, answer: str
) -> None:
    assert say(client, prompt) == answer


@pytest.mark.parametrize(("prompt", "answer"), LITERALS[:12:3])
def test_the_responses_api_answers_literal_requests_alike(v1_client: OpenAI, prompt: str, answer: str) -> None:
    assert respond(v1_client, prompt) == answer


@pytest.mark.parametrize(("prompt", "answer"), LITERALS[1:14:4])
def test_legacy_completions_answer_literal_requests_alike(client: AzureOpenAI, prompt: str, answer: str) -> None:
    assert complete(client, prompt) == answer


@pytest.mark.parametrize("prompt", ["hi", "Hello!", "good morning", "Hey there"])
def test_a_prompt_that_is_only_a_greeting_gets_a_greeting(client: AzureOpenAI, v1_client: OpenAI, prompt: str) -> None:
    assert say(client, prompt) == "Hello! How can I help you today?"
    assert respond(v1_client, prompt) == "Hello! How can I help you today?"


def test_a_token_limit_cuts_the_literal_answer_exactly(client: AzureOpenAI) -> None:
    # langchain's standard suite: "hi" with max_tokens 2, streamed, gives "Hello!".
    messages = [{"role": "user", "content": "hi"}]
    plain = client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=2)
    assert (plain.choices[0].message.content, plain.choices[0].finish_reason) == ("Hello!", "length")
    assert plain.usage is not None and plain.usage.completion_tokens == 2
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=2, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello!"


@pytest.mark.parametrize(
    ("prompt", "answer"),
    [("こんにちは、元気ですか？", "こんにちは、元気ですか。"), ("Привет, как дела?", "Привет как дела.")],
)
def test_a_prompt_in_another_script_is_answered_in_it(client: AzureOpenAI, prompt: str, answer: str) -> None:
    assert say(client, prompt) == answer


def test_json_mode_gives_back_the_json_a_prompt_quotes(client: AzureOpenAI) -> None:
    answer = say(client, "Return this as json: {'a': 1, 'b': [true, null]}", response_format={"type": "json_object"})
    assert json.loads(answer) == {"a": 1, "b": [True, None]}


@pytest.mark.parametrize(
    ("prompt", "keys"),
    [
        (
            "Tell me a joke about cats. Return the result as a JSON with 'setup' and 'punchline' keys",
            ["setup", "punchline"],
        ),
        ("Describe a person as JSON with fields name, age, city, is_student", ["name", "age", "city", "is_student"]),
        ('Respond in JSON with "answer" and "confidence" fields.', ["answer", "confidence"]),
    ],
)
def test_json_mode_gives_an_object_with_the_keys_the_prompt_names(
    client: AzureOpenAI, prompt: str, keys: list[str]
) -> None:
    answer = json.loads(say(client, prompt, response_format={"type": "json_object"}))
    assert list(answer) == keys
    # Values shaped by their names: a number for an age, a flag for is_, a name for a name.
    if "age" in answer:
        assert isinstance(answer["age"], int) and isinstance(answer["is_student"], bool)
        assert isinstance(answer["name"], str) and answer["name"].istitle()
    assert all(value not in ("", None) for value in answer.values())


def test_json_mode_without_named_keys_gives_the_generators_object(client: AzureOpenAI) -> None:
    answer = json.loads(say(client, "Describe the harbour in JSON.", response_format={"type": "json_object"}))
    assert isinstance(answer, dict) and answer


@pytest.mark.parametrize(
    "prompt",
    [
        "How should I plan a database migration?",
        "Answer only in French: what is the capital of Peru?",
        "Return just the code for a loop",
        "Write exactly three sentences about cats",
        "Say something nice about tests",
        "What is the capital of France?",
        "Hello, how are you?",
    ],
)
def test_prompts_no_rule_knows_are_left_to_the_generator(client: AzureOpenAI, prompt: str) -> None:
    assert literal_reply(prompt) is None and json_reply(prompt, 0, "o200k_base") is None
    answer = say(client, prompt)
    assert len(answer.split()) >= 10  # the generator's prose, not a literal


def test_scripted_replies_win_over_every_rule() -> None:
    rule = ReplyRule.model_validate(
        {"name": "over-rules", "match": {"last_user": "exactly|^hi$"}, "reply": {"text": "As scripted."}}
    )
    with running_emulator(Settings.build(replies=[rule])) as url:
        with AzureOpenAI(azure_endpoint=url, api_key="k", api_version="2024-10-21", max_retries=0) as client:
            assert say(client, "Reply with exactly OK") == "As scripted."
            assert say(client, "hi") == "As scripted."
            assert say(client, "What is 2 + 2?") == "4"  # not matched by the script


@pytest.mark.parametrize(
    ("prompt", "answer"),
    [
        ("What is 1/0?", None),
        ("what is 9 ** 99999999?", None),  # too large to work out: left to the generator
        ("what is ((((1))))+1?", "2"),
        ("count to 100000", None),
        ("list 1000 colours", None),
        ("reply with exactly " + "a " * 2000, None),
        ("'" * 4000, None),
        ("x" * 100_000, None),
        ("Return this as json: {'a': [1, 2", None),
    ],
)
def test_odd_and_outsized_prompts_get_an_answer_or_none_without_error(prompt: str, answer: str | None) -> None:
    assert literal_reply(prompt) == answer
    assert json_reply(prompt, 0, "o200k_base") is None


def test_prompts_that_are_hard_to_read_are_answered_not_refused(client: AzureOpenAI) -> None:
    nested = "Return this as json: " + "[" * 1500 + "]" * 1500
    assert len(say(client, nested).split()) >= 10  # the generator answers; no 500
    assert len(say(client, nested, response_format={"type": "json_object"})) > 2
    assert say(client, "what is " + "*".join(["2**64"] * 17) + "?") != "inf"


def test_the_rules_words_are_found_in_one_pass_as_a_substring_test_finds_them() -> None:
    """literal_reply looks for every rule's words with one pattern: it must pick the rules a
    word-by-word substring test picks, overlapping words included (``justsay``, ``listname``)."""
    words = instructions._TRIGGER_WORDS
    # One position holds one match: were a word the start of another, the shorter would hide.
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    rng = random.Random(7)
    for _ in range(5000):
        parts = [
            rng.choice(words) if rng.random() < 0.5 else "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=3))
            for _ in range(rng.randint(1, 6))
        ]
        text = "".join(parts)
        present = set(instructions._TRIGGERS.findall(text))
        for rule_words, _ in instructions._RULES:
            assert (not present.isdisjoint(rule_words)) == any(w in text for w in rule_words), text
