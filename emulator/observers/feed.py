"""Requests as they are recorded, to whoever is watching: the dashboard's live table
(/_emulator/feed, server-sent events).

Nobody watching costs one check per request. Each watcher has a bounded queue; a watcher that
falls that far behind loses rows, and is told how many, so the page reloads the journal
rather than show a table with holes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from .journal import row
from .result import Result

QUEUE_ROWS = 1000


class Watcher:
    def __init__(self) -> None:
        self.rows: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_ROWS)
        self.missed = 0  # rows dropped since the watcher last read

    def offer(self, found: dict[str, Any]) -> None:
        try:
            self.rows.put_nowait(found)
        except asyncio.QueueFull:
            self.missed += 1


class Feed:
    def __init__(self) -> None:
        self._watchers: set[Watcher] = set()

    def publish(self, result: Result) -> None:
        # Requests are recorded on the server's event loop, where the watchers wait too.
        if not self._watchers:
            return
        found = row(result)
        for watcher in self._watchers:
            watcher.offer(found)

    @contextlib.contextmanager
    def watch(self) -> Iterator[Watcher]:
        watcher = Watcher()
        self._watchers.add(watcher)
        try:
            yield watcher
        finally:
            self._watchers.discard(watcher)

    @property
    def watchers(self) -> int:
        return len(self._watchers)
