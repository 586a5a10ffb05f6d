"""Ephemeral client secrets for realtime sessions (``POST /openai/v1/realtime/client_secrets``):
a browser gets one from its own backend and connects with it, without the resource's key.
Each is good until it expires, with the session configuration it was made for."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Protocol


class RealtimeSecrets(Protocol):
    def put(self, value: str, expires_at: float, session: dict[str, Any]) -> None: ...

    def get(self, value: str, now: float | None = None) -> dict[str, Any] | None:
        """The session a secret was made for, while it is good; None once expired or unknown."""


class MemoryRealtimeSecrets:
    """In this process, the newest ``capacity`` secrets."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._secrets: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, value: str, expires_at: float, session: dict[str, Any]) -> None:
        with self._lock:
            self._secrets[value] = (expires_at, session)
            while len(self._secrets) > self._capacity:
                self._secrets.popitem(last=False)

    def get(self, value: str, now: float | None = None) -> dict[str, Any] | None:
        with self._lock:
            found = self._secrets.get(value)
        if found is None or found[0] <= (time.time() if now is None else now):
            return None
        return found[1]
