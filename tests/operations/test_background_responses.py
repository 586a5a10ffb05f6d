"""Background responses through the official Python client (v1 OpenAI and AzureOpenAI): created
queued, polled to completed on the emulator's clock, cancelled before they finish, and their
streams read again after a sequence number; with the service's refusals."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from openai import AzureOpenAI, OpenAI

from emulator.config_file import ResponsesConfig
from emulator.settings import Settings
from support import assert_valid_response, refused, running_emulator, wait_until

STEP_S = 0.4


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_emulator(Settings.build(responses=ResponsesConfig(background_step_s=STEP_S))) as url:
        yield url


@pytest.fixture
def v1(endpoint: str) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k", max_retries=0) as client:
        yield client


def raw(endpoint: str, response_id: str) -> dict[str, object]:
    # The body as sent (the client turns created_at into a float).
    answer = httpx.get(f"{endpoint}/openai/v1/responses/{response_id}", headers={"api-key": "k"})
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def test_a_background_response_is_queued_then_in_progress_then_completed(v1: OpenAI, endpoint: str) -> None:
    created = v1.responses.create(model="gpt-4o", input="Name a river in France.", background=True)
    assert created.status == "queued" and created.background is True
    assert created.output == [] and created.usage is None
    seen: list[str] = []

    def finished() -> bool:
        seen.append(v1.responses.retrieve(created.id).status)
        return seen[-1] not in ("queued", "in_progress")

    wait_until(finished, timeout_s=10 * STEP_S)
    assert seen[-1] == "completed"
    # Polled every 50 ms, it was seen in order: queued, then in progress, then done.
    assert seen.index("in_progress") > 0 and seen[0] == "queued"
    assert seen == sorted(seen, key=["queued", "in_progress", "completed"].index)
    done = v1.responses.retrieve(created.id)
    assert done.output_text and done.usage is not None and done.usage.output_tokens > 0
    # The same answer as the same request in the foreground.
    foreground = v1.responses.create(model="gpt-4o", input="Name a river in France.")
    assert done.output_text == foreground.output_text
    assert_valid_response("v1", "responses", raw(endpoint, created.id))


def test_cancelling_before_it_finishes(v1: OpenAI, endpoint: str) -> None:
    created = v1.responses.create(model="gpt-4o-mini", input="Name a lake.", background=True)
    cancelled = v1.responses.cancel(created.id)
    assert cancelled.status == "cancelled" and cancelled.output == []
    # Unfinished, it has no usage yet: null, as the service sends it (the spec's schema
    # leaves usage non-nullable; the service's own unfinished responses say otherwise).
    body = raw(endpoint, created.id)
    assert body["usage"] is None and body["status"] == "cancelled"
    # Idempotent, and it stays cancelled when its time would have come.
    assert v1.responses.cancel(created.id).status == "cancelled"
    wait_until(lambda: v1.responses.retrieve(created.id).status == "cancelled", timeout_s=1)
    # A finished one cannot be cancelled.
    finished = v1.responses.create(model="gpt-4o-mini", input="Name a sea.", background=True)
    wait_until(lambda: v1.responses.retrieve(finished.id).status == "completed", timeout_s=10 * STEP_S)
    error = refused(lambda: v1.responses.cancel(finished.id))
    assert error["message"] == "Cannot cancel a completed response." and error["param"] == "response_id"
    foreground = v1.responses.create(model="gpt-4o-mini", input="Name a sea.")
    assert "background" in str(refused(lambda: v1.responses.cancel(foreground.id))["message"])
    assert refused(lambda: v1.responses.cancel("resp_unknown"), 404)


def test_a_background_stream_can_be_read_again_after_a_sequence_number(v1: OpenAI) -> None:
    events = list(v1.responses.create(model="gpt-4o", input="Name a mountain.", background=True, stream=True))
    kinds = [event.type for event in events]
    assert kinds[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    assert events[0].response.status == "queued"  # type: ignore[union-attr]
    response_id = events[0].response.id  # type: ignore[union-attr]
    again = list(v1.responses.retrieve(response_id, stream=True, starting_after=4))
    assert [e.sequence_number for e in again] == [e.sequence_number for e in events[5:]]
    assert [e.model_dump() for e in again] == [e.model_dump() for e in events[5:]]
    everything = list(v1.responses.retrieve(response_id, stream=True))
    assert len(everything) == len(events)
    # A sequence number that is not one is refused in Azure's shape.
    bad = httpx.get(
        f"{v1.base_url}responses/{response_id}",
        params={"stream": "true", "starting_after": "soon"},
        headers={"api-key": "k"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "starting_after"
    # A response not streamed in the background has no events to give again.
    plain = v1.responses.create(model="gpt-4o", input="Name a hill.", background=True)
    assert refused(lambda: list(v1.responses.retrieve(plain.id, stream=True)))["param"] == "stream"


def test_the_dated_routes_cancel_and_the_dated_versions_refuse_the_parameter(v1: OpenAI, endpoint: str) -> None:
    created = v1.responses.create(model="gpt-4.1", input="Name a desert.", background=True)
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2025-03-01-preview", max_retries=0) as azure:
        assert azure.responses.cancel(created.id).status == "cancelled"
        # background is in the v1 spec only; a dated version does not know it.
        error = refused(lambda: azure.responses.create(model="gpt-4.1", input="x", background=True))
        assert error["message"] == "Unrecognized request argument supplied: background"
    assert (
        refused(lambda: v1.responses.create(model="gpt-4.1", input="x", background=True, store=False))["param"]
        == "store"
    )
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as old:
        # A version without the Responses API has no cancel either.
        assert refused(lambda: old.responses.cancel(created.id))["code"] == "BadRequest"
