"""Batch jobs: each batch object as the API shows it, the headers its lines carry, and its
lines once validated (emulator/batch_runner.py moves them through their states). Bounded:
the oldest jobs go first."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Job:
    batch: dict[str, Any]  # the batch object, as retrieved
    headers: dict[str, str]  # carried to each line's request
    lines: list[dict[str, Any]] = field(default_factory=list)
    cancel: bool = False  # asked to stop


class BatchStore(Protocol):
    def add(self, job: Job) -> None: ...

    def get(self, batch_id: str) -> Job | None: ...

    def save(self, job: Job) -> None:
        """Keep the job's changes (a new state, counts, the files written)."""

    def newest_first(self) -> list[Job]: ...


class MemoryBatchStore:
    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def add(self, job: Job) -> None:
        self._jobs[job.batch["id"]] = job
        while len(self._jobs) > self.capacity:
            self._jobs.popitem(last=False)

    def get(self, batch_id: str) -> Job | None:
        return self._jobs.get(batch_id)

    def save(self, job: Job) -> None:
        return None  # the job is the stored object itself

    def newest_first(self) -> list[Job]:
        return list(reversed(self._jobs.values()))
