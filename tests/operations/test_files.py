"""Files through the official openai client: upload, list, retrieve, content and delete."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI, OpenAI

from emulator.settings import FilesConfig, Settings
from support import running_emulator


@pytest.fixture(scope="module")
def client() -> Iterator[OpenAI]:
    # An emulator of the files tests' own: the pages they list hold only their uploads.
    with running_emulator(Settings.build()) as url:
        with OpenAI(base_url=f"{url}/openai/v1/", api_key="k", max_retries=0) as made:
            yield made


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
