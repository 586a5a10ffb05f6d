"""Files and Batch through the official openai client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from emulator.settings import BatchesConfig, DeploymentConfig, FilesConfig, Settings
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


# -- files -------------------------------------------------------------------------------


def test_files_upload_list_retrieve_content_delete(client: OpenAI) -> None:
    created = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="fine-tune")
    assert (created.filename, created.bytes, created.purpose, created.status) == (
        "notes.jsonl",
        9,
        "fine-tune",
        "processed",
    )
    assert created.id in [f.id for f in client.files.list(purpose="fine-tune")]
    assert created.id not in [f.id for f in client.files.list(purpose="batch")]
    assert client.files.retrieve(created.id).filename == "notes.jsonl"
    assert client.files.content(created.id).content == b'{"a": 1}\n'
    assert client.files.delete(created.id).deleted is True
    for call in (lambda: client.files.retrieve(created.id), lambda: client.files.content(created.id)):
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.response.json()["error"]["message"] == f"No such File object: {created.id}"


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"file": ("a.jsonl", b"{}"), "purpose": "training"}, "purpose"),
        ({"file": ("a.txt", b"{}"), "purpose": "batch"}, "file"),
        ({"file": ("a.jsonl", b""), "purpose": "batch"}, "file"),
        (
            {"file": ("a.jsonl", b"{}"), "purpose": "batch", "expires_after": {"anchor": "created_at", "seconds": 60}},
            "expires_after.seconds",
        ),
    ],
)
def test_bad_uploads_are_refused(client: OpenAI, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.files.create(**kwargs)
    assert caught.value.response.json()["error"]["param"] == param


def test_files_on_a_dated_version(client: OpenAI) -> None:
    endpoint = str(client.base_url).removesuffix("/openai/v1/")
    dated = AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0)
    made = dated.files.create(file=("x.jsonl", b"{}\n"), purpose="batch")
    assert dated.files.retrieve(made.id).id == made.id
    old = AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-06-01", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        old.files.list()
    assert caught.value.response.json()["error"]["message"] == "API version not supported"


# -- batches -----------------------------------------------------------------------------


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


def test_scenarios_apply_to_reads_of_files_and_batches(client: OpenAI) -> None:
    made = client.files.create(file=("r.jsonl", b"{}\n"), purpose="batch")
    headers = {"x-emulator-scenario": "retry-then-succeed", "x-test-id": f"files-{time.monotonic_ns()}"}
    retrying = client.with_options(max_retries=2)
    assert retrying.files.retrieve(made.id, extra_headers=headers).id == made.id
    endpoint = str(client.base_url).removesuffix("/openai/v1/")
    journal = httpx.get(f"{endpoint}/_emulator/requests", params={"header": f"x-test-id:{headers['x-test-id']}"}).json()
    assert [(e["operation"], e["status"]) for e in journal["requests"]] == [("files_get", 429)] * 2 + [
        ("files_get", 200)
    ]


def test_uploads_stream_to_disk_past_the_request_body_limit(tmp_path: Any) -> None:
    # A body limit of 4 KiB for requests, 1 MiB for uploads: a 300 KiB file can only arrive
    # if it streams to the folder instead of being read whole.
    settings = Settings.build(max_body_bytes=4096, files=FilesConfig(dir=tmp_path, max_upload_bytes=1024 * 1024))
    data = b"".join(b'{"line": %d}\n' % i for i in range(30_000))
    assert 300_000 < len(data) < 1024 * 1024
    with running_emulator(settings) as url:
        with OpenAI(base_url=f"{url}/openai/v1/", api_key="k", max_retries=0) as small:
            made = small.files.create(file=("big.jsonl", data), purpose="batch")
            assert made.bytes == len(data)
            assert (tmp_path / made.id).stat().st_size == len(data)
            assert small.files.content(made.id).content == data
            with pytest.raises(openai.APIStatusError) as caught:
                small.files.create(file=("huge.jsonl", data * 4), purpose="batch")
            assert caught.value.status_code == 413
            with pytest.raises(openai.BadRequestError):
                small.files.create(file=("big.txt", data), purpose="batch")  # refused: not .jsonl
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("upload-")]
    assert leftovers == []  # refused uploads leave nothing behind


def test_lists_page_with_after_and_limit(client: OpenAI) -> None:
    made = [client.files.create(file=(f"p{i}.jsonl", b"{}\n"), purpose="fine-tune").id for i in range(3)]
    endpoint = str(client.base_url).removesuffix("/openai/v1/")
    first = httpx.get(
        f"{endpoint}/openai/v1/files", params={"purpose": "fine-tune", "limit": 2}, headers={"api-key": "k"}
    ).json()
    ids = [f["id"] for f in first["data"]]
    assert first["has_more"] is True and first["last_id"] == ids[-1] and len(ids) == 2
    rest = httpx.get(
        f"{endpoint}/openai/v1/files", params={"purpose": "fine-tune", "after": ids[-1]}, headers={"api-key": "k"}
    ).json()
    assert made[-1] in [f["id"] for f in rest["data"]] and rest["has_more"] is False
    bad = httpx.get(f"{endpoint}/openai/v1/batches", params={"limit": 0}, headers={"api-key": "k"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "limit"
