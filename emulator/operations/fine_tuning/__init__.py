"""Fine-tuning jobs: create, list, retrieve, cancel, pause, resume, events and checkpoints, on
``/openai/fine_tuning/jobs`` and ``/openai/v1/fine_tuning/jobs``. Create checks what the
service checks before a job exists (request.py: the base model trains by the method asked, the
files exist with purpose fine-tune, hyperparameters in range, the suffix; here: the number of
jobs waiting); the training data itself is checked by the running job
(emulator/fine_tuning/runner.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...delivery import JsonReply, Reply
from ...errors import FineTuningRefused, InvalidRequest
from ...fine_tuning import catalog
from ...fine_tuning.runner import TERMINAL, FineTuningRunner
from ...validation import parse_json_body
from .. import fields, resource
from .request import job_asked

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...stores.fine_tuning import TrainingJob


def _refused(error: InvalidRequest) -> FineTuningRefused:
    """A check worded as the inference API words it, in the fine-tuning API's shape."""
    return FineTuningRefused(error.message)


def runner(ctx: RequestContext) -> FineTuningRunner:
    assert ctx.services is not None
    return ctx.services.fine_tuning


def create(ctx: RequestContext, raw: bytes) -> Reply:
    try:
        job, base = job_asked(ctx, parse_json_body(raw))
    except InvalidRequest as error:
        raise _refused(error) from None
    jobs = runner(ctx)
    most = int(catalog.data()["max_queued_jobs"])
    if jobs.waiting() >= most:
        raise FineTuningRefused(
            f"Quota exceeded: {most} fine-tuning jobs are already waiting to train on this resource, the most it "
            f"may have queued. Wait for one to start or finish, or cancel one.",
            code="quotaExceeded",
            status=429,
        )
    # The dated API answers a created job with 201, the v1 API with 200.
    return JsonReply(jobs.create(job, base), status=200 if ctx.surface == "v1" else 201)


def _found(ctx: RequestContext) -> TrainingJob:
    job_id = ctx.request.path_params["id"]
    found = runner(ctx).get(job_id)
    if found is None:
        raise FineTuningRefused(f"The fine-tuning job '{job_id}' does not exist.", code="notFound", status=404)
    return found


def _cannot(job: TrainingJob, action: str) -> FineTuningRefused:
    return FineTuningRefused(
        f"The job {job.job['id']} is {job.job['status']} and cannot be {action}.", code="unexpectedEntityState"
    )


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(dict(_found(ctx).job))


def _page(items: list[dict[str, Any]], ctx: RequestContext, **bounds: int) -> JsonReply:
    """A page of ``items``; a bad ``limit`` in the fine-tuning API's error shape."""
    try:
        return JsonReply(fields.page(items, ctx.request.query_params, **bounds))
    except InvalidRequest as error:
        raise _refused(error) from None


def list_jobs(ctx: RequestContext, _: bytes) -> Reply:
    """Newest first, paged by ``after`` and ``limit``."""
    return _page(runner(ctx).all(), ctx)


def cancel(ctx: RequestContext, _: bytes) -> Reply:
    job = _found(ctx)
    if job.job["status"] in TERMINAL:
        raise _cannot(job, "cancelled")
    runner(ctx).cancel(job)
    return JsonReply(dict(job.job))


def pause(ctx: RequestContext, _: bytes) -> Reply:
    job = _found(ctx)
    if job.job["status"] not in ("running", "resuming"):
        raise _cannot(job, "paused")
    runner(ctx).pause(job)
    return JsonReply(dict(job.job))


def resume(ctx: RequestContext, _: bytes) -> Reply:
    job = _found(ctx)
    if job.job["status"] != "paused":
        raise _cannot(job, "resumed")
    runner(ctx).resume(job)
    return JsonReply(dict(job.job))


def events(ctx: RequestContext, _: bytes) -> Reply:
    """Newest first, as the service lists them."""
    return _page(list(reversed(_found(ctx).events)), ctx, most=1000)


def checkpoints(ctx: RequestContext, _: bytes) -> Reply:
    """Newest first, paged: the last three epochs' checkpoints, as the service keeps them."""
    newest = list(reversed(_found(ctx).checkpoints))[:3]
    return _page(newest, ctx, default=10)


CREATE = resource(create)
LIST = resource(list_jobs)
RETRIEVE = resource(retrieve)
CANCEL = resource(cancel)
PAUSE = resource(pause)
RESUME = resource(resume)
EVENTS = resource(events)
CHECKPOINTS = resource(checkpoints)
