"""Fine-tuning jobs: each job object as the API shows it, its events and checkpoints, and
what was asked of it (pause, cancel). emulator/fine_tuning/runner.py moves them through their
states. Bounded: the oldest jobs go first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class TrainingJob:
    job: dict[str, Any]  # the fine_tuning.job object, as retrieved
    events: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    checkpoints: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    cancel: bool = False  # asked to stop
    pause: bool = False  # asked to pause (and not yet resumed)


class FineTuningStore(Protocol):
    def add(self, job: TrainingJob) -> None: ...

    def get(self, job_id: str) -> TrainingJob | None: ...

    def save(self, job: TrainingJob) -> None:
        """Keep the job's changes (a new state, events, checkpoints)."""

    def newest_first(self) -> list[TrainingJob]: ...


class MemoryFineTuningStore:
    def __init__(self, capacity: int = 500) -> None:
        self.capacity = capacity
        self._jobs: OrderedDict[str, TrainingJob] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, job: TrainingJob) -> None:
        with self._lock:
            self._jobs[job.job["id"]] = job
            while len(self._jobs) > self.capacity:
                self._jobs.popitem(last=False)

    def get(self, job_id: str) -> TrainingJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def save(self, job: TrainingJob) -> None:
        return None  # the job is the stored object itself

    def newest_first(self) -> list[TrainingJob]:
        with self._lock:
            return list(reversed(self._jobs.values()))
