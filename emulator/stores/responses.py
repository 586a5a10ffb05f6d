"""Stored Responses API answers: what retrieval, deletion, input-item listing and
``previous_response_id`` read. Bounded, oldest dropped first, as a long run must not grow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .bounded import Bounded


@dataclass(frozen=True)
class Stored:
    response: dict[str, Any]  # the response object as it was returned
    input_items: list[dict[str, Any]]  # this turn's input, as items with ids
    conversation: list[dict[str, Any]]  # every turn so far as chat messages, answer included


class ResponseStore(Protocol):
    def put(self, stored: Stored) -> None: ...

    def get(self, response_id: str) -> Stored | None: ...

    def delete(self, response_id: str) -> bool: ...


class MemoryResponseStore:
    def __init__(self, capacity: int = 2000) -> None:
        self._items: Bounded[Stored] = Bounded(capacity)

    def put(self, stored: Stored) -> None:
        self._items.put(stored.response["id"], stored)

    def get(self, response_id: str) -> Stored | None:
        return self._items.get(response_id)

    def delete(self, response_id: str) -> bool:
        return self._items.pop(response_id) is not None
