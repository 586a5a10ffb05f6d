"""Every bad request gets Azure's error envelope, status, code, param and message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI

from support import error_of

CHAT = "/openai/deployments/gpt-4o/chat/completions"
GA = {"api-version": "2024-10-21"}
HELLO = [{"role": "user", "content": "Hello"}]


def post_chat(http: httpx.Client, body: Any, params: dict[str, str] = GA, **kwargs: Any) -> httpx.Response:
    return http.post(CHAT, params=params, json=body, **kwargs)


# -- api-version ----------------------------------------------------------------------------


def test_missing_api_version_is_404_resource_not_found(http: httpx.Client) -> None:
    response = post_chat(http, {"messages": HELLO}, params={})
    assert response.status_code == 404
    assert response.content == b'{"error":{"code":"404","message": "Resource not found"}}'


def test_unknown_api_version_raises_not_found_in_the_client(azure: Callable[..., AzureOpenAI]) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        azure(api_version="2023-12-01").chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.code == "404"
    assert "Resource not found" in str(caught.value)


@pytest.mark.parametrize(
    ("path", "version"),
    [("/openai/deployments/tts/audio/speech", "2024-02-01"), ("/openai/responses", "2024-10-21")],
    ids=["speech-on-ga", "responses-on-ga"],
)
def test_operation_missing_from_the_version_is_400_api_version_not_supported(
    http: httpx.Client, path: str, version: str
) -> None:
    response = http.post(
        path, params={"api-version": version}, json={"input": "hi", "voice": "alloy", "model": "gpt-4o"}
    )
    assert response.status_code == 400
    assert error_of(response) == {"code": "BadRequest", "message": "API version not supported"}


@pytest.mark.parametrize(
    ("version", "extra", "names"),
    [
        ("2024-06-01", {"max_completion_tokens": 20}, "max_completion_tokens"),
        ("2024-06-01", {"stream": True, "stream_options": {"include_usage": True}}, "stream_options"),
        ("2024-02-01", {"logprobs": True}, "logprobs"),
        (
            "2024-06-01",
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
            "response_format",
        ),
    ],
    ids=["max_completion_tokens", "stream_options", "logprobs", "json_schema"],
)
def test_parameter_the_version_lacks_is_unrecognized(
    azure: Callable[..., AzureOpenAI], version: str, extra: dict[str, Any], names: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        azure(api_version=version).chat.completions.create(model="gpt-4o", messages=HELLO, **extra)
    assert caught.value.status_code == 400
    assert caught.value.body["message"] == f"Unrecognized request argument supplied: {names}"
    assert caught.value.param is None and caught.value.code is None
    assert caught.value.type == "invalid_request_error"


def test_several_unknown_parameters_are_listed_together(http: httpx.Client) -> None:
    response = post_chat(http, {"messages": HELLO, "topP": 1, "frequencyPenalty": 0})
    assert error_of(response)["message"] == "Unrecognized request arguments supplied: frequencyPenalty, topP"


def test_developer_role_arrives_with_2024_12_01_preview(http: httpx.Client) -> None:
    body = {"messages": [{"role": "developer", "content": "Be brief."}, *HELLO]}
    assert post_chat(http, body, params={"api-version": "2024-12-01-preview"}).status_code == 200
    error = error_of(post_chat(http, body))
    assert error["param"] == "messages[0].role" and error["code"] == "invalid_value"


# -- deployments and routes -----------------------------------------------------------------


def test_unknown_deployment_is_404_deployment_not_found(
    azure: Callable[..., AzureOpenAI], locked_endpoint: str
) -> None:
    client = azure(azure_endpoint=locked_endpoint, api_key="right-key")
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-deployment", messages=HELLO)
    assert caught.value.code == "DeploymentNotFound"
    assert caught.value.body["message"].startswith("The API deployment for this resource does not exist.")


def test_chat_on_an_embeddings_deployment_is_operation_not_supported(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/text-embedding-3-small/chat/completions", params=GA, json={"messages": HELLO}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "OperationNotSupported"
    assert error["message"].startswith(
        "The chatCompletion operation does not work with the specified model, text-embedding-3-small."
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/openai/nowhere"), ("GET", "/index.html"), ("GET", CHAT), ("DELETE", "/openai/v1/chat/completions")],
    ids=["unknown-path", "html-page", "get-on-chat", "delete-on-v1"],
)
def test_unknown_route_or_wrong_method_is_azures_404(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path, params=GA)
    assert response.status_code == 404
    assert error_of(response) == {"code": "404", "message": "Resource not found"}


def test_oversized_body_is_413(locked_endpoint: str) -> None:
    body = {"messages": [{"role": "user", "content": "x" * 8000}]}
    response = httpx.post(f"{locked_endpoint}{CHAT}", params=GA, json=body, headers={"api-key": "right-key"})
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "request_too_large"
    assert "4096 bytes" in error["message"]


def test_v1_without_model_names_the_missing_parameter(http: httpx.Client) -> None:
    response = http.post("/openai/v1/chat/completions", json={"messages": HELLO})
    assert response.status_code == 400
    assert error_of(response)["param"] == "model"


def test_v1_refuses_a_dated_api_version_as_the_service_does(endpoint: str) -> None:
    """azopenai sends its dated api-version even to its OpenAI-style v1 client; the service
    answers 400 (service.md 4.9). v1, latest and preview are what v1 takes."""
    from openai import OpenAI

    with OpenAI(
        base_url=f"{endpoint}/openai/v1/", api_key="k", default_query={"api-version": "2025-01-01-preview"}
    ) as dated:
        with pytest.raises(openai.BadRequestError) as caught:
            dated.audio.speech.create(model="tts", voice="alloy", input="Hello")
    assert caught.value.response.json() == {
        "error": {"code": "BadRequest", "message": "api-version query parameter is not allowed when using /v1 path"}
    }
    assert caught.value.response.headers["x-request-id"]
    for accepted in ("v1", "latest", "preview"):
        with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k", default_query={"api-version": accepted}) as v1:
            assert v1.chat.completions.create(model="gpt-4o", messages=HELLO).choices


# -- the body -------------------------------------------------------------------------------


def test_invalid_json_is_400_with_azures_parse_message(http: httpx.Client) -> None:
    response = http.post(CHAT, params=GA, content=b'{"messages": [', headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["message"].startswith("We could not parse the JSON body of your request.")
    assert error["type"] == "invalid_request_error"


def test_body_that_is_not_an_object_is_400(http: httpx.Client) -> None:
    response = post_chat(http, ["messages"])
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_type"


BAD_BODIES = [
    ({}, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."),
    (
        {"messages": []},
        "messages",
        "empty_array",
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    ),
    (
        {"messages": "Hello"},
        "messages",
        "invalid_type",
        "Invalid type for 'messages': expected an array, but got a string instead.",
    ),
    (
        {"messages": [{"role": "bogus", "content": "hi"}]},
        "messages[0].role",
        "invalid_value",
        "Invalid value: 'bogus'. Supported values are: 'system', 'user', 'assistant', 'tool', and 'function'.",
    ),
    (
        {"messages": [{"role": "user"}]},
        "messages[0].content",
        "missing_required_parameter",
        "Missing required parameter: 'messages[0].content'.",
    ),
    (
        {"messages": HELLO, "temperature": 3},
        "temperature",
        "decimal_above_max_value",
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
    ),
    (
        {"messages": HELLO, "temperature": -0.5},
        "temperature",
        "decimal_below_min_value",
        "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -0.5 instead.",
    ),
    (
        {"messages": HELLO, "temperature": "hot"},
        "temperature",
        "invalid_type",
        "Invalid type for 'temperature': expected a decimal, but got a string instead.",
    ),
    (
        {"messages": HELLO, "n": 0},
        "n",
        "integer_below_min_value",
        "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
    ),
    (
        {"messages": HELLO, "n": 129},
        "n",
        "integer_above_max_value",
        "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead.",
    ),
    (
        {"messages": HELLO, "logprobs": True, "top_logprobs": 21},
        "top_logprobs",
        "integer_above_max_value",
        "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.",
    ),
    (
        {"messages": HELLO, "top_logprobs": 2},
        "top_logprobs",
        None,
        "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
    ),
    (
        {"messages": HELLO, "max_tokens": 0},
        "max_tokens",
        "integer_below_min_value",
        "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
    ),
    (
        {"messages": HELLO, "max_tokens": 20000},
        "max_tokens",
        "invalid_value",
        "max_tokens is too large: 20000. This model supports at most 16384 completion tokens, whereas you provided 20000.",
    ),
    (
        {"messages": HELLO, "presence_penalty": -3},
        "presence_penalty",
        "decimal_below_min_value",
        "Invalid 'presence_penalty': decimal below minimum value. Expected a value >= -2, but got -3 instead.",
    ),
    (
        {"messages": HELLO, "stop": ["a", "b", "c", "d", "e"]},
        "stop",
        "array_above_max_length",
        "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.",
    ),
    (
        {"messages": HELLO, "stream": "yes"},
        "stream",
        "invalid_type",
        "Invalid type for 'stream': expected a boolean, but got a string instead.",
    ),
    (
        {"messages": HELLO, "max_tokens": 5, "max_completion_tokens": 5},
        "max_tokens",
        "invalid_parameter_combination",
        "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
    ),
    (
        {"messages": HELLO, "response_format": {"type": "xml"}},
        "response_format.type",
        "invalid_value",
        "Invalid value: 'xml'. Supported values are: 'text', 'json_object', and 'json_schema'.",
    ),
    (
        {"messages": HELLO, "stop": 5},
        "stop",
        "invalid_type",
        "Invalid type for 'stop': expected one of a string or an array, but got an integer instead.",
    ),
]


@pytest.mark.parametrize(
    ("body", "param", "code", "message"), BAD_BODIES, ids=[b[1] + ":" + str(b[2]) for b in BAD_BODIES]
)
def test_bad_body_gets_a_400_naming_the_parameter(
    http: httpx.Client, body: dict[str, Any], param: str, code: str | None, message: str
) -> None:
    response = post_chat(http, body)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error == {"message": message, "type": "invalid_request_error", "param": param, "code": code}


def test_bad_body_raises_bad_request_in_the_client(client: AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO, temperature=5)
    assert caught.value.param == "temperature"
    assert caught.value.code == "decimal_above_max_value"
    assert caught.value.request_id


def test_prompt_beyond_the_context_window_is_context_length_exceeded(http: httpx.Client) -> None:
    words = " ".join(["migration"] * 17000)
    response = http.post(
        "/openai/deployments/gpt-35-turbo/chat/completions",
        params=GA,
        json={"messages": [{"role": "user", "content": words}]},
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "context_length_exceeded" and error["param"] == "messages"
    assert error["message"].startswith(
        "This model's maximum context length is 16385 tokens. However, your messages resulted in"
    )


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}, "required": ["a"]},
        {"type": "wobbly"},
        {
            "$defs": {
                "node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}, "required": ["next"]}
            },
            "$ref": "#/$defs/node",
        },
        {"type": "object", "properties": {"n": {"type": "integer", "minimum": "low"}}, "required": ["n"]},
        {"type": "string", "minLength": 100_000_000},
        {"type": "array", "minItems": 10_000_000},
        {
            "$defs": {
                f"d{i}": {
                    "type": "object",
                    "properties": {"a": {"$ref": f"#/$defs/d{i + 1}"}, "b": {"$ref": f"#/$defs/d{i + 1}"}},
                    "required": ["a", "b"],
                }
                for i in range(30)
            }
            | {"d30": {"type": "string"}},
            "$ref": "#/$defs/d0",
        },
        {"type": "object", "properties": [], "required": []},
        {"type": "array", "minItems": 5, "maxItems": 2},
        {"type": "string", "minLength": 9, "maxLength": 3},
        {"type": "integer", "minimum": 5, "maximum": 1},
        {"const": float("nan")},
    ],
    ids=[
        "dangling-ref",
        "unknown-type",
        "endless-recursion",
        "non-numeric-bound",
        "huge-string",
        "huge-array",
        "exponential-refs",
        "properties-not-an-object",
        "min-items-above-max",
        "min-length-above-max",
        "minimum-above-maximum",
        "nan-const",
    ],
)
def test_a_schema_no_data_can_satisfy_is_a_400(http: httpx.Client, schema: dict[str, Any]) -> None:
    body = {
        "messages": HELLO,
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
    }
    raw = json.dumps(body).replace("NaN", "0.5e999999")  # NaN is not JSON; an overflowing number parses to inf
    response = http.post(CHAT, params=GA, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["param"] == "response_format.json_schema.schema"
    assert error["message"].startswith("Invalid schema for response_format 's':")


def test_recursive_schema_with_an_optional_way_out_generates_valid_data(client: AzureOpenAI) -> None:
    import json

    import jsonschema

    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["name"],
            }
        },
        "$ref": "#/$defs/node",
    }
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        response_format={"type": "json_schema", "json_schema": {"name": "tree", "schema": schema}},
    )
    jsonschema.validate(json.loads(completion.choices[0].message.content), schema)


def test_strict_schema_with_a_constraint_the_generator_lacks_is_a_400(http: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {"zip": {"type": "string", "not": {"const": "00000"}}},
        "required": ["zip"],
        "additionalProperties": False,
    }
    body = {
        "messages": HELLO,
        "response_format": {"type": "json_schema", "json_schema": {"name": "z", "schema": schema, "strict": True}},
    }
    error = error_of(post_chat(http, body))
    assert error["param"] == "response_format.json_schema.schema"
    assert "'not' is not supported" in error["message"]


MORE_BAD_BODIES = [
    (
        {"messages": HELLO, "response_format": {"type": "json_schema", "json_schema": {"schema": {}}}},
        "response_format.json_schema.name",
        "missing_required_parameter",
    ),
    ({"messages": HELLO, "stream_options": {"include_usage": True}}, "stream_options", None),
    (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": 123}]}]},
        "messages[0].content",
        "invalid_type",
    ),
    (
        {"messages": [{"role": "assistant", "content": None, "tool_calls": [{"function": "x"}]}]},
        "messages[0].tool_calls[0].id",
        "missing_required_parameter",
    ),
    ({"messages": [{"role": "\ud800", "content": "x"}]}, "messages[0].role", "invalid_value"),
]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    MORE_BAD_BODIES,
    ids=["schema-name", "stream-options-alone", "text-not-string", "tool-call-shape", "lone-surrogate"],
)
def test_more_bad_bodies_are_400s(http: httpx.Client, body: dict[str, Any], param: str, code: str | None) -> None:
    # json.dumps escapes the lone surrogate (\\ud800), as a client would have to.
    response = http.post(CHAT, params=GA, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert (error["param"], error["code"]) == (param, code)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"messages": ' + b"[" * 100_000,
        b'{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
        b"\xff\xfe{}",
    ],
    ids=["deeply-nested", "nan", "not-utf8"],
)
def test_json_that_cannot_be_taken_is_a_parse_400(http: httpx.Client, raw: bytes) -> None:
    response = http.post(CHAT, params=GA, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert error_of(response)["message"].startswith("We could not parse the JSON body")


def test_unknown_deployment_is_judged_before_the_body(locked_endpoint: str) -> None:
    response = httpx.post(
        f"{locked_endpoint}/openai/deployments/nowhere/chat/completions",
        params=GA,
        content=b"{",
        headers={"api-key": "right-key"},
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "DeploymentNotFound"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            "In context=(), 'additionalProperties' is required to be supplied and to be false.",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                "required": ["a"],
                "additionalProperties": False,
            },
            "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
        ),
        (
            {
                "type": "object",
                "properties": {"inner": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}},
                "required": ["inner"],
                "additionalProperties": False,
            },
            "In context=('properties', 'inner'), 'additionalProperties' is required to be supplied and to be false.",
        ),
    ],
    ids=["no-additional-properties", "optional-property", "nested"],
)
def test_strict_schemas_follow_structured_output_rules(
    http: httpx.Client, schema: dict[str, Any], message: str
) -> None:
    body = {
        "messages": HELLO,
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema, "strict": True}},
    }
    error = error_of(post_chat(http, body))
    assert error["param"] == "response_format.json_schema.schema"
    assert error["message"] == f"Invalid schema for response_format 's': {message}"
