"""The speech the emulator wrote lately, by its samples' digest (emulator/audio/): raw PCM
has nowhere to carry its text, so PCM a client wraps in a WAV file is recognised by its
samples when it comes back to be transcribed."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol


class SpeechMemory(Protocol):
    def remember(self, digest: bytes, text: str) -> None: ...

    def recall(self, digest: bytes | None) -> str | None: ...


class MemorySpeechMemory:
    """In this process, the newest ``capacity`` texts."""

    def __init__(self, capacity: int = 256) -> None:
        self._texts: OrderedDict[bytes, str] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()  # speech is written from worker threads

    def remember(self, digest: bytes, text: str) -> None:
        with self._lock:
            self._texts[digest] = text
            self._texts.move_to_end(digest)
            while len(self._texts) > self._capacity:
                self._texts.popitem(last=False)

    def recall(self, digest: bytes | None) -> str | None:
        if digest is None:
            return None
        with self._lock:
            return self._texts.get(digest)
