"""The Responses API, through the official openai client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from support import assert_valid_component, assert_valid_response, refused

PREVIEW = "2025-04-01-preview"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def raw_create(client: OpenAI, **kwargs: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.responses.with_raw_response.create(**kwargs).http_response.json()
    return body


def test_a_response_answers_and_matches_the_v1_spec(v1_client: OpenAI) -> None:
    body = raw_create(v1_client, model="gpt-4o", input="Tell me about rivers.", metadata={"run": "1"})
    assert_valid_response("v1", "responses", body)
    assert body["object"] == "response" and body["status"] == "completed" and body["id"].startswith("resp_")
    (message,) = body["output"]
    assert message["type"] == "message" and message["role"] == "assistant"
    assert message["content"][0]["type"] == "output_text" and message["content"][0]["text"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert body["metadata"] == {"run": "1"} and body["model"].startswith("gpt-4o")


def test_the_dated_route_takes_the_model_from_the_body(azure: Callable[..., AzureOpenAI]) -> None:
    result = azure(PREVIEW).responses.create(model="gpt-4o", input="Hello")
    assert result.output_text
    error = refused(lambda: azure("2024-10-21").responses.create(model="gpt-4o", input="Hello"))
    assert error["message"] == "API version not supported"


def test_a_conversation_continues_from_a_stored_response(v1_client: OpenAI) -> None:
    first = v1_client.responses.create(model="gpt-4o", input="My name is Ada. Tell me about harbours.")
    second = v1_client.responses.create(model="gpt-4o", input="And lighthouses?", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    # The earlier turn and its answer are part of the prompt now.
    assert second.usage is not None and first.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
    third = v1_client.responses.create(model="gpt-4o", input="Thanks.", previous_response_id=second.id)
    assert third.usage is not None and third.usage.input_tokens > second.usage.input_tokens
    assert v1_client.responses.retrieve(first.id).output_text == first.output_text


def test_input_items_list_this_turns_input(v1_client: OpenAI, http: httpx.Client) -> None:
    turn = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "Name a river."}]},
    ]
    created = v1_client.responses.create(model="gpt-4o", input=turn)
    listed = http.get(f"/openai/v1/responses/{created.id}/input_items").json()
    assert_valid_component("v1", "OpenAI.ResponseItemList", listed)
    assert [item["role"] for item in listed["data"]] == ["user", "developer"]  # newest first
    ascending = v1_client.responses.input_items.list(created.id, order="asc", limit=1)
    assert [item.role for item in ascending.data] == ["developer"]  # type: ignore[union-attr]
    assert ascending.has_more is True
    wrong = http.get(f"/openai/v1/responses/{created.id}/input_items", params={"order": "sideways"})
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "order"


def test_a_tool_loop(v1_client: OpenAI) -> None:
    asked = v1_client.responses.create(
        model="gpt-4o", input="What is the weather in Oslo?", tools=[WEATHER], tool_choice="required"
    )
    (call,) = [item for item in asked.output if item.type == "function_call"]
    assert call.name == "get_weather" and isinstance(json.loads(call.arguments)["city"], str)
    answered = v1_client.responses.create(
        model="gpt-4o",
        previous_response_id=asked.id,
        tools=[WEATHER],
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"celsius": 4}'}],
    )
    assert '{"celsius": 4}' in answered.output_text
    # The same loop with the call carried in the input instead of by previous_response_id.
    carried = v1_client.responses.create(
        model="gpt-4o",
        tools=[WEATHER],
        input=[
            {"role": "user", "content": "What is the weather in Oslo?"},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": '{"celsius": 4}'},
        ],
    )
    assert '{"celsius": 4}' in carried.output_text


def test_structured_output_follows_the_schema(v1_client: OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"river": {"type": "string"}, "length_km": {"type": "integer", "minimum": 1}},
        "required": ["river", "length_km"],
        "additionalProperties": False,
    }
    result = v1_client.responses.create(
        model="gpt-4o",
        input="A river, as JSON.",
        text={"format": {"type": "json_schema", "name": "river", "schema": schema, "strict": True}},
    )
    data = json.loads(result.output_text)
    assert set(data) == {"river", "length_km"} and data["length_km"] >= 1


def test_streamed_events_come_in_order(v1_client: OpenAI) -> None:
    plain = v1_client.responses.create(model="gpt-4o", input="Describe a canal.")
    events = list(v1_client.responses.create(model="gpt-4o", input="Describe a canal.", stream=True))
    kinds = [e.type for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert set(kinds[4:-4]) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")  # type: ignore[union-attr]
    assert text == plain.output_text
    final = events[-1].response  # type: ignore[union-attr]
    assert final.status == "completed" and final.output_text == text


def test_streamed_function_call_arguments_join_up(v1_client: OpenAI) -> None:
    events = list(
        v1_client.responses.create(
            model="gpt-4o", input="Weather in Rome?", tools=[WEATHER], tool_choice="required", stream=True
        )
    )
    deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")  # type: ignore[union-attr]
    (done,) = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert deltas == done.arguments  # type: ignore[union-attr]
    json.loads(deltas)


def test_the_stream_uses_named_events_without_done(http: httpx.Client) -> None:
    with http.stream("POST", "/openai/v1/responses", json={"model": "gpt-4o", "input": "x", "stream": True}) as reply:
        text = reply.read().decode()
    assert text.startswith("event: response.created\ndata: {")
    assert "[DONE]" not in text and text.rstrip().split("\n")[-2] == "event: response.completed"


def test_reasoning_models_report_reasoning(v1_client: OpenAI) -> None:
    result = v1_client.responses.create(model="o3-mini", input="Think it over.", reasoning={"effort": "high"})
    assert [item.type for item in result.output] == ["reasoning", "message"]
    assert result.usage is not None and result.usage.output_tokens_details.reasoning_tokens == 576
    cut = v1_client.responses.create(model="o3-mini", input="Think.", max_output_tokens=100)
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "max_output_tokens"


def test_stored_responses_are_retrieved_deleted_and_then_gone(v1_client: OpenAI, http: httpx.Client) -> None:
    created = v1_client.responses.create(model="gpt-4o", input="Keep this.")
    fetched = http.get(f"/openai/v1/responses/{created.id}").json()
    assert_valid_response("v1", "responses", fetched)
    assert fetched["id"] == created.id and fetched["output"][0]["content"][0]["text"] == created.output_text
    deleted = http.delete(f"/openai/v1/responses/{created.id}")
    assert deleted.json() == {"id": created.id, "object": "response.deleted", "deleted": True}
    for call in (
        lambda: v1_client.responses.retrieve(created.id),
        lambda: v1_client.responses.delete(created.id),
        lambda: v1_client.responses.input_items.list(created.id),
    ):
        error = refused(call, status=404)
        assert error["message"] == f"Response with id '{created.id}' not found."
    unstored = v1_client.responses.create(model="gpt-4o", input="Forget this.", store=False)
    refused(lambda: v1_client.responses.retrieve(unstored.id), status=404)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"previous_response_id": "resp_missing"}, "previous_response_id"),
        ({"tools": [{"type": "web_search_preview"}]}, "tools[0].type"),
        ({"max_output_tokens": 8}, "max_output_tokens"),
        ({"reasoning": {"effort": "low"}}, "reasoning.effort"),
        ({"input": [{"role": "robot", "content": "x"}]}, "input[0].role"),
        ({"input": []}, "input"),
        ({"input": [{"type": "function_call_output", "output": "x"}]}, "input[0].call_id"),
        ({"temperature": 3}, "temperature"),
    ],
)
def test_bad_requests_name_the_parameter(v1_client: OpenAI, kwargs: dict[str, Any], param: str) -> None:
    request = {"model": "gpt-4o", "input": "Hello", **kwargs}
    error = refused(lambda: v1_client.responses.create(**request))
    assert error["param"] == param


def test_an_unknown_deployment_and_a_missing_model(http: httpx.Client) -> None:
    missing = http.post("/openai/v1/responses", json={"input": "x"})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "model"
    unknown = http.post(
        "/openai/responses", params={"api-version": PREVIEW}, json={"model": "text-embedding-3-small", "input": "x"}
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "OperationNotSupported"


def test_faults_and_content_filtering_apply(v1_client: OpenAI) -> None:
    with pytest.raises(openai.RateLimitError):
        v1_client.responses.create(model="gpt-4o", input="x", extra_headers={"x-emulator-scenario": "throttled"})
    error = refused(lambda: v1_client.responses.create(model="gpt-4o", input="[[cf:hate=high]] words"))
    assert error["code"] == "content_filter"


def test_instructions_and_image_input_count_as_prompt(v1_client: OpenAI) -> None:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (512, 512), "navy").save(out, "PNG")
    image = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    plain = v1_client.responses.create(model="gpt-4o", input="Describe it.")
    framed = v1_client.responses.create(
        model="gpt-4o",
        instructions="You are a museum guide. Answer in two sentences.",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Describe it."},
                    {"type": "input_image", "image_url": image},
                ],
            }
        ],
    )
    assert framed.instructions == "You are a museum guide. Answer in two sentences."
    assert framed.usage is not None and plain.usage is not None
    # gpt-4o prices a 512x512 image at 85 + 170 tokens, on top of the instructions' own.
    assert framed.usage.input_tokens >= plain.usage.input_tokens + 255


def test_stream_faults_cut_a_responses_stream(v1_client: OpenAI) -> None:
    stream = v1_client.responses.create(
        model="gpt-4o", input="A long story, please.", stream=True, extra_headers={"x-emulator-scenario": "cut-stream"}
    )
    with pytest.raises(openai.APIError):
        for _ in stream:
            pass
