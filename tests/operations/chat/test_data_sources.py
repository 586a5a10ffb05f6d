"""Azure OpenAI On Your Data: chat with data_sources answers with citations and intent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai import AzureOpenAI

from support import assert_valid_response

GA = "2024-10-21"
PREVIEW = "2024-08-01-preview"
QUESTION = [{"role": "user", "content": "What is the vacation policy for new employees?"}]
AUTH = {"type": "api_key", "key": "search-key"}
EMBEDDING = {"type": "deployment_name", "deployment_name": "text-embedding-3-small"}
MAPPING = {"content_fields": ["content"], "vector_fields": ["vector"]}
# The least each source type needs, as the specs list it.
SOURCES: dict[str, dict[str, Any]] = {
    "azure_search": {"endpoint": "https://s.search.windows.net", "index_name": "handbook", "authentication": AUTH},
    "azure_cosmos_db": {
        "authentication": {"type": "connection_string", "connection_string": "x"},
        "container_name": "docs",
        "database_name": "hr",
        "embedding_dependency": EMBEDDING,
        "fields_mapping": MAPPING,
        "index_name": "handbook",
    },
    "elasticsearch": {"endpoint": "https://es.example", "index_name": "handbook", "authentication": AUTH},
    "pinecone": {
        "authentication": AUTH,
        "embedding_dependency": EMBEDDING,
        "environment": "us-east",
        "fields_mapping": MAPPING,
        "index_name": "handbook",
    },
    "mongo_db": {
        "app_name": "hr",
        "authentication": {"type": "username_and_password", "username": "u", "password": "p"},
        "collection_name": "docs",
        "database_name": "hr",
        "embedding_dependency": EMBEDDING,
        "endpoint": "mongodb.example",
        "fields_mapping": MAPPING,
        "index_name": "handbook",
    },
}


def source(kind: str = "azure_search", **parameters: Any) -> list[dict[str, Any]]:
    return [{"type": kind, "parameters": {**SOURCES[kind], **parameters}}]


def ask(client: AzureOpenAI, sources: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=QUESTION, extra_body={"data_sources": sources}, **kwargs
    )
    body: dict[str, Any] = raw.http_response.json()
    return body


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(openai.BadRequestError) as caught:
        call()
    found: dict[str, Any] = caught.value.response.json()["error"]
    return found


@pytest.mark.parametrize("version", [GA, PREVIEW])
def test_an_answer_cites_its_documents(azure: Callable[..., AzureOpenAI], version: str) -> None:
    body = ask(azure(version), source())
    assert_valid_response(version, "chat/completions", body)
    message = body["choices"][0]["message"]
    citations = message["context"]["citations"]
    assert len(citations) == 3
    assert all(c["content"] and c["title"] and c["url"].startswith("https://handbook.") for c in citations)
    assert message["content"].endswith("[doc1][doc2][doc3]")
    assert "vacation" in message["context"]["intent"]


def test_the_same_request_retrieves_the_same_documents(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(GA)
    first = ask(client, source())["choices"][0]["message"]["context"]
    assert ask(client, source())["choices"][0]["message"]["context"] == first
    other = ask(client, source(index_name="policies"))["choices"][0]["message"]["context"]
    assert other["citations"][0]["title"] != first["citations"][0]["title"]


def test_top_n_documents_bounds_the_citations_and_documents_cost_prompt_tokens(
    azure: Callable[..., AzureOpenAI],
) -> None:
    client = azure(GA)
    one = ask(client, source(top_n_documents=1))
    assert len(one["choices"][0]["message"]["context"]["citations"]) == 1
    plain = client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert plain.usage is not None and one["usage"]["prompt_tokens"] > plain.usage.prompt_tokens


def test_a_stream_carries_the_context_first(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(GA)
    plain = ask(client, source())["choices"][0]["message"]
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o", messages=QUESTION, extra_body={"data_sources": source()}, stream=True
        )
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert (deltas[0].model_extra or {})["context"] == plain["context"]
    assert "".join(d.content or "" for d in deltas) == plain["content"]


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_every_source_type_the_version_lists(azure: Callable[..., AzureOpenAI], kind: str) -> None:
    body = ask(azure(PREVIEW), source(kind))
    assert body["choices"][0]["message"]["context"]["citations"]


@pytest.mark.parametrize(
    ("version", "sources", "param"),
    [
        (GA, source("elasticsearch"), "data_sources[0].type"),  # not on the GA versions
        (
            GA,
            [{"type": "azure_search", "parameters": {"endpoint": "https://x", "authentication": AUTH}}],
            "data_sources[0].parameters.index_name",
        ),
        (GA, source(unknown_setting=1), "data_sources[0].parameters.unknown_setting"),
        (GA, source() + source(), "data_sources"),
        (GA, source(authentication={"key": "x"}), "data_sources[0].parameters.authentication.type"),
        (GA, source(top_n_documents=0), "data_sources[0].parameters.top_n_documents"),
        (GA, source(strictness=9), "data_sources[0].parameters.strictness"),
        (GA, [{"type": "azure_search"}], "data_sources[0].parameters"),
    ],
)
def test_azures_checks_of_a_source(
    azure: Callable[..., AzureOpenAI], version: str, sources: list[dict[str, Any]], param: str
) -> None:
    assert error_of(lambda: ask(azure(version), sources))["param"] == param


def test_versions_before_on_your_data_do_not_know_the_parameter(azure: Callable[..., AzureOpenAI]) -> None:
    error = error_of(lambda: ask(azure("2023-05-15"), source()))
    assert error["message"] == "Unrecognized request argument supplied: data_sources"
