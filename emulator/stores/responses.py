"""Stored Responses API answers: what retrieval, deletion, input-item listing and
``previous_response_id`` read. Bounded, oldest dropped first, as a long run must not grow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .bounded import Bounded


@dataclass
class BackgroundRun:
    """When a background response moves on (Unix seconds), and whether it was cancelled."""

    queued_until: float
    done_at: float
    cancelled: bool = False


@dataclass(frozen=True)
class Stored:
    response: dict[str, Any]  # the response object as it was returned (its final form)
    input_items: list[dict[str, Any]]  # this turn's input, as items with ids
    conversation: list[dict[str, Any]]  # every turn so far as chat messages, answer included
    run: BackgroundRun | None = None  # background responses only
    # A background stream's events, which a client may resume after a sequence number.
    events: list[dict[str, Any]] = field(default_factory=list)


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
