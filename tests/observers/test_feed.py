"""The live feed (/_emulator/feed): the journal's rows at once, then each request's row as it
is recorded, read as server-sent events; and the journal entry a row opens."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.observers.feed import QUEUE_ROWS, Watcher
from emulator.settings import Settings
from support import APPS, running_emulator, wait_until


@pytest.fixture(scope="module")
def endpoint(own_endpoint: str) -> str:
    return own_endpoint


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="feed-key-0042", api_version="2024-10-21") as made:
        yield made


def events(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event, data) of each event with data; keep-alive comments are skipped."""
    name, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def test_the_feed_sends_the_journal_then_each_request_as_it_is_recorded(endpoint: str, client: AzureOpenAI) -> None:
    before = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "before"}]
    )
    with httpx.stream("GET", f"{endpoint}/_emulator/feed", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        received = events(response)
        name, data = next(received)
        assert name == "snapshot"
        snapshot = json.loads(data)
        assert snapshot["enabled"] is True
        assert snapshot["rows"][-1]["id"] == before.headers["x-request-id"]
        tagged = client.with_options(default_headers={"x-test-id": "feed-test", "x-ms-client-request-id": "c-1"})
        made = tagged.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "now"}]
        )
        name, data = next(received)
        assert APPS[endpoint].state.pipeline.observers.feed.watchers == 1
    # A reader that has gone is no longer fed.
    wait_until(lambda: APPS[endpoint].state.pipeline.observers.feed.watchers == 0)
    row = json.loads(data)
    assert name == "request"
    assert row["id"] == made.headers["x-request-id"]
    assert (row["operation"], row["deployment"], row["api_version"], row["status"]) == (
        "chat_completions",
        "gpt-4o-mini",
        "2024-10-21",
        200,
    )
    assert (row["test_id"], row["client_request_id"], row["client"]) == ("feed-test", "c-1", "127.0.0.1")
    usage = made.parse().usage
    assert usage is not None and row["billed"]["output_tokens"] == usage.completion_tokens
    assert "headers" not in row and "body" not in row  # a row is a line; the entry has the rest


def test_an_entry_holds_the_answer_and_a_streams_events_with_their_times(endpoint: str, client: AzureOpenAI) -> None:
    plain = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
    )
    entry = httpx.get(f"{endpoint}/_emulator/requests/{plain.headers['x-request-id']}").json()
    assert json.loads(entry["response_body"]) == json.loads(plain.text)
    assert entry["headers"]["api-key"] == "***0042"
    assert "events" not in entry

    stream = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    chunks = list(stream.parse())
    entry = httpx.get(f"{endpoint}/_emulator/requests/{stream.headers['x-request-id']}").json()
    assert entry["response_body"] is None
    # The SDK yields the prompt's annotation as a chunk too; it does not yield [DONE].
    assert len(entry["events"]) == entry["events_sent"] == len(chunks) + 1
    times = [e["at_ms"] for e in entry["events"]]
    assert times == sorted(times) and times[0] >= entry["first_byte_ms"] - 0.001
    assert entry["events"][-1]["data"] == "data: [DONE]\n\n"
    assert json.loads(entry["events"][1]["data"].removeprefix("data: "))["id"] == chunks[1].id


def test_audio_answers_are_shown_by_their_size(endpoint: str) -> None:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2025-04-01-preview") as client:
        spoken = client.audio.speech.with_raw_response.create(model="tts", voice="alloy", input="Hello there.")
    entry = httpx.get(f"{endpoint}/_emulator/requests/{spoken.headers['x-request-id']}").json()
    assert entry["response_body"] == f"({len(spoken.content)} bytes of audio/mpeg)"


def test_a_feed_ends_when_the_emulator_stops() -> None:
    ended = threading.Event()
    with running_emulator(Settings.build(grace_period_s=30)) as url:
        opened = threading.Event()

        def read() -> None:
            with httpx.stream("GET", f"{url}/_emulator/feed", timeout=60) as response:
                opened.set()
                for _ in response.iter_raw():
                    pass
            ended.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert opened.wait(10)
    # Stopping did not wait out the 30-second grace period for the open feed.
    assert ended.wait(5)


def test_a_watcher_that_falls_behind_counts_the_rows_it_lost() -> None:
    async def run() -> tuple[int, int]:
        watcher = Watcher()
        for i in range(QUEUE_ROWS + 7):
            watcher.offer({"id": str(i)})
        return watcher.rows.qsize(), watcher.missed

    assert asyncio.run(run()) == (QUEUE_ROWS, 7)


def test_credentials_are_masked_in_headers_and_bodies(endpoint: str) -> None:
    body = {
        "messages": [{"role": "user", "content": "Hi"}],
        "data_sources": [
            {
                "type": "azure_search",
                "parameters": {
                    "endpoint": "https://search.example",
                    "index_name": "docs",
                    "authentication": {"type": "api_key", "key": "search-secret-0123456789"},
                },
            }
        ],
    }
    sent = httpx.post(
        f"{endpoint}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "azure-secret-abcd", "ocp-apim-subscription-key": "gateway-secret-wxyz"},
        json=body,
    )
    entry = httpx.get(f"{endpoint}/_emulator/requests/{sent.headers['x-request-id']}").json()
    assert entry["headers"]["api-key"] == "***abcd"
    assert entry["headers"]["ocp-apim-subscription-key"] == "***wxyz"
    assert "search-secret" not in entry["body"] and '"key":"***6789"' in entry["body"]


def test_with_the_journal_off_the_feed_still_shows_each_request() -> None:
    with running_emulator(Settings.build(journal_size=0)) as url:
        with httpx.stream("GET", f"{url}/_emulator/feed", timeout=10) as response:
            received = events(response)
            name, data = next(received)
            assert (name, json.loads(data)) == ("snapshot", {"enabled": False, "rows": []})
            with AzureOpenAI(azure_endpoint=url, api_key="k", api_version="2024-10-21") as client:
                client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
            name, data = next(received)
    assert name == "request" and json.loads(data)["operation"] == "chat_completions"


def test_a_request_to_a_route_azure_does_not_have_is_journaled(endpoint: str) -> None:
    """A client that builds a wrong URL (here the deployment segment left out) gets Azure's
    404, and the request is there to be seen."""
    from openai import OpenAI

    with OpenAI(base_url=f"{endpoint}/openai/", api_key="k", default_query={"api-version": "2024-10-21"}) as wrong:
        with pytest.raises(openai.NotFoundError) as caught:
            wrong.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    request_id = caught.value.response.headers["x-request-id"]
    assert caught.value.response.json() == {"error": {"code": "404", "message": "Resource not found"}}
    entry = httpx.get(f"{endpoint}/_emulator/requests/{request_id}").json()
    assert (entry["operation"], entry["path"], entry["status"], entry["deployment"]) == (
        "unknown_route",
        "/openai/chat/completions",
        404,
        None,
    )
    listed = httpx.get(f"{endpoint}/_emulator/requests", params={"operation": "unknown_route"}).json()["requests"]
    assert request_id in [e["id"] for e in listed]
