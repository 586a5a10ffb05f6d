"""Stored chat completions (``store: true``): the completion as it was returned, the messages
it answered, and its metadata, which may be changed later. Bounded, oldest dropped first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .bounded import Bounded


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
        self._items: Bounded[StoredCompletion] = Bounded(capacity)

    def put(self, stored: StoredCompletion) -> None:
        self._items.put(stored.completion["id"], stored)

    def get(self, completion_id: str) -> StoredCompletion | None:
        return self._items.get(completion_id)

    def set_metadata(self, completion_id: str, metadata: dict[str, str]) -> StoredCompletion | None:
        found = self._items.get(completion_id)
        if found is not None:
            found.completion = {**found.completion, "metadata": dict(metadata)}
        return found

    def delete(self, completion_id: str) -> bool:
        return self._items.pop(completion_id) is not None

    def oldest_first(self) -> list[StoredCompletion]:
        return self._items.oldest_first()
