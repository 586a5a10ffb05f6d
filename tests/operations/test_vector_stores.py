"""Vector stores through the official Python client (v1 OpenAI and AzureOpenAI): a small corpus
written here, uploaded, indexed on the emulator's clock, searched (the right document first,
filters, identical scores run to run), files listed, updated and deleted; and file_search in
the Responses API, citing the file it found, plain and streamed."""

from __future__ import annotations

from collections.abc import Iterator

import documents
import httpx
import pytest
from openai import AzureOpenAI, OpenAI

from emulator.config_file import VectorStoresConfig
from emulator.operations.vector_stores import reports
from emulator.settings import Settings
from emulator.stores.vector_stores import VectorStore
from support import assert_valid_component, refused, running_emulator, wait_until

STEP_S = 0.3
CORPUS = {
    "rivers.md": "# Rivers of Europe\nThe Danube flows through Vienna and Budapest before it reaches the Black Sea. "
    "The Rhine rises in the Alps and passes Basel, Strasbourg and Cologne on its way to the North Sea.",
    "baking.txt": "To bake sourdough bread, feed the starter the night before, mix flour, water and salt, fold the "
    "dough every half hour, and bake it in a very hot oven until the crust is dark.",
    "planets.html": "<html><head><style>p {color: red}</style></head><body><h1>Planets</h1><p>Jupiter is the largest "
    "planet in the solar system. Saturn is known for its bright rings of ice.</p></body></html>",
    "deploy.py": "def deploy(service):\n    # Roll out the service to every region, one region at a time.\n"
    "    for region in service.regions:\n        region.roll_out(service)\n",
}
QUESTIONS = {
    "Which river flows through Vienna?": "rivers.md",
    "How do I bake sourdough bread?": "baking.txt",
    "Which planet has bright rings?": "planets.html",
    "How is the service rolled out to each region?": "deploy.py",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_emulator(Settings.build(vector_stores=VectorStoresConfig(step_s=STEP_S))) as url:
        yield url


@pytest.fixture(scope="module")
def v1(endpoint: str) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k", max_retries=0) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(v1: OpenAI) -> dict[str, str]:
    """The uploaded files' ids by name."""
    return {name: v1.files.create(file=(name, text.encode()), purpose="assistants").id for name, text in CORPUS.items()}


@pytest.fixture(scope="module")
def store_id(v1: OpenAI, corpus: dict[str, str]) -> str:
    store = v1.vector_stores.create(name="knowledge", file_ids=list(corpus.values()), metadata={"team": "docs"})
    assert store.status == "in_progress" and store.file_counts.in_progress == len(corpus)
    wait_until(lambda: v1.vector_stores.retrieve(store.id).status == "completed", timeout_s=10 * STEP_S)
    return store.id


def test_a_store_is_indexed_on_the_clock_and_described_as_the_service_does(
    v1: OpenAI, store_id: str, endpoint: str
) -> None:
    store = v1.vector_stores.retrieve(store_id)
    assert store.file_counts.completed == len(CORPUS) and store.file_counts.total == len(CORPUS)
    assert store.usage_bytes > 0 and store.metadata == {"team": "docs"} and store.name == "knowledge"
    body = httpx.get(f"{endpoint}/openai/v1/vector_stores/{store_id}", headers={"api-key": "k"}).json()
    assert_valid_component("v1", "OpenAI.VectorStoreObject", body)
    listed = v1.vector_stores.files.list(store_id)
    assert {f.status for f in listed} == {"completed"} and len(listed.data) == len(CORPUS)
    # The parsed content of an HTML file is its visible text.
    html_id = next(f.id for f in listed if f.id == _id_of(v1, "planets.html"))
    content = v1.vector_stores.files.content(file_id=html_id, vector_store_id=store_id)
    text = " ".join(part.text for part in content.data)
    assert "Jupiter is the largest planet" in text and "color" not in text and "<p>" not in text


def _id_of(v1: OpenAI, name: str) -> str:
    return next(f.id for f in v1.files.list() if f.filename == name)


def test_search_finds_the_right_document_first_with_the_same_scores_each_time(v1: OpenAI, store_id: str) -> None:
    for question, expected in QUESTIONS.items():
        first = v1.vector_stores.search(vector_store_id=store_id, query=question)
        again = v1.vector_stores.search(vector_store_id=store_id, query=question)
        assert first.data[0].filename == expected, question
        assert [(r.file_id, r.score) for r in first.data] == [(r.file_id, r.score) for r in again.data]
        assert all(0 < r.score <= 1 for r in first.data)
        assert first.data[0].content[0].text
    # rewrite_query searches the content words, and says so; the ranking is the same.
    asked = "Which river flows through Vienna?"
    rewritten = v1.vector_stores.search(vector_store_id=store_id, query=asked, rewrite_query=True)
    assert rewritten.search_query == ["river flows through Vienna"]
    plain = v1.vector_stores.search(vector_store_id=store_id, query=asked)
    assert plain.search_query == [asked] and rewritten.data[0].file_id == plain.data[0].file_id
    few = v1.vector_stores.search(vector_store_id=store_id, query="the", max_num_results=1)
    assert len(few.data) <= 1
    strict = v1.vector_stores.search(
        vector_store_id=store_id, query="Which river flows through Vienna?", ranking_options={"score_threshold": 0.99}
    )
    assert strict.data == []


def test_attributes_filter_what_is_found(v1: OpenAI, store_id: str, corpus: dict[str, str]) -> None:
    v1.vector_stores.files.update(
        file_id=corpus["rivers.md"], vector_store_id=store_id, attributes={"topic": "geography", "year": 2021}
    )
    v1.vector_stores.files.update(
        file_id=corpus["baking.txt"], vector_store_id=store_id, attributes={"topic": "food", "year": 2019}
    )
    question = "Which river flows through Vienna?"
    only_food = v1.vector_stores.search(
        vector_store_id=store_id, query=question, filters={"type": "eq", "key": "topic", "value": "food"}
    )
    assert {r.filename for r in only_food.data} == {"baking.txt"}
    recent = v1.vector_stores.search(
        vector_store_id=store_id,
        query="Which river flows through Vienna, and how do I bake bread?",
        filters={
            "type": "and",
            "filters": [{"type": "gte", "key": "year", "value": 2020}, {"type": "ne", "key": "topic", "value": "food"}],
        },
    )
    assert {r.filename for r in recent.data} == {"rivers.md"}
    assert recent.data[0].attributes == {"topic": "geography", "year": 2021}
    error = refused(
        lambda: v1.vector_stores.search(
            vector_store_id=store_id, query="x", filters={"type": "near", "key": "a", "value": 1}
        )
    )
    assert error["param"] == "filters.type"
    either = v1.vector_stores.search(
        vector_store_id=store_id, query=question, filters={"type": "in", "key": "topic", "value": ["food", "music"]}
    )
    assert {r.filename for r in either.data} == {"baking.txt"}
    not_a_list = {"type": "nin", "key": "topic", "value": "food"}
    assert (
        refused(lambda: v1.vector_stores.search(vector_store_id=store_id, query="x", filters=not_a_list))["param"]
        == "filters.value"
    )


def test_files_come_and_go_and_unreadable_ones_fail(v1: OpenAI, store_id: str) -> None:
    slides = v1.files.create(file=("slides.bin", b"\x00\x01 binary"), purpose="assistants")
    empty = v1.files.create(file=("empty.txt", b"  \n"), purpose="assistants")
    extra = v1.files.create(
        file=("extra.md", b"Lighthouses guide ships along rocky coasts at night."), purpose="assistants"
    )
    for added in (slides, empty, extra):
        v1.vector_stores.files.create(vector_store_id=store_id, file_id=added.id)
    assert v1.vector_stores.retrieve(store_id).status == "in_progress"
    found = v1.vector_stores.files.poll(file_id=extra.id, vector_store_id=store_id, poll_interval_ms=50)
    assert found.status == "completed"
    failed = v1.vector_stores.files.list(store_id, filter="failed")
    errors = {f.id: f.last_error.code for f in failed.data if f.last_error is not None}
    assert errors == {slides.id: "unsupported_file", empty.id: "invalid_file"}
    hit = v1.vector_stores.search(vector_store_id=store_id, query="lighthouses on rocky coasts")
    assert hit.data[0].file_id == extra.id
    assert v1.vector_stores.files.delete(file_id=extra.id, vector_store_id=store_id).deleted
    assert all(
        r.file_id != extra.id for r in v1.vector_stores.search(vector_store_id=store_id, query="lighthouses").data
    )
    assert refused(lambda: v1.vector_stores.files.retrieve(file_id=extra.id, vector_store_id=store_id), 404)
    assert (
        refused(lambda: v1.vector_stores.files.create(vector_store_id=store_id, file_id="file-nope"))["param"]
        == "file_id"
    )


def test_stores_are_listed_modified_deleted_and_checked(v1: OpenAI, corpus: dict[str, str]) -> None:
    store = v1.vector_stores.create(
        name="temporary",
        file_ids=[corpus["deploy.py"]],
        chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50}},
    )
    files = v1.vector_stores.files.list(store.id)
    assert files.data[0].chunking_strategy.model_dump() == {
        "type": "static",
        "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50},
    }
    renamed = v1.vector_stores.update(store.id, name="renamed", expires_after={"anchor": "last_active_at", "days": 2})
    assert renamed.name == "renamed" and renamed.expires_at == renamed.last_active_at + 2 * 86400
    assert store.id in [s.id for s in v1.vector_stores.list(limit=100)]
    assert v1.vector_stores.delete(store.id).deleted
    assert refused(lambda: v1.vector_stores.retrieve(store.id), 404)
    too_big = {"type": "static", "static": {"max_chunk_size_tokens": 5000, "chunk_overlap_tokens": 0}}
    assert refused(lambda: v1.vector_stores.create(chunking_strategy=too_big))["code"] == "integer_above_max_value"  # type: ignore[arg-type]
    overlap = {"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 150}}
    error = refused(lambda: v1.vector_stores.create(chunking_strategy=overlap))  # type: ignore[arg-type]
    assert error["param"] == "chunking_strategy.static.chunk_overlap_tokens"


def test_file_search_in_responses_cites_the_file_it_found(v1: OpenAI, store_id: str, corpus: dict[str, str]) -> None:
    tool = {"type": "file_search", "vector_store_ids": [store_id]}
    answer = v1.responses.create(
        model="gpt-4o", input="Which river flows through Vienna?", tools=[tool], include=["file_search_call.results"]
    )
    call, message = answer.output[0], answer.output[1]
    assert call.type == "file_search_call" and call.status == "completed"
    assert call.queries == ["Which river flows through Vienna?"]
    assert call.results and call.results[0].filename == "rivers.md"
    assert message.type == "message"
    part = message.content[0]
    assert part.type == "output_text" and "Danube flows through Vienna" in part.text
    citation = part.annotations[0]
    assert citation.type == "file_citation" and citation.file_id == corpus["rivers.md"]
    assert 0 < citation.index <= len(part.text) and part.text[citation.index - 1] == "."
    # Without include, the results are not given; the retrieved chunks are read as input.
    plain = v1.responses.create(model="gpt-4o", input="Which river flows through Vienna?", tools=[tool])
    assert plain.output[0].results is None  # type: ignore[union-attr]
    bare = v1.responses.create(model="gpt-4o", input="Which river flows through Vienna?")
    assert (
        plain.usage is not None and bare.usage is not None and plain.usage.input_tokens > bare.usage.input_tokens + 20
    )
    # The output budget cuts the cited answer, as any answer.
    long = " ".join(["The harbour pilot guides every large ship past the sandbanks"] * 4) + "."
    harbour = v1.files.create(file=("harbour.md", long.encode()), purpose="assistants")
    pilots = v1.vector_stores.create(name="pilots", file_ids=[harbour.id])
    wait_until(lambda: v1.vector_stores.retrieve(pilots.id).status == "completed", timeout_s=10 * STEP_S)
    short = v1.responses.create(
        model="gpt-4o",
        input="Who guides ships past the sandbanks?",
        tools=[{"type": "file_search", "vector_store_ids": [pilots.id]}],
        max_output_tokens=16,
    )
    assert short.status == "incomplete" and short.usage is not None and short.usage.output_tokens == 16
    assert short.output_text and long.startswith(short.output_text)
    # Streamed: the search's events, then the text and its annotation.
    events = list(
        v1.responses.create(model="gpt-4o", input="Which river flows through Vienna?", tools=[tool], stream=True)
    )
    kinds = [e.type for e in events]
    assert kinds[2:6] == [
        "response.output_item.added",
        "response.file_search_call.in_progress",
        "response.file_search_call.searching",
        "response.file_search_call.completed",
    ]
    added = [e for e in events if e.type == "response.output_text.annotation.added"]
    assert added and added[0].annotation.model_dump() == part.annotations[0].model_dump()  # type: ignore[union-attr]
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")  # type: ignore[union-attr]
    assert text == plain.output_text


def test_file_search_refusals_and_azure_routes(v1: OpenAI, endpoint: str, store_id: str) -> None:
    error = refused(
        lambda: v1.responses.create(
            model="gpt-4o", input="x", tools=[{"type": "file_search", "vector_store_ids": ["vs_nope"]}]
        )
    )
    assert error["param"] == "tools[0].vector_store_ids" and "vs_nope" in error["message"]
    older = refused(
        lambda: v1.responses.create(
            model="gpt-35-turbo", input="x", tools=[{"type": "file_search", "vector_store_ids": [store_id]}]
        )
    )
    assert older["message"] == "Tool 'file_search' is not supported with gpt-35-turbo."
    three = {"type": "file_search", "vector_store_ids": [store_id] * 3}
    error = refused(lambda: v1.responses.create(model="gpt-4o", input="x", tools=[three]))
    assert "maximum of 2 vector stores allowed" in error["message"]
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2025-03-01-preview", max_retries=0) as azure:
        found = azure.vector_stores.search(vector_store_id=store_id, query="Which planet has bright rings?")
        assert found.data[0].filename == "planets.html"
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as ga:
        # No GA version has vector stores.
        assert refused(lambda: ga.vector_stores.list())["code"] == "BadRequest"


def test_file_batches_add_many_files_and_cancel_what_is_not_ready(v1: OpenAI, corpus: dict[str, str]) -> None:
    store = v1.vector_stores.create(name="batched")
    batch = v1.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=[corpus["rivers.md"], corpus["baking.txt"]], attributes={"source": "wiki"}
    )
    assert batch.status == "in_progress" and batch.file_counts.total == 2
    done = v1.vector_stores.file_batches.poll(batch.id, vector_store_id=store.id, poll_interval_ms=50)
    assert done.status == "completed" and done.file_counts.completed == 2
    listed = v1.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert {f.id for f in listed.data} == {corpus["rivers.md"], corpus["baking.txt"]}
    assert all(f.attributes == {"source": "wiki"} for f in listed.data)
    # A batch cancelled before its files are ready: they are cancelled, and never found.
    late = v1.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[corpus["planets.html"]])
    cancelled = v1.vector_stores.file_batches.cancel(late.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled" and cancelled.file_counts.cancelled == 1
    wait_until(lambda: v1.vector_stores.retrieve(store.id).status == "completed", timeout_s=10 * STEP_S)
    found = v1.vector_stores.search(vector_store_id=store.id, query="Which planet has bright rings?")
    assert all(r.filename != "planets.html" for r in found.data)
    assert v1.vector_stores.retrieve(store.id).file_counts.cancelled == 1
    assert refused(lambda: v1.vector_stores.file_batches.retrieve("vsfb_nope", vector_store_id=store.id), 404)
    # A batch naming a file that was never uploaded adds none of its files.
    before = v1.vector_stores.retrieve(store.id).file_counts.total
    error = refused(
        lambda: v1.vector_stores.file_batches.create(
            vector_store_id=store.id, file_ids=[corpus["deploy.py"], "file-nope"]
        )
    )
    assert error["param"] == "file_id" and v1.vector_stores.retrieve(store.id).file_counts.total == before


def test_pdf_docx_and_pptx_are_read_for_their_text(v1: OpenAI) -> None:
    files = {
        "glaciers.pdf": documents.pdf("Glaciers carve deep valleys over thousands of years."),
        "tides.docx": documents.docx("Tides rise and fall twice a day.", "The moon pulls the oceans."),
        "volcanoes.pptx": documents.pptx("Volcanoes erupt molten rock.", "Lava cools into basalt."),
        "broken.pdf": b"%PDF-1.4 not really a document",
    }
    uploaded = {name: v1.files.create(file=(name, data), purpose="assistants").id for name, data in files.items()}
    store = v1.vector_stores.create(name="documents", file_ids=list(uploaded.values()))
    wait_until(lambda: v1.vector_stores.retrieve(store.id).status == "completed", timeout_s=10 * STEP_S)
    questions = {
        "How do glaciers shape valleys?": "glaciers.pdf",
        "Why do the tides rise and fall?": "tides.docx",
        "What does lava cool into?": "volcanoes.pptx",
    }
    for question, expected in questions.items():
        assert v1.vector_stores.search(vector_store_id=store.id, query=question).data[0].filename == expected
    slides = v1.vector_stores.files.content(file_id=uploaded["volcanoes.pptx"], vector_store_id=store.id)
    assert "Volcanoes erupt molten rock." in slides.data[0].text and "Lava cools into basalt." in slides.data[0].text
    broken = v1.vector_stores.files.retrieve(file_id=uploaded["broken.pdf"], vector_store_id=store.id)
    assert broken.status == "failed" and broken.last_error is not None and broken.last_error.code == "invalid_file"


def test_a_store_expires_once_its_days_have_passed_since_it_was_last_used() -> None:
    # A day cannot pass in a test: the report is asked for at a later moment instead.
    store = VectorStore("vs_x", "kept", 1_000, {}, {"anchor": "last_active_at", "days": 2}, last_active_at=1_000)
    assert reports.describe(store, now=1_000 + 2 * 86_400 - 1)["status"] == "completed"
    later = reports.describe(store, now=1_000 + 2 * 86_400)
    assert later["status"] == "expired" and later["expires_at"] == 1_000 + 2 * 86_400


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "param"),
    [
        ("POST", "vector_stores", b"{not json", 400, None),
        ("POST", "vector_stores", b'{"name": 5}', 400, "name"),
        (
            "POST",
            "vector_stores",
            b'{"expires_after": {"anchor": "created_at", "days": 1}}',
            400,
            "expires_after.anchor",
        ),
        (
            "POST",
            "vector_stores",
            b'{"expires_after": {"anchor": "last_active_at", "days": 400}}',
            400,
            "expires_after.days",
        ),
        ("POST", "vector_stores", b'{"chunking_strategy": {"type": "static"}}', 400, "chunking_strategy.static"),
        ("POST", "vector_stores/{store}/search", b"{}", 400, "query"),
        ("POST", "vector_stores/{store}/search", b'{"query": "  "}', 400, "query"),
        ("POST", "vector_stores/{store}/search", b'{"query": "x", "max_num_results": 51}', 400, "max_num_results"),
        (
            "POST",
            "vector_stores/{store}/search",
            b'{"query": "x", "ranking_options": {"score_threshold": 2}}',
            400,
            "ranking_options.score_threshold",
        ),
        ("POST", "vector_stores/{store}/files", b'{"file_id": 7}', 400, "file_id"),
        ("POST", "vector_stores/{store}/files/{file}", b'{"attributes": {"k": [1]}}', 400, "attributes.k"),
        ("POST", "vector_stores/{store}/file_batches", b'{"file_ids": []}', 400, "file_ids"),
        ("GET", "vector_stores/{store}/files?filter=done", b"", 400, "filter"),
        ("GET", "vector_stores?order=sideways", b"", 400, "order"),
        ("GET", "vector_stores/vs_missing", b"", 404, "vector_store_id"),
        ("GET", "vector_stores/{store}/files/file-missing", b"", 404, "file_id"),
    ],
)
def test_bad_requests_get_azure_s_error_shape(
    endpoint: str,
    store_id: str,
    corpus: dict[str, str],
    method: str,
    path: str,
    body: bytes,
    status: int,
    param: str | None,
) -> None:
    url = f"{endpoint}/openai/v1/" + path.format(store=store_id, file=corpus["rivers.md"])
    answer = httpx.request(method, url, content=body, headers={"api-key": "k", "content-type": "application/json"})
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"] and error["param"] == param
