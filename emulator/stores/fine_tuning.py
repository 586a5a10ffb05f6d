"""Fine-tuning jobs: each job object as the API shows it, its events and checkpoints, and
what was asked of it (pause, cancel). emulator/fine_tuning/runner.py moves them through their
states. Bounded: the oldest jobs go first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .bounded import Bounded


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
        self._jobs: Bounded[TrainingJob] = Bounded(capacity)

    def add(self, job: TrainingJob) -> None:
        self._jobs.put(job.job["id"], job)

    def get(self, job_id: str) -> TrainingJob | None:
        return self._jobs.get(job_id)

    def save(self, job: TrainingJob) -> None:
        return None  # the job is the stored object itself

    def newest_first(self) -> list[TrainingJob]:
        return list(reversed(self._jobs.oldest_first()))
