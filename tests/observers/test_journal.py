"""The request journal: every request recorded, secrets masked, queryable and resettable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI

from emulator.settings import Settings
from support import running_emulator

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def journal_endpoint() -> Iterator[str]:
    with running_emulator(Settings.build()) as url:
        yield url


def entries(endpoint: str, **filters: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{endpoint}/_emulator/requests", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["requests"]


def test_a_request_is_recorded_with_its_details_and_masked_key(journal_endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    response = httpx.post(
        f"{journal_endpoint}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        headers={"api-key": "super-secret-key-1234", "x-test-id": test_id},
        json={"messages": HELLO, "max_tokens": 20},
    )
    [entry] = entries(journal_endpoint, header=f"x-test-id:{test_id}")
    assert entry["id"] == response.headers["x-request-id"]
    assert (entry["method"], entry["path"], entry["status"]) == (
        "POST",
        "/openai/deployments/gpt-4o/chat/completions",
        200,
    )
    assert (entry["operation"], entry["deployment"], entry["api_version"]) == (
        "chat_completions",
        "gpt-4o",
        "2024-10-21",
    )
    assert entry["headers"]["api-key"] == "***1234"
    assert '"max_tokens":20' in entry["body"]
    assert entry["tokens_charged"] == len("Hello") // 4 + 20
    assert entry["duration_ms"] >= 0
    assert httpx.get(f"{journal_endpoint}/_emulator/requests/{entry['id']}").json() == entry


def test_filters_by_deployment_status_and_operation(journal_endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    headers = {"api-key": "k", "x-test-id": test_id}
    httpx.post(
        f"{journal_endpoint}/openai/deployments/gpt-4o-mini/chat/completions",
        params={"api-version": "2024-10-21"},
        headers=headers,
        json={"messages": HELLO},
    )
    httpx.post(
        f"{journal_endpoint}/openai/deployments/gpt-4o-mini/chat/completions",
        params={"api-version": "2024-10-21"},
        headers=headers,
        json={"messages": []},
    )
    httpx.post(
        f"{journal_endpoint}/openai/deployments/text-embedding-3-small/embeddings",
        params={"api-version": "2024-10-21"},
        headers=headers,
        json={"input": "x"},
    )
    mine = {"header": f"x-test-id:{test_id}"}
    assert len(entries(journal_endpoint, **mine)) == 3
    assert [e["status"] for e in entries(journal_endpoint, deployment="gpt-4o-mini", **mine)] == [200, 400]
    assert len(entries(journal_endpoint, status="400", **mine)) == 1
    assert [e["deployment"] for e in entries(journal_endpoint, operation="embeddings", **mine)] == [
        "text-embedding-3-small"
    ]
    assert len(entries(journal_endpoint, limit="1", **mine)) == 1


def test_faults_and_the_clients_retry_count_are_recorded(journal_endpoint: str) -> None:
    test_id = uuid.uuid4().hex
    with AzureOpenAI(
        azure_endpoint=journal_endpoint,
        api_key="k",
        api_version="2024-10-21",
        default_headers={"x-emulator-scenario": "retry-then-succeed", "x-test-id": test_id},
    ) as client:
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    attempts = entries(journal_endpoint, header=f"x-test-id:{test_id}")
    assert [e["status"] for e in attempts] == [429, 429, 200]
    assert [e["retry_count"] for e in attempts] == [0, 1, 2]
    assert attempts[0]["fault_rule"] == "throttle-twice" and attempts[0]["faults"] == ["error"]
    assert attempts[2]["faults"] == []
    # The client waited retry-after-ms (100 ms) each time: no retry came early.
    assert [e["early_retry"] for e in attempts] == [False, False, False]
    gaps = [b["received_at"] - a["received_at"] for a, b in zip(attempts, attempts[1:])]
    assert all(gap >= 0.1 for gap in gaps)


def test_a_retry_before_the_advertised_time_is_marked(journal_endpoint: str) -> None:
    scenario = {
        "name": f"wait-{uuid.uuid4().hex[:6]}",
        "rules": [
            {"name": "r", "when": {"first": 1}, "actions": [{"action": "error", "status": 429, "retry_after_s": 30}]}
        ],
    }
    assert httpx.post(f"{journal_endpoint}/_emulator/scenarios", json=scenario).status_code == 201
    test_id, other_id = uuid.uuid4().hex, uuid.uuid4().hex
    url = f"{journal_endpoint}/openai/deployments/gpt-4.1/chat/completions"

    def send(test: str, attempt: int) -> None:
        headers = {
            "api-key": "k",
            "x-emulator-scenario": scenario["name"],
            "x-test-id": test,
            "x-stainless-retry-count": str(attempt),
        }
        httpx.post(url, params={"api-version": "2024-10-21"}, headers=headers, json={"messages": HELLO})

    send(test_id, 0)
    send(other_id, 0)  # another test's first attempt: neither early nor clearing the mark
    send(test_id, 1)  # an impatient retry: no wait at all
    first, retry = entries(journal_endpoint, header=f"x-test-id:{test_id}")
    [other] = entries(journal_endpoint, header=f"x-test-id:{other_id}")
    assert (first["status"], first["early_retry"]) == (429, False)
    assert other["early_retry"] is False
    assert (retry["status"], retry["early_retry"]) == (200, True)


def test_the_journal_can_be_cleared_and_turned_off(journal_endpoint: str) -> None:
    assert httpx.delete(f"{journal_endpoint}/_emulator/requests").json() == {"cleared": True}
    assert entries(journal_endpoint) == []
    with running_emulator(Settings.build(journal_size=0)) as url:
        httpx.post(
            f"{url}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k"},
            json={"messages": HELLO},
        )
        body = httpx.get(f"{url}/_emulator/requests").json()
        assert body == {"enabled": False, "requests": []}


def test_bad_queries_get_the_admin_error_shape(journal_endpoint: str) -> None:
    for params in ({"status": "abc"}, {"header": "no-colon"}):
        response = httpx.get(f"{journal_endpoint}/_emulator/requests", params=params)
        assert response.status_code == 400 and response.json()["errors"][0]["title"]
    assert httpx.get(f"{journal_endpoint}/_emulator/requests/nope").status_code == 404
