"""Running fine-tuning jobs (kept in emulator/stores/fine_tuning.py) on a clock, as Azure runs
them: a job is ``pending`` while it waits its turn (one trains at a time per resource) and
while its files are checked line by line (training_data.py; a bad one fails the job), then
``running`` an epoch a step, then ``succeeded``. Each step lasts ``fine_tuning.step_s``, so
clients that poll see every state. Running, a job writes Azure's events, a checkpoint per
epoch and, at the end, a results.csv whose losses fall and accuracies rise deterministically
with the steps; the finished job names its model ``<base>-<version>.ft-<job>[-<suffix>]``.
Pause, resume and cancel take effect at the next step; a paused job keeps its turn, so the
jobs waiting behind it wait until it is resumed or cancelled.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import Any

from .. import ids
from ..stores.files import FileStore
from ..stores.fine_tuning import FineTuningStore, TrainingJob
from . import catalog
from .training_data import Examples, TrainingDataError, check

TERMINAL = ("succeeded", "failed", "cancelled")
WAITING = ("pending",)
_CSV_COLUMNS = (
    "step",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "validation_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)


class FineTuningRunner:
    def __init__(self, jobs: FineTuningStore, files: FileStore, step_s: float) -> None:
        self.jobs = jobs
        self.files = files
        self.step_s = step_s
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake: dict[str, asyncio.Event] = {}  # set when a paused job is resumed or cancelled
        self._slots: asyncio.Semaphore | None = None  # the jobs that may train at once

    def waiting(self) -> int:
        return sum(1 for job in self.jobs.newest_first() if job.job["status"] in WAITING)

    def create(self, job: dict[str, Any], base: catalog.Trainable) -> dict[str, Any]:
        stored = TrainingJob(job)
        self.jobs.add(stored)
        self._event(stored, "enqueued")
        task = asyncio.get_running_loop().create_task(self._run(stored, base))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return dict(job)

    def close(self) -> None:
        """The emulator is stopping: jobs still running stop where they are."""
        for task in list(self._tasks):
            task.cancel()

    def get(self, job_id: str) -> TrainingJob | None:
        return self.jobs.get(job_id)

    def all(self) -> list[dict[str, Any]]:
        return [dict(job.job) for job in self.jobs.newest_first()]

    def cancel(self, job: TrainingJob) -> None:
        job.cancel = True
        self._move(job, status="cancelled", finished_at=int(time.time()), estimated_finish=None)
        self._event(job, "cancelled")
        self._nudge(job)

    def pause(self, job: TrainingJob) -> None:
        job.pause = True
        self._move(job, status="paused")
        self._event(job, "paused", step=job.checkpoints[-1]["step_number"] if job.checkpoints else 0)

    def resume(self, job: TrainingJob) -> None:
        """Resuming until the next step, then running again."""
        job.pause = False
        self._move(job, status="resuming")
        self._event(job, "resumed")
        self._nudge(job)

    # -- the run -----------------------------------------------------------------------------

    def _nudge(self, job: TrainingJob) -> None:
        wake = self._wake.get(job.job["id"])
        if wake is not None:
            wake.set()

    async def _step(self, job: TrainingJob) -> bool:
        """One tick of the clock, and then as long as the job is paused; False once it is
        cancelled."""
        await asyncio.sleep(self.step_s)
        while job.pause and not job.cancel:
            wake = self._wake.setdefault(job.job["id"], asyncio.Event())
            wake.clear()
            await wake.wait()
        if not job.cancel and job.job["status"] == "resuming":
            self._move(job, status="running")
        return not job.cancel

    def _move(self, job: TrainingJob, **changes: Any) -> None:
        job.job.update(changes)
        self.jobs.save(job)

    def _event(self, job: TrainingJob, kind: str, data: dict[str, Any] | None = None, **words: Any) -> None:
        message = str(catalog.data()["events"][kind]).format(**words)
        event: dict[str, Any] = {
            "id": f"ftevent-{ids.hex32()}",
            "object": "fine_tuning.job.event",
            "created_at": int(time.time()),
            "level": "error" if kind == "failed" else "info",
            "message": message,
            "type": "metrics" if data else "message",
        }
        if data:
            event["data"] = data
        job.events.append(event)
        self.jobs.save(job)

    def _fail(self, job: TrainingJob, error: TrainingDataError, param: str) -> None:
        self._move(
            job,
            status="failed",
            finished_at=int(time.time()),
            estimated_finish=None,
            error={"code": error.code, "message": error.message, "param": param},
        )
        self._event(job, "failed", reason=error.message)

    def _examples(self, job: TrainingJob, base: catalog.Trainable, param: str) -> Examples | None:
        which = param.split("_")[0]  # "training" or "validation"
        self._event(job, "preprocessing", which=which)
        data = self.files.content(job.job[param])
        if data is None:
            gone = TrainingDataError(f"invalid_{which}_file", f"The file {job.job[param]} no longer exists.")
            self._fail(job, gone, param)
            return None
        least = int(catalog.data()["least_examples"]) if param == "training_file" else 1
        try:
            examples = check(
                data, job.job["method"]["type"], base.model.encoding, base.max_example_tokens, least, which
            )
        except TrainingDataError as error:
            self._fail(job, error, param)
            return None
        self._event(job, "preprocessed", which=which)
        return examples

    async def _run(self, job: TrainingJob, base: catalog.Trainable) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(int(catalog.data()["max_running_jobs"]))
        try:
            async with self._slots:  # jobs ahead train first
                if not job.cancel:
                    await self._train(job, base)
        finally:
            self._wake.pop(job.job["id"], None)

    async def _train(self, job: TrainingJob, base: catalog.Trainable) -> None:
        if not await self._step(job):
            return
        training = self._examples(job, base, "training_file")
        if training is None:
            return
        validation = self._examples(job, base, "validation_file") if job.job.get("validation_file") else None
        if job.job.get("validation_file") and validation is None:
            return
        method = job.job["method"]
        kind = method["type"]
        chosen = catalog.auto_hyperparameters(training.count, method[kind]["hyperparameters"], kind)
        method = {**method, kind: {**method[kind], "hyperparameters": chosen}}
        epochs, batch = int(chosen["n_epochs"]), int(chosen["batch_size"])
        self._move(
            job,
            status="running",
            hyperparameters={k: chosen[k] for k in ("n_epochs", "batch_size", "learning_rate_multiplier")},
            method=method,
            estimated_finish=int(time.time() + self.step_s * (epochs + 1)),
        )
        self._event(job, "started")
        self._event(job, "training")
        per_epoch = math.ceil(training.count / batch)
        total = per_epoch * epochs
        curve = _Curve(job.job["seed"], total, validation is not None)
        every = int(catalog.data()["step_event_every"])
        rows: list[dict[str, Any]] = []
        for epoch in range(1, epochs + 1):
            if not await self._step(job):
                return
            for step in range((epoch - 1) * per_epoch + 1, epoch * per_epoch + 1):
                row = curve.row(step, end_of_epoch=step == epoch * per_epoch)
                rows.append(row)
                if step % every == 0 or step == total:
                    metrics = {k: v for k, v in row.items() if v is not None}
                    self._event(job, "step", data=metrics, step=step, train_loss=row["train_loss"])
            self._checkpoint(job, base, rows[-1], last=epoch == epochs)
        results = self.files.add(_csv(rows), "results.csv", "fine-tune-results")
        self._event(job, "results", file=results.id)
        model = model_name(base, job.job["id"], job.job.get("suffix"))
        trained = training.total_tokens * epochs
        self._move(
            job,
            status="succeeded",
            fine_tuned_model=model,
            finished_at=int(time.time()),
            trained_tokens=trained,
            result_files=[results.id],
            estimated_finish=None,
        )
        self._event(job, "succeeded")
        self._event(job, "completed", file=results.id)
        self._event(job, "billed", tokens=trained)

    def _checkpoint(self, job: TrainingJob, base: catalog.Trainable, row: dict[str, Any], *, last: bool) -> None:
        """The epoch's checkpoint: the last one is the fine-tuned model itself, the earlier
        ones ``<model>:ckpt-step-<n>``."""
        name = model_name(base, job.job["id"], job.job.get("suffix"))
        step = int(row["step"])
        metrics = {k: (float(v) if k == "step" else v) for k, v in row.items() if v is not None}
        if "validation_mean_token_accuracy" in metrics:  # the checkpoints' spelling
            metrics["valid_mean_token_accuracy"] = metrics.pop("validation_mean_token_accuracy")
        job.checkpoints.append(
            {
                "id": f"ftchkpt-{ids.hex32()}",
                "object": "fine_tuning.job.checkpoint",
                "created_at": int(time.time()),
                "fine_tuned_model_checkpoint": name if last else f"{name}:ckpt-step-{step}",
                "fine_tuning_job_id": job.job["id"],
                "step_number": step,
                "metrics": metrics,
            }
        )
        self._event(job, "checkpoint", step=step)


class _Curve:
    """Loss falling and accuracy rising with the steps, with a little noise from the job's
    seed: the same job trains the same way every time."""

    def __init__(self, seed: int, total: int, validated: bool) -> None:
        self.rng = random.Random(seed)
        self.start = 1.6 + self.rng.random() * 0.8
        self.floor = 0.15 + self.rng.random() * 0.25
        self.pace = max(total / 3, 1.0)
        self.validated = validated

    def _loss(self, step: int, over: float) -> float:
        loss = self.floor + (self.start - self.floor) * math.exp(-step / self.pace)
        return round(loss * (over + (self.rng.random() - 0.5) * 0.04), 6)

    def _accuracy(self, loss: float) -> float:
        return round(min(1.0, max(0.0, 1 - loss / (self.start * 1.5))), 6)

    def row(self, step: int, *, end_of_epoch: bool) -> dict[str, Any]:
        train = self._loss(step, 1.0)
        valid = self._loss(step, 1.08) if self.validated else None
        full = self._loss(step, 1.1) if self.validated and end_of_epoch else None
        return {
            "step": step,
            "train_loss": train,
            "train_mean_token_accuracy": self._accuracy(train),
            "valid_loss": valid,
            "validation_mean_token_accuracy": self._accuracy(valid) if valid is not None else None,
            "full_valid_loss": full,
            "full_valid_mean_token_accuracy": self._accuracy(full) if full is not None else None,
        }


def _csv(rows: list[dict[str, Any]]) -> bytes:
    """A header row and a row a step; what a step has not (validation without a validation
    file, full validation between epochs) is left empty."""
    lines = [",".join(_CSV_COLUMNS)]
    lines += [",".join("" if row[c] is None else str(row[c]) for c in _CSV_COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def model_name(base: catalog.Trainable, job_id: str, suffix: str | None) -> str:
    """Azure's name for a fine-tuned model: the base and version, ``.ft-``, the job's hex id,
    and the suffix if there is one."""
    return f"{base.full_name}.ft-{job_id.removeprefix('ftjob-')}" + (f"-{suffix}" if suffix else "")
