"""Stored Responses API answers: what retrieval, deletion, input-item listing and
``previous_response_id`` read. Bounded, oldest dropped first, as a long run must not grow."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol


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
        self._items: OrderedDict[str, Stored] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, stored: Stored) -> None:
        with self._lock:
            self._items[stored.response["id"]] = stored
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def get(self, response_id: str) -> Stored | None:
        with self._lock:
            return self._items.get(response_id)

    def delete(self, response_id: str) -> bool:
        with self._lock:
            return self._items.pop(response_id, None) is not None
