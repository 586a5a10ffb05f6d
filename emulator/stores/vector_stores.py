"""Vector stores: the stores themselves and the files in them, each file with its chunks and
their vectors (emulator/operations/vector_stores/ makes them). Bounded, oldest dropped first."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .bounded import Bounded


@dataclass(frozen=True)
class Chunk:
    text: str
    tokens: int


@dataclass
class StoreFile:
    """A file in a vector store: what the service reports of it, and its chunks."""

    file_id: str
    filename: str
    created_at: int
    ready_at: float  # Unix seconds: in_progress until then
    usage_bytes: int
    chunking_strategy: dict[str, Any]
    attributes: dict[str, Any]
    chunks: list[Chunk]
    vectors: np.ndarray  # one unit row per chunk
    last_error: dict[str, str] | None = None  # a file the service could not read: failed
    cancelled: bool = False  # its batch was cancelled before it was ready


@dataclass(frozen=True)
class FileBatch:
    id: str
    created_at: int
    file_ids: tuple[str, ...]


@dataclass
class VectorStore:
    id: str
    name: str | None
    created_at: int
    metadata: dict[str, str]
    expires_after: dict[str, Any] | None
    last_active_at: int
    files: dict[str, StoreFile] = field(default_factory=dict)
    batches: dict[str, FileBatch] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class VectorStoreStore(Protocol):
    def put(self, store: VectorStore) -> None: ...

    def get(self, store_id: str) -> VectorStore | None: ...

    def delete(self, store_id: str) -> bool: ...

    def all(self) -> list[VectorStore]: ...


class MemoryVectorStores:
    def __init__(self, capacity: int = 1000) -> None:
        self._stores: Bounded[VectorStore] = Bounded(capacity)

    def put(self, store: VectorStore) -> None:
        self._stores.put(store.id, store)

    def get(self, store_id: str) -> VectorStore | None:
        return self._stores.get(store_id)

    def delete(self, store_id: str) -> bool:
        return self._stores.pop(store_id) is not None

    def all(self) -> list[VectorStore]:
        return self._stores.oldest_first()
