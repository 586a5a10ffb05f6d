"""Stored chat completions (``store: true``): the completion as it was returned, the messages
it answered, and its metadata, which may be changed later. Bounded, oldest dropped first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class StoredCompletion:
    completion: dict[str, Any]  # the chat.completion object as returned, metadata included
    messages: list[dict[str, Any]]  # the request's messages, as sent
    deployment: str  # the deployment that answered (list filters by it, or by the model)


class CompletionStore(Protocol):
    def put(self, stored: StoredCompletion) -> None: ...

    def get(self, completion_id: str) -> StoredCompletion | None: ...

    def set_metadata(self, completion_id: str, metadata: dict[str, str]) -> StoredCompletion | None: ...

    def delete(self, completion_id: str) -> bool: ...

    def oldest_first(self) -> list[StoredCompletion]: ...


class MemoryCompletionStore:
    def __init__(self, capacity: int = 2000) -> None:
        self._items: OrderedDict[str, StoredCompletion] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, stored: StoredCompletion) -> None:
        with self._lock:
            self._items[stored.completion["id"]] = stored
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def get(self, completion_id: str) -> StoredCompletion | None:
        with self._lock:
            return self._items.get(completion_id)

    def set_metadata(self, completion_id: str, metadata: dict[str, str]) -> StoredCompletion | None:
        with self._lock:
            found = self._items.get(completion_id)
            if found is not None:
                found.completion = {**found.completion, "metadata": dict(metadata)}
            return found

    def delete(self, completion_id: str) -> bool:
        with self._lock:
            return self._items.pop(completion_id, None) is not None

    def oldest_first(self) -> list[StoredCompletion]:
        with self._lock:
            return list(self._items.values())
