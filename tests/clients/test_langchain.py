"""langchain-openai (AzureChatOpenAI, AzureOpenAIEmbeddings) against the emulator, in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from programs import KEY
from pydantic import BaseModel

from emulator.tokens import write_tiktoken_cache

langchain_openai = pytest.importorskip("langchain_openai")  # in the test extra; absent only outside it
openai = pytest.importorskip("openai")

VERSION = "2024-10-21"


@pytest.fixture(scope="module", autouse=True)
def tiktoken_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """langchain's embeddings tokenise with tiktoken before calling, and tiktoken downloads
    its vocabularies: give it the emulator's own instead (aoai-emulator --write-tiktoken-cache)."""
    directory: Path = tmp_path_factory.mktemp("tiktoken")
    write_tiktoken_cache(directory)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(directory))
        yield


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The HTTP client langchain's models use, closed after each test (langchain would leave
    its own open)."""
    with httpx.Client() as client:
        yield client


def chat(endpoint: str, http: httpx.Client, **kwargs: object) -> object:
    options = {
        "azure_endpoint": endpoint,
        "api_key": KEY,
        "api_version": VERSION,
        "azure_deployment": "gpt-4o",
        "http_client": http,
    }
    return langchain_openai.AzureChatOpenAI(**{**options, **kwargs})


def journal(endpoint: str, **filters: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = httpx.get(f"{endpoint}/_emulator/requests", params=filters).json()["requests"]
    return found


def test_invoke_reads_the_answer_and_azure_metadata(client_endpoint: str, http: httpx.Client) -> None:
    message = chat(client_endpoint, http).invoke("Name two rivers.")  # type: ignore[attr-defined]
    assert isinstance(message.content, str) and message.content
    assert message.usage_metadata["total_tokens"] > 0
    assert message.response_metadata["prompt_filter_results"][0]["content_filter_results"]["hate"]["severity"] == "safe"


def test_streaming_gives_the_same_text_and_usage(client_endpoint: str, http: httpx.Client) -> None:
    # stream_usage is langchain's default without a custom client; given one, it is asked for.
    model = chat(client_endpoint, http, stream_usage=True)
    plain = model.invoke("Describe a harbour.")  # type: ignore[attr-defined]
    pieces = list(model.stream("Describe a harbour."))  # type: ignore[attr-defined]
    assert "".join(p.content for p in pieces) == plain.content
    # langchain asks for the usage chunk (stream_options.include_usage) and reads it.
    assert any(p.usage_metadata for p in pieces)


def test_tools_and_structured_output(client_endpoint: str, http: httpx.Client) -> None:
    class Weather(BaseModel):
        """The weather in a city."""

        city: str
        celsius: int

    model = chat(client_endpoint, http)
    called = model.bind_tools([Weather], tool_choice="Weather").invoke("Weather in Oslo?")  # type: ignore[attr-defined]
    assert called.tool_calls and called.tool_calls[0]["name"] == "Weather"
    Weather.model_validate(called.tool_calls[0]["args"])
    structured = model.with_structured_output(Weather, method="json_schema", strict=True)  # type: ignore[attr-defined]
    assert isinstance(structured.invoke("Weather in Oslo?"), Weather)


def test_embeddings_send_token_arrays_and_read_vectors(client_endpoint: str, http: httpx.Client) -> None:
    embeddings = langchain_openai.AzureOpenAIEmbeddings(
        azure_endpoint=client_endpoint,
        api_key=KEY,
        azure_deployment="text-embedding-3-small",
        model="text-embedding-3-small",
        http_client=http,
    )
    vectors = embeddings.embed_documents(["hello world", "a river delta", ""])
    assert [len(v) for v in vectors] == [1536, 1536, 1536]
    assert embeddings.embed_query("hello world") == pytest.approx(vectors[0], abs=1e-6)
    sent = journal(client_endpoint, deployment="text-embedding-3-small", limit="3")
    bodies = [e["body"] for e in sent]
    assert any('"input":[[' in str(b).replace(" ", "") for b in bodies)  # token arrays, as langchain sends them


def test_an_unknown_deployment_is_the_clients_not_found(client_endpoint: str, http: httpx.Client) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        chat(client_endpoint, http, azure_deployment="no-such-deployment", max_retries=0).invoke("x")  # type: ignore[attr-defined]
    assert caught.value.code == "DeploymentNotFound"


def test_a_throttled_request_is_retried_to_success(client_endpoint: str, http: httpx.Client) -> None:
    test_id = "langchain-retry"
    httpx.post(f"{client_endpoint}/_emulator/scenarios/reset", params={"name": "retry-then-succeed"})
    model = chat(
        client_endpoint, http, default_headers={"x-emulator-scenario": "retry-then-succeed", "x-test-id": test_id}
    )
    assert model.invoke("x").content  # type: ignore[attr-defined]
    assert [e["status"] for e in journal(client_endpoint, header=f"x-test-id:{test_id}")] == [429, 429, 200]


def test_the_responses_api_through_langchain(client_endpoint: str, http: httpx.Client) -> None:
    model = chat(client_endpoint, http, use_responses_api=True, api_version="2025-04-01-preview")
    first = model.invoke("Name a river.")  # type: ignore[attr-defined]
    assert first.text and first.response_metadata["id"].startswith("resp_")
    sent = journal(client_endpoint, operation="responses", limit="1")
    assert sent and sent[0]["status"] == 200
    pieces = list(model.stream("Name a lake."))  # type: ignore[attr-defined]
    assert "".join(p.text for p in pieces)


def test_file_search_through_the_responses_api(client_endpoint: str, http: httpx.Client) -> None:
    """A RAG chain as langchain users write one for Azure's v1 surface: ChatOpenAI on the
    Responses API with the built-in file_search tool, against a vector store."""
    with openai.OpenAI(base_url=f"{client_endpoint}/openai/v1/", api_key=KEY) as v1:
        text = "The lighthouse keeper lights the lamp at dusk and logs every passing ship."
        uploaded = v1.files.create(file=("keeper.md", text.encode()), purpose="assistants")
        store = v1.vector_stores.create(name="langchain", file_ids=[uploaded.id])
        v1.vector_stores.files.poll(file_id=uploaded.id, vector_store_id=store.id, poll_interval_ms=50)
    model = langchain_openai.ChatOpenAI(
        base_url=f"{client_endpoint}/openai/v1/",
        api_key=KEY,
        model="gpt-4o",
        use_responses_api=True,
        http_client=http,
    ).bind_tools([{"type": "file_search", "vector_store_ids": [store.id]}])
    message = model.invoke("When does the lighthouse keeper light the lamp?")
    blocks = [b for b in message.content if isinstance(b, dict) and b.get("type") == "text"]
    assert blocks and "lights the lamp at dusk" in blocks[0]["text"]
    citation = blocks[0]["annotations"][0]
    assert citation["file_id"] == uploaded.id and citation["filename"] == "keeper.md"
    assert message.usage_metadata["input_tokens"] > 20
