"""Tool-call arguments taken from the user's message, through the openai client: a call written
out, a value after the parameter's name or a word of its description, quoted strings and
numbers; coerced to the parameter's type, kept only where the schema allows, any script intact."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from openai import AzureOpenAI, OpenAI


def tool(name: str, properties: dict[str, Any], *, strict: bool = False) -> dict[str, Any]:
    parameters: dict[str, Any] = {"type": "object", "properties": properties, "required": list(properties)}
    if strict:
        parameters["additionalProperties"] = False
    return {"type": "function", "function": {"name": name, "parameters": parameters, "strict": strict}}


def called(client: AzureOpenAI, prompt: str, offered: dict[str, Any], *, stream: bool = False) -> dict[str, Any]:
    """The arguments of the call the model makes, checked against the tool's schema."""
    name = offered["function"]["name"]
    request: dict[str, Any] = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": prompt}],
        "tools": [offered],
        "tool_choice": {"type": "function", "function": {"name": name}},
    }
    if stream:
        pieces = client.chat.completions.create(**request, stream=True)
        written = "".join(
            c.choices[0].delta.tool_calls[0].function.arguments or ""
            for c in pieces
            if c.choices and c.choices[0].delta.tool_calls
        )
    else:
        call = client.chat.completions.create(**request).choices[0].message.tool_calls[0]
        assert call.function.name == name
        written = call.function.arguments
    arguments: dict[str, Any] = json.loads(written)
    jsonschema.validate(arguments, offered["function"]["parameters"])
    return arguments


MAGIC = tool("magic_function", {"input": {"type": "integer"}})
WEATHER = tool(
    "get_weather", {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}
)
CUSTOMER = tool("greet_customer", {"customer_name": {"type": "string", "description": "The customer's name"}})


@pytest.mark.parametrize("stream", [False, True])
def test_a_call_written_out_gives_its_arguments(client: AzureOpenAI, stream: bool) -> None:
    prompt = "What is the value of magic_function(3)? Use the tool."
    assert called(client, prompt, MAGIC, stream=stream) == {"input": 3}
    assert called(client, 'Run get_weather("Paris", "celsius")', WEATHER, stream=stream) == {
        "city": "Paris",
        "unit": "celsius",
    }


def test_the_responses_api_takes_arguments_from_the_prompt_alike(v1_client: OpenAI) -> None:
    function = {"type": "function", "name": "magic_function", "parameters": MAGIC["function"]["parameters"]}
    response = v1_client.responses.create(
        model="gpt-4o",
        input="What is the value of magic_function(42)? Use the tool.",
        tools=[function],  # type: ignore[list-item]
        tool_choice="required",
    )
    [call] = [item for item in response.output if item.type == "function_call"]
    assert json.loads(call.arguments) == {"input": 42}


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ("Call the tool with the customer name 你好啊集团", "你好啊集团"),
        ("Greet a customer named 'こんにちは株式会社'.", "こんにちは株式会社"),
        ("Greet the customer: name is Ünal Çelik", "Ünal"),
        ("Greet the customer name “Zoë O'Neil”", "Zoë O'Neil"),
    ],
)
def test_a_value_after_the_parameters_name_passes_through_in_any_script(
    client: AzureOpenAI, prompt: str, name: str
) -> None:
    assert called(client, prompt, CUSTOMER)["customer_name"] == name


def test_a_value_after_a_word_of_the_description(client: AzureOpenAI) -> None:
    lookup = tool("lookup", {"q": {"type": "string", "description": "The client to look up"}})
    assert called(client, "Find the orders of client Contoso, please", lookup) == {"q": "Contoso"}


def test_a_place_after_in_for_a_place_parameter(client: AzureOpenAI) -> None:
    offered = tool("get_weather", {"location": {"type": "string"}})
    assert called(client, "What's the weather like in San Francisco today?", offered) == {"location": "San Francisco"}


def test_numbers_and_quoted_strings_fill_parameters_in_order(client: AzureOpenAI) -> None:
    add = tool("add", {"a": {"type": "integer"}, "b": {"type": "number"}})
    assert called(client, "Add 3 and 4.5", add) == {"a": 3, "b": 4.5}
    rename = tool("rename", {"old": {"type": "string"}, "new": {"type": "string"}})
    assert called(client, "Rename 'draft.txt' to 'final.txt'", rename) == {"old": "draft.txt", "new": "final.txt"}


def test_values_the_schema_refuses_are_generated_instead(client: AzureOpenAI) -> None:
    offered = tool(
        "forecast",
        {
            "days": {"type": "integer", "minimum": 1, "maximum": 3},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        strict=True,
    )
    arguments = called(client, "Forecast for days 10 in unit kelvin", offered)
    assert arguments["days"] in (1, 2, 3) and arguments["unit"] in ("celsius", "fahrenheit")


def test_strict_tools_take_prompt_values_and_stay_valid(client: AzureOpenAI) -> None:
    strict = tool("magic_function", {"input": {"type": "integer"}}, strict=True)
    assert called(client, "What is magic_function(7)?", strict) == {"input": 7}
    named = tool("greet_customer", {"customer_name": {"type": ["string", "null"]}}, strict=True)
    assert called(client, "Use the customer name 你好", named) == {"customer_name": "你好"}


def test_a_prompt_that_gives_nothing_leaves_the_generated_arguments(client: AzureOpenAI) -> None:
    first = called(client, "Please help me out.", WEATHER)
    assert first == called(client, "Please help me out.", WEATHER)  # deterministic
    assert set(first) == {"city", "unit"}


@pytest.mark.parametrize(
    "prompt",
    ["Call magic_function({[]: 1})", "Call magic_function(1e400)", "magic_function(" + "-" * 3000 + "1)"],
)
def test_a_written_call_that_cannot_be_read_leaves_generated_arguments(client: AzureOpenAI, prompt: str) -> None:
    assert set(called(client, prompt, MAGIC)) == {"input"}  # a valid call, not a 400 or a 500


def test_a_long_run_of_spaces_after_a_parameters_name_is_read_quickly(client: AzureOpenAI) -> None:
    # Once quadratic in the spaces (a request of this shape took 49 s and stalled every other).
    tools = [
        tool(f"t{i}", {f"p{j}": {"type": "string", "description": "The destination location"} for j in range(20)})
        for i in range(32)
    ]
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "destination" + " " * 4000}],
        tools=tools,  # type: ignore[arg-type]
        tool_choice="required",
    )
    assert response.choices[0].finish_reason == "tool_calls"
