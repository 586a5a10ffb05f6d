"""Stored chat completions through the openai clients: store (plain and streamed), list with
model and metadata filters and pages, retrieve, messages, metadata update, delete; and the
versions that lack them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from support import refused

VERSION = "2025-02-01-preview"


@pytest.fixture
def stored_client(azure: Callable[..., AzureOpenAI]) -> AzureOpenAI:
    return azure(VERSION)


def ask(client: AzureOpenAI | OpenAI, text: str, **kwargs: object) -> str:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": text}],
        **kwargs,  # type: ignore[arg-type]
    )
    return completion.id


def test_a_stored_completion_is_retrieved_as_it_was_answered(stored_client: AzureOpenAI) -> None:
    tag = uuid.uuid4().hex
    answer = stored_client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Describe a harbour."}],
        store=True,
        metadata={"run": tag},
    )
    kept = stored_client.chat.completions.retrieve(answer.id)
    assert kept.id == answer.id and kept.choices[0].message.content == answer.choices[0].message.content
    assert kept.usage == answer.usage and kept.model == answer.model
    assert kept.model_dump()["metadata"] == {"run": tag}
    messages = stored_client.chat.completions.messages.list(answer.id)
    assert [(m.role, m.content) for m in messages.data] == [("system", "Be brief."), ("user", "Describe a harbour.")]
    assert len({m.id for m in messages.data}) == 2


def test_a_streamed_completion_is_stored_as_the_plain_answer_reads(stored_client: AzureOpenAI) -> None:
    chunks = list(
        stored_client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Name two rivers."}], stream=True, store=True
        )
    )
    completion_id = next(c.id for c in chunks if c.id)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert stored_client.chat.completions.retrieve(completion_id).choices[0].message.content == text


def test_without_store_nothing_is_kept(stored_client: AzureOpenAI) -> None:
    completion_id = ask(stored_client, "Describe a lighthouse.")
    refused(lambda: stored_client.chat.completions.retrieve(completion_id), 404)


def test_the_same_request_stored_twice_is_two_completions(stored_client: AzureOpenAI) -> None:
    tag = uuid.uuid4().hex
    first = ask(stored_client, "Describe a bridge.", store=True, metadata={"twice": tag})
    second = ask(stored_client, "Describe a bridge.", store=True, metadata={"twice": tag})
    assert first != second
    listed = stored_client.chat.completions.list(metadata={"twice": tag}, order="asc")
    assert [c.id for c in listed.data] == [first, second]


def test_list_filters_by_metadata_and_model_and_pages(stored_client: AzureOpenAI) -> None:
    tag = uuid.uuid4().hex
    made = [ask(stored_client, f"Describe island {i}.", store=True, metadata={"suite": tag}) for i in range(5)]
    ask(stored_client, "Describe a cave.", store=True, metadata={"suite": "other"})
    page = stored_client.chat.completions.list(metadata={"suite": tag}, limit=2)  # newest first, as Azure lists
    assert [c.id for c in page.data] == made[:-3:-1] and page.has_more
    assert page.model_extra is not None and page.model_extra["total"] == 5
    everything = stored_client.chat.completions.list(metadata={"suite": tag}, limit=2, order="asc")
    assert [c.id for c in everything] == made  # every page, following after
    by_model = stored_client.chat.completions.list(metadata={"suite": tag}, model="gpt-4o", order="asc")
    assert [c.id for c in by_model.data] == made
    assert stored_client.chat.completions.list(metadata={"suite": tag}, model="gpt-4o-mini").data == []


def test_an_update_sets_the_metadata_keys_it_gives(stored_client: AzureOpenAI) -> None:
    completion_id = ask(stored_client, "Describe a mill.", store=True, metadata={"a": "1", "b": "2"})
    updated = stored_client.chat.completions.update(completion_id, metadata={"b": "20", "c": "3"})
    assert updated.model_dump()["metadata"] == {"a": "1", "b": "20", "c": "3"}
    assert (
        stored_client.chat.completions.retrieve(completion_id).model_dump()["metadata"]
        == updated.model_dump()["metadata"]
    )


def test_delete_removes_it(stored_client: AzureOpenAI) -> None:
    completion_id = ask(stored_client, "Describe a canal.", store=True)
    deleted = stored_client.chat.completions.delete(completion_id)
    assert (deleted.id, deleted.deleted, deleted.object) == (completion_id, True, "chat.completion.deleted")
    error = refused(lambda: stored_client.chat.completions.retrieve(completion_id), 404)
    assert completion_id in error["message"]
    refused(lambda: stored_client.chat.completions.delete(completion_id), 404)


def test_the_v1_surface_has_them(v1_client: OpenAI) -> None:
    completion_id = ask(v1_client, "Describe a quay.", store=True, metadata={"surface": "v1"})
    assert v1_client.chat.completions.retrieve(completion_id).id == completion_id
    assert v1_client.chat.completions.messages.list(completion_id).data[0].content == "Describe a quay."


@pytest.mark.parametrize(
    ("metadata", "param"),
    [
        ({f"k{i}": "v" for i in range(17)}, "metadata"),
        ({"k" * 65: "v"}, "metadata." + "k" * 65),
        ({"k": "v" * 513}, "metadata.k"),
    ],
)
def test_metadata_beyond_the_services_limits_is_refused(
    stored_client: AzureOpenAI, metadata: dict[str, str], param: str
) -> None:
    error = refused(lambda: ask(stored_client, "Describe a dock.", store=True, metadata=metadata))
    assert error["param"] == param
    update = refused(lambda: stored_client.chat.completions.update("chatcmpl-x", metadata=metadata))
    assert update["param"] == param


def test_a_bad_order_or_limit_is_a_400(http: httpx.Client) -> None:
    for query in ({"order": "sideways"}, {"limit": "0"}, {"limit": "many"}, {"limit": "9" * 5000}):
        response = http.get("/openai/chat/completions", params={"api-version": VERSION, **query})
        assert response.status_code == 400, query


@pytest.mark.parametrize("version", ["2024-10-21", "2025-01-01-preview"])
def test_versions_before_them_do_not_have_them(azure: Callable[..., AzureOpenAI], version: str) -> None:
    client = azure(version)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.list()
    # What Azure answers for a route its version does not have (service.md).
    assert caught.value.body == {"code": "BadRequest", "message": "API version not supported"}
    # store itself is taken from 2024-12-01-preview on (and kept), not before.
    if version == "2024-10-21":
        refused(lambda: ask(client, "Describe a pier.", store=True))
