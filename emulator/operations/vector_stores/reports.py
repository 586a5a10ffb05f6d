"""Vector stores and their files as the service reports them, at a moment: the status each
file has reached on the indexing clock, the store's counts, usage and expiry."""

from __future__ import annotations

import time
from typing import Any

from ...stores.vector_stores import StoreFile, VectorStore

DAY_S = 86_400
FILE_STATUSES = ("in_progress", "completed", "failed", "cancelled")


def file_status(file: StoreFile, now: float) -> str:
    if file.cancelled:
        return "cancelled"
    if file.ready_at > now:
        return "in_progress"
    return "failed" if file.last_error is not None else "completed"


def describe(store: VectorStore, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    with store.lock:
        files = list(store.files.values())
    counts = {status: 0 for status in FILE_STATUSES}
    for file in files:
        counts[file_status(file, now)] += 1
    expires_at = store.last_active_at + store.expires_after["days"] * DAY_S if store.expires_after else None
    status = (
        "expired"
        if expires_at is not None and expires_at <= now
        else ("in_progress" if counts["in_progress"] else "completed")
    )
    described = {
        "id": store.id,
        "object": "vector_store",
        "created_at": store.created_at,
        "name": store.name or "",  # the spec's schema: a string, always
        "usage_bytes": sum(f.usage_bytes for f in files if file_status(f, now) == "completed"),
        "file_counts": {**counts, "total": len(files)},
        "status": status,
        "expires_at": expires_at,
        "last_active_at": store.last_active_at,
        "metadata": store.metadata,
    }
    if store.expires_after is not None:  # absent rather than null, as the spec has it
        described["expires_after"] = store.expires_after
    return described


def describe_file(store: VectorStore, file: StoreFile, now: float | None = None) -> dict[str, Any]:
    status = file_status(file, time.time() if now is None else now)
    return {
        "id": file.file_id,
        "object": "vector_store.file",
        "usage_bytes": file.usage_bytes if status == "completed" else 0,
        "created_at": file.created_at,
        "vector_store_id": store.id,
        "status": status,
        "last_error": file.last_error if status == "failed" else None,
        "chunking_strategy": file.chunking_strategy,
        "attributes": file.attributes,
    }


def touch(store: VectorStore) -> None:
    """The store was used: its expiry counts from now."""
    store.last_active_at = int(time.time())
