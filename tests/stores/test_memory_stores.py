"""The in-memory stores keep what they are given, and stay within their bounds, dropping the
oldest first (a long run must not grow without end)."""

from __future__ import annotations

from pathlib import Path

from emulator.stores.batches import Job, MemoryBatchStore
from emulator.stores.blobs import Blob, MemoryBlobStore
from emulator.stores.completions import MemoryCompletionStore, StoredCompletion
from emulator.stores.files import LocalFileStore
from emulator.stores.fine_tuning import MemoryFineTuningStore, TrainingJob
from emulator.stores.responses import MemoryResponseStore, Stored
from emulator.stores.speech import MemorySpeechMemory


def test_stored_responses_are_kept_deleted_and_bounded() -> None:
    store = MemoryResponseStore(capacity=2)
    for n in range(3):
        store.put(Stored({"id": f"resp_{n}"}, [], []))
    assert store.get("resp_0") is None and store.get("resp_2") is not None
    assert store.delete("resp_1") and not store.delete("resp_1")


def test_blobs_are_bounded_by_count_and_by_bytes() -> None:
    store = MemoryBlobStore(max_count=3, max_bytes=10)
    for n in range(3):
        store.put(f"b{n}", Blob(b"1234", "image/png", 0.0, 1.0))
    # Twelve bytes are over ten: the oldest went.
    assert store.get("b0") is None and store.get("b1") is not None and store.get("b2") is not None


def test_the_speech_memory_recalls_by_digest_and_forgets_the_oldest() -> None:
    memory = MemorySpeechMemory(capacity=2)
    for n in range(3):
        memory.remember(bytes([n]), f"text {n}")
    assert memory.recall(b"\x00") is None and memory.recall(b"\x02") == "text 2" and memory.recall(None) is None


def test_batch_jobs_are_listed_newest_first_and_bounded() -> None:
    store = MemoryBatchStore(capacity=2)
    for n in range(3):
        store.add(Job({"id": f"batch_{n}"}, {}))
    assert [job.batch["id"] for job in store.newest_first()] == ["batch_2", "batch_1"]
    assert store.get("batch_0") is None


def test_files_are_kept_on_disk_and_the_oldest_dropped_past_the_bounds(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path, max_files=2, max_bytes=1024, max_upload_bytes=1024)
    first = store.add(b"one", "a.txt", "user_data")
    second = store.add(b"two", "b.txt", "user_data")
    assert store.content(first.id) == b"one"
    third = store.add(b"three", "c.txt", "batch")
    assert store.get(first.id) is None and not (tmp_path / first.id).exists()
    assert [f.id for f in store.all()] == [second.id, third.id]
    assert [f.id for f in store.all("batch")] == [third.id]
    assert store.delete(second.id) and store.content(second.id) is None


def test_stored_completions_are_kept_updated_deleted_and_bounded() -> None:
    store = MemoryCompletionStore(capacity=2)
    for n in range(3):
        store.put(StoredCompletion({"id": f"c{n}", "metadata": {}}, [], "gpt-4o"))
    assert store.get("c0") is None and [s.completion["id"] for s in store.oldest_first()] == ["c1", "c2"]
    updated = store.set_metadata("c1", {"a": "1"})
    assert updated is not None and store.get("c1").completion["metadata"] == {"a": "1"}  # type: ignore[union-attr]
    assert store.set_metadata("c0", {}) is None
    assert store.delete("c1") and not store.delete("c1")


def test_fine_tuning_jobs_are_listed_newest_first_and_bounded() -> None:
    store = MemoryFineTuningStore(capacity=2)
    for n in range(3):
        store.add(TrainingJob({"id": f"ftjob-{n}"}))
    assert store.get("ftjob-0") is None
    assert [j.job["id"] for j in store.newest_first()] == ["ftjob-2", "ftjob-1"]
