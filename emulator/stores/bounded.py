"""What the in-memory stores keep their items in: a map bounded to ``capacity`` items, the
oldest dropped first (a long run must not grow), safe to use from several threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class Bounded(Generic[T]):
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, item: T) -> None:
        with self._lock:
            self._items[key] = item
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)

    def pop(self, key: str) -> T | None:
        with self._lock:
            return self._items.pop(key, None)

    def oldest_first(self) -> list[T]:
        with self._lock:
            return list(self._items.values())
