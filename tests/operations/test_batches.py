"""Batch through the official openai client: jobs run line by line, with their output and error files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from emulator.settings import BatchesConfig, DeploymentConfig, Settings
from support import assert_valid_response, running_emulator, wait_until

BATCH_DEPLOYMENT = "gpt-4o-batch"
TERMINAL = ("completed", "failed", "cancelled", "expired")


@pytest.fixture(scope="module")
def client() -> Iterator[OpenAI]:
    settings = Settings.build(
        batches=BatchesConfig(step_s=0.2),
        deployments={
            BATCH_DEPLOYMENT: DeploymentConfig(model="gpt-4o", sku="global-batch"),
            "embed-batch": DeploymentConfig(model="text-embedding-3-small", sku="global-batch"),
            "gpt-4o": DeploymentConfig(model="gpt-4o"),
        },
        infer_deployments=False,
    )
    with running_emulator(settings) as url:
        with OpenAI(base_url=f"{url}/openai/v1/", api_key="k", max_retries=0) as made:
            yield made


def line(custom_id: str, body: dict[str, Any], url: str = "/chat/completions") -> dict[str, Any]:
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def ask(text: str, model: str = BATCH_DEPLOYMENT, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def upload(client: OpenAI, lines: list[Any], name: str = "requests.jsonl") -> str:
    text = "\n".join(entry if isinstance(entry, str) else json.dumps(entry) for entry in lines)
    return client.files.create(file=(name, text.encode()), purpose="batch").id


def run(client: OpenAI, file_id: str, **kwargs: Any) -> Any:
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h", **kwargs
    )
    assert batch.status == "validating"
    seen = [batch.status]

    def finished() -> Any:
        current = client.batches.retrieve(batch.id)
        if current.status != seen[-1]:
            seen.append(current.status)
        return current if current.status in TERMINAL else None

    batch = wait_until(finished, timeout_s=30)
    batch.seen = seen  # type: ignore[attr-defined]
    return batch


def settled(client: OpenAI, batch_id: str) -> Any:
    """The batch once it has reached a terminal status."""

    def finished() -> Any:
        batch = client.batches.retrieve(batch_id)
        return batch if batch.status in TERMINAL else None

    return wait_until(finished, timeout_s=30)


def results(client: OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(text) for text in client.files.content(file_id).text.splitlines()]


def test_a_batch_of_a_hundred_lines_with_a_few_bad_ones(client: OpenAI) -> None:
    bad = {7: {"temperature": 5}, 42: {"n": 0}, 88: {"messages": []}}
    lines = []
    for index in range(100):
        body = ask(f"Question {index}")
        body.update(bad.get(index, {}))
        lines.append(line(f"task-{index}", body))
    batch = run(client, upload(client, lines), metadata={"run": "nightly"})
    assert batch.seen == ["validating", "in_progress", "finalizing", "completed"]
    assert batch.status == "completed" and batch.metadata == {"run": "nightly"}
    assert (batch.request_counts.total, batch.request_counts.completed, batch.request_counts.failed) == (100, 97, 3)
    assert batch.in_progress_at and batch.finalizing_at and batch.completed_at and batch.expires_at
    output = results(client, batch.output_file_id)
    assert [r["custom_id"] for r in output] == [f"task-{i}" for i in range(100) if i not in bad]
    for result in output[:5]:
        assert result["response"]["status_code"] == 200 and result["response"]["request_id"]
        assert_valid_response("2024-10-21", "chat/completions", result["response"]["body"])
    errors = results(client, batch.error_file_id)
    assert [r["custom_id"] for r in errors] == ["task-7", "task-42", "task-88"]
    assert all(r["response"]["status_code"] == 400 and "error" in r["response"]["body"] for r in errors)
    assert client.files.retrieve(batch.output_file_id).purpose == "batch_output"


def test_a_file_azure_would_refuse_fails_validation_line_by_line(client: OpenAI) -> None:
    lines = [
        line("a", ask("fine")),
        "this is not json",
        line("a", ask("the same custom_id")),
        line("c", ask("wrong url"), url="/completions"),
        line("d", ask("a standard deployment", model="gpt-4o")),
    ]
    batch = run(client, upload(client, lines))
    assert batch.status == "failed" and batch.failed_at
    found = {(e.line, e.code) for e in batch.errors.data}
    assert found >= {
        (2, "invalid_json_line"),
        (3, "duplicate_custom_id"),
        (4, "invalid_url"),
        (5, "invalid_deployment_type"),
    }
    assert batch.output_file_id is None and batch.request_counts.total == 0


def test_lines_hitting_a_429_scenario_land_in_the_error_file(client: OpenAI) -> None:
    # A scenario for the lines alone (the batch's own calls are not chat completions).
    scenario = {
        "name": "throttle-two-lines",
        "rules": [
            {
                "name": "first-two",
                "match": {"operation": "chat_completions"},
                "when": {"first": 2, "per_header": "x-test-id"},
                "actions": [{"action": "error", "status": 429}],
            }
        ],
    }
    endpoint = str(client.base_url).removesuffix("/openai/v1/")
    assert httpx.post(f"{endpoint}/_emulator/scenarios", json=scenario).status_code == 201
    lines = [line(f"q{i}", ask(f"Question {i}")) for i in range(5)]
    headers = {"x-emulator-scenario": "throttle-two-lines", "x-test-id": f"batch-{time.monotonic_ns()}"}
    batch = run(client, upload(client, lines), extra_headers=headers)
    assert batch.status == "completed"
    errors = results(client, batch.error_file_id)
    assert [(r["custom_id"], r["response"]["status_code"]) for r in errors] == [("q0", 429), ("q1", 429)]
    assert len(results(client, batch.output_file_id)) == 3


def test_an_embeddings_batch(client: OpenAI) -> None:
    lines = [line(f"e{i}", {"model": "embed-batch", "input": f"text {i}"}, url="/embeddings") for i in range(3)]
    file_id = upload(client, lines)
    created = client.batches.create(input_file_id=file_id, endpoint="/v1/embeddings", completion_window="24h")
    batch = settled(client, created.id)
    vectors = [r["response"]["body"]["data"][0]["embedding"] for r in results(client, batch.output_file_id)]
    assert len(vectors) == 3 and all(len(v) == 1536 for v in vectors)


def test_a_batch_is_cancelled_listed_and_looked_up(client: OpenAI) -> None:
    file_id = upload(client, [line("x", ask("x"))])
    batch = client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h")
    assert client.batches.cancel(batch.id).status == "cancelling"
    batch = settled(client, batch.id)
    assert batch.status == "cancelled" and batch.cancelled_at
    assert batch.id in [b.id for b in client.batches.list()]
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_missing")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"endpoint": "/v1/images/generations"}, "endpoint"),
        ({"completion_window": "48h"}, "completion_window"),
        ({"input_file_id": None}, "input_file_id"),
        ({"metadata": {"n": 1}}, "metadata"),
    ],
)
def test_bad_batch_requests(client: OpenAI, kwargs: dict[str, Any], param: str) -> None:
    request = {
        "input_file_id": upload(client, [line("x", ask("x"))]),
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
        **kwargs,
    }
    with pytest.raises(openai.BadRequestError) as caught:
        client.batches.create(**request)
    assert caught.value.response.json()["error"]["param"] == param


def test_a_batch_needs_a_batch_file(client: OpenAI) -> None:
    other = client.files.create(file=("tune.jsonl", b"{}\n"), purpose="fine-tune").id
    with pytest.raises(openai.BadRequestError) as caught:
        client.batches.create(input_file_id=other, endpoint="/v1/chat/completions", completion_window="24h")
    assert caught.value.response.json()["error"]["param"] == "input_file_id"
    with pytest.raises(openai.NotFoundError):
        client.batches.create(input_file_id="file-missing", endpoint="/v1/chat/completions", completion_window="24h")


def test_batch_is_on_the_dated_surface_too(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure("2024-10-21")
    made = client.files.create(
        file=("b.jsonl", json.dumps(line("x", ask("x", model="gpt-4o-batch"))).encode()), purpose="batch"
    )
    batch = client.batches.create(input_file_id=made.id, endpoint="/chat/completions", completion_window="24h")
    assert client.batches.retrieve(batch.id).id == batch.id
