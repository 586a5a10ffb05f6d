"""Generated images kept for their links (emulator/imagelinks.py signs and serves the links).
Bounded by count and bytes, the oldest dropped first, so a long run cannot grow without end."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Blob:
    data: bytes
    content_type: str
    created: float  # time.time()
    expires: float


class BlobStore(Protocol):
    def put(self, path: str, blob: Blob) -> None: ...

    def get(self, path: str) -> Blob | None: ...


class MemoryBlobStore:
    def __init__(self, *, max_count: int, max_bytes: int) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._blobs: OrderedDict[str, Blob] = OrderedDict()
        self._bytes = 0
        # Images are stored from worker threads (encoding runs off the event loop).
        self._lock = threading.Lock()

    def put(self, path: str, blob: Blob) -> None:
        with self._lock:
            self._blobs[path] = blob
            self._bytes += len(blob.data)
            while self._blobs and (len(self._blobs) > self.max_count or self._bytes > self.max_bytes):
                _, dropped = self._blobs.popitem(last=False)
                self._bytes -= len(dropped.data)

    def get(self, path: str) -> Blob | None:
        with self._lock:
            return self._blobs.get(path)
