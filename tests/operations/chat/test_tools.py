"""Tool calling through the official client: deciding, calling with valid arguments, streaming
the calls, and answering from tool results (an agent loop)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import openai
import pytest
from openai import AzureOpenAI

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Get the local time in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
ASK = [{"role": "user", "content": "What is the weather in Oslo?"}]


def schema_of(tool: dict[str, Any]) -> dict[str, Any]:
    return tool["function"]["parameters"]


def test_auto_calls_the_relevant_tool_with_valid_arguments(client: AzureOpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=ASK, tools=[TIME, WEATHER])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), schema_of(WEATHER))
    assert completion.usage.completion_tokens > 0


def test_an_agent_loop_runs_to_an_answer_that_uses_the_result(client: AzureOpenAI) -> None:
    messages: list[dict[str, Any]] = list(ASK)
    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 4, "sky": "overcast"}'})
    second = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER])
    answer = second.choices[0]
    assert answer.finish_reason == "stop" and not answer.message.tool_calls
    assert "get_weather returned" in answer.message.content and '"temperature": 4' in answer.message.content


def test_parallel_calls_for_several_relevant_tools(client: AzureOpenAI) -> None:
    ask = [{"role": "user", "content": "What are the weather and the local time in Oslo?"}]
    calls = (
        client.chat.completions.create(model="gpt-4o", messages=ask, tools=[WEATHER, TIME])
        .choices[0]
        .message.tool_calls
    )
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert len({c.id for c in calls}) == 2
    single = client.chat.completions.create(
        model="gpt-4o", messages=ask, tools=[WEATHER, TIME], parallel_tool_calls=False
    )
    assert len(single.choices[0].message.tool_calls) == 1


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [("none", None), ("required", "get_weather"), ({"type": "function", "function": {"name": "get_time"}}, "get_time")],
    ids=["none", "required", "named"],
)
def test_tool_choice_decides(client: AzureOpenAI, tool_choice: Any, expected: str | None) -> None:
    after_result = [*ASK, {"role": "assistant", "content": "Let me check."}]
    messages = after_result if tool_choice == "required" else ASK
    choice = client.chat.completions.create(
        model="gpt-4o", messages=messages, tools=[WEATHER, TIME], tool_choice=tool_choice
    ).choices[0]
    if expected is None:
        assert choice.message.tool_calls is None and choice.finish_reason == "stop"
    else:
        assert choice.message.tool_calls[0].function.name == expected


def test_legacy_functions_answer_with_function_call(client: AzureOpenAI) -> None:
    functions = [WEATHER["function"]]
    choice = client.chat.completions.create(model="gpt-4o", messages=ASK, functions=functions).choices[0]
    assert choice.finish_reason == "function_call"
    assert choice.message.function_call.name == "get_weather"
    jsonschema.validate(json.loads(choice.message.function_call.arguments), schema_of(WEATHER))


def test_streamed_calls_join_to_the_plain_ones(client: AzureOpenAI) -> None:
    plain = (
        client.chat.completions.create(model="gpt-4o", messages=ASK, tools=[WEATHER]).choices[0].message.tool_calls[0]
    )
    stream = client.chat.completions.create(model="gpt-4o", messages=ASK, tools=[WEATHER], stream=True)
    name, arguments, finish, first_delta = None, "", None, None
    for chunk in stream:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or ():
                first_delta = first_delta or delta
                name = delta.function.name or name
                arguments += delta.function.arguments or ""
            finish = choice.finish_reason or finish
    assert first_delta is not None and first_delta.id and first_delta.type == "function" and first_delta.index == 0
    assert (name, arguments, finish) == ("get_weather", plain.function.arguments, "tool_calls")


def test_the_stream_helper_assembles_tool_calls(client: AzureOpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o", messages=ASK, tools=[WEATHER]) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    jsonschema.validate(json.loads(call.function.arguments), schema_of(WEATHER))


HARD_SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "mail": {"type": "string", "format": "email"},
            "site": {"type": "string", "format": "uri"},
            "id": {"type": "string", "format": "uuid"},
        },
        "required": ["when", "day", "mail", "site", "id"],
    },
    {"type": "object", "properties": {"n": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}, "required": ["n"]},
    {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "minItems": 3, "maxItems": 3}
        },
        "required": ["tags"],
    },
    {
        "type": "object",
        "properties": {"kind": {"const": "fixed"}, "level": {"enum": [1, 2, 3]}},
        "required": ["kind", "level"],
    },
    {
        "$defs": {
            "point": {
                "type": "object",
                "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                "required": ["x", "y"],
                "additionalProperties": False,
            }
        },
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/point"}, "b": {"$ref": "#/$defs/point"}},
        "required": ["a", "b"],
    },
    {
        "type": "object",
        "properties": {"value": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}},
        "required": ["value"],
    },
    {
        "type": "object",
        "properties": {
            "shape": {
                "oneOf": [
                    {"type": "object", "properties": {"r": {"type": "number"}}, "required": ["r"]},
                    {"type": "string", "enum": ["square"]},
                ]
            }
        },
        "required": ["shape"],
    },
    {
        "type": "object",
        "properties": {
            "nested": {
                "type": "object",
                "properties": {
                    "deeper": {
                        "type": "object",
                        "properties": {"deepest": {"type": "array", "items": {"type": "boolean"}}},
                        "required": ["deepest"],
                    }
                },
                "required": ["deeper"],
            }
        },
        "required": ["nested"],
    },
    {
        "type": "object",
        "properties": {"code": {"type": "string", "minLength": 8, "maxLength": 8}},
        "required": ["code"],
    },
    {
        "type": "object",
        "properties": {"maybe": {"type": ["string", "null"]}},
        "required": ["maybe"],
        "additionalProperties": False,
    },
    {
        "type": "object",
        "allOf": [
            {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"properties": {"b": {"type": "string"}}, "required": ["b"]},
        ],
    },
    {"type": "object", "properties": {}, "additionalProperties": False},
]


def forced_arguments(client: AzureOpenAI, schema: dict[str, Any], seed: int) -> Any:
    """The arguments of a call the model must make to a tool taking ``schema``."""
    tool = {"type": "function", "function": {"name": "act", "parameters": schema}}
    response = client.chat.completions.create(
        model="gpt-4o", messages=ASK, tools=[tool], tool_choice="required", seed=seed
    )
    return json.loads(response.choices[0].message.tool_calls[0].function.arguments)


@pytest.mark.parametrize("schema", HARD_SCHEMAS, ids=[f"schema-{i}" for i in range(len(HARD_SCHEMAS))])
def test_generated_arguments_validate_against_hard_schemas(client: AzureOpenAI, schema: dict[str, Any]) -> None:
    for seed in range(3):
        jsonschema.validate(forced_arguments(client, schema, seed), schema)


BAD_TOOLS = [
    ({"tools": [{"type": "retrieval"}]}, "tools[0].type"),
    ({"tools": [{"type": "function", "function": {"name": "has space"}}]}, "tools[0].function.name"),
    ({"tools": [{"type": "function", "function": {"description": "no name"}}]}, "tools[0].function.name"),
    (
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": "object"}}]},
        "tools[0].function.parameters",
    ),
    ({"tools": [WEATHER, WEATHER]}, "tools"),
    ({"tool_choice": "auto"}, "tool_choice"),
    ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
    ({"tools": [WEATHER], "tool_choice": "sometimes"}, "tool_choice"),
    ({"function_call": "auto"}, "function_call"),
    (
        {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "f",
                        "strict": True,
                        "parameters": {
                            "type": "object",
                            "properties": {"z": {"type": "string", "not": {"const": "a"}}},
                            "required": ["z"],
                            "additionalProperties": False,
                        },
                    },
                }
            ]
        },
        "tools[0].function.parameters",
    ),
    ({"tools": [WEATHER] * 129}, "tools"),
]


@pytest.mark.parametrize(("extra", "param"), BAD_TOOLS, ids=[b[1] + f"-{i}" for i, b in enumerate(BAD_TOOLS)])
def test_bad_tool_definitions_get_a_400_naming_the_parameter(
    http: httpx.Client, extra: dict[str, Any], param: str
) -> None:
    response = http.post(
        "/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"messages": ASK, **extra},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_the_client_raises_bad_request_for_an_unknown_named_tool(client: AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o",
            messages=ASK,
            tools=[WEATHER],
            tool_choice={"type": "function", "function": {"name": "nope"}},
        )
    assert caught.value.param == "tool_choice"


from schemas import SCHEMAS  # noqa: E402


@pytest.mark.parametrize("schema", SCHEMAS, ids=[f"schema-{i}" for i in range(len(SCHEMAS))])
def test_tool_arguments_and_structured_outputs_validate(client: AzureOpenAI, schema: dict[str, Any]) -> None:
    assert len(SCHEMAS) >= 30
    response_format = {"type": "json_schema", "json_schema": {"name": "out", "schema": schema}}
    for seed in range(2):
        jsonschema.validate(forced_arguments(client, schema, seed), schema)
        content = (
            client.chat.completions.create(model="gpt-4o", messages=ASK, response_format=response_format, seed=seed)
            .choices[0]
            .message.content
        )
        jsonschema.validate(json.loads(content), schema)


def test_a_small_budget_cuts_the_call_and_stops_for_length(client: AzureOpenAI) -> None:
    choice = client.chat.completions.create(model="gpt-4o", messages=ASK, tools=[WEATHER], max_tokens=4).choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.tool_calls[0].function.name == "get_weather"


@pytest.mark.parametrize(
    "messages",
    [
        [*ASK, {"role": "tool", "tool_call_id": "call_nowhere", "content": "x"}],
        [
            *ASK,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
                ],
            },
            {"role": "user", "content": "and then?"},
        ],
        [*ASK, {"role": "assistant", "content": None}],
    ],
    ids=["result-without-call", "call-without-result", "empty-assistant"],
)
def test_conversations_the_service_refuses(http: httpx.Client, messages: list[dict[str, Any]]) -> None:
    response = http.post(
        "/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"messages": messages, "tools": [WEATHER]},
    )
    assert response.status_code == 400, response.text


def test_streamed_tool_call_content_is_null_like_the_plain_answer(client: AzureOpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o", messages=ASK, tools=[WEATHER]) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content is None


def test_schemas_that_need_care(client: AzureOpenAI) -> None:
    schemas = [
        {
            "type": "object",
            "properties": {"email": {"type": "string"}, "phone": {"type": "string"}},
            "anyOf": [{"required": ["email"]}, {"required": ["phone"]}],
        },
        {
            "type": "object",
            "properties": {"x": {"type": "integer"}, "y": {"type": "string"}},
            "required": ["x"],
            "allOf": [{"required": ["y"]}],
        },
        {"type": "object", "properties": {"n": {"type": "integer", "maximum": -0.5}}, "required": ["n"]},
        {
            "type": "object",
            "properties": {"n": {"type": "integer", "exclusiveMinimum": -1.5, "maximum": -1}},
            "required": ["n"],
        },
        {
            "type": "object",
            "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": 50}},
            "required": ["n"],
        },
        {"type": "object", "required": ["count"], "additionalProperties": {"type": "integer"}},
    ]
    for schema in schemas:
        tool = {"type": "function", "function": {"name": "act", "parameters": schema}}
        call = client.chat.completions.create(model="gpt-4o", messages=ASK, tools=[tool], tool_choice="required")
        jsonschema.validate(json.loads(call.choices[0].message.tool_calls[0].function.arguments), schema)
