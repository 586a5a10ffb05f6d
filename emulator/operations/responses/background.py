"""Background responses (``background: true``): the answer is made at once, as every answer
is, but shows itself on a clock, as the service's queue would: ``queued`` for one step, then
``in_progress`` for another (or for as long as the deployment's timing profile takes to write
the answer, if longer), then its final status. Polling ``GET /responses/{id}`` sees it move;
``POST /responses/{id}/cancel`` stops it before it finishes (``cancelled``, no output); a
background stream can be read again after any ``sequence_number`` (``GET /responses/{id}?
stream=true&starting_after=N``).

The clock's step is the configuration's ``responses.background_step_s``. Refusals: "Cannot
cancel a completed response." is the service's sentence; the others follow its form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...delivery import JsonReply, Reply, StreamReply
from ...errors import InvalidRequest
from ...stores.responses import BackgroundRun, Stored
from .request import ResponsesRequest

if TYPE_CHECKING:
    from ...context import RequestContext

# What a response shows before it is done: no output, no usage yet.
_UNFINISHED: dict[str, Any] = {"output": [], "usage": None, "incomplete_details": None}
_TERMINAL_REFUSALS = {
    "completed": "Cannot cancel a completed response.",
    "failed": "Cannot cancel a failed response.",
    "incomplete": "Cannot cancel a response in a terminal state.",
}


@dataclass(frozen=True)
class BackgroundClock:
    step_s: float

    def start(self, writing_s: float) -> BackgroundRun:
        """A run starting now whose answer takes ``writing_s`` to write."""
        now = time.time()
        return BackgroundRun(queued_until=now + self.step_s, done_at=now + self.step_s + max(self.step_s, writing_s))


def check(req: ResponsesRequest) -> None:
    if req.background and req.store is False:
        raise InvalidRequest(
            "Background responses must be stored: 'store' cannot be false when 'background' is true.",
            param="store",
            code="invalid_value",
        )


def status(stored: Stored, now: float | None = None) -> str:
    run = stored.run
    final: str = stored.response["status"]
    if run is None:
        return final
    now = time.time() if now is None else now
    if run.cancelled:
        return "cancelled"
    if now < run.queued_until:
        return "queued"
    if now < run.done_at:
        return "in_progress"
    return final


def view(stored: Stored) -> dict[str, Any]:
    """The response as it stands now."""
    now = status(stored)
    if now == stored.response["status"]:
        return stored.response
    return {**stored.response, **_UNFINISHED, "status": now}


def opening(response: dict[str, Any]) -> dict[str, Any]:
    """A background response as its stream starts: queued."""
    return {**response, **_UNFINISHED, "status": "queued"}


def cancel(ctx: RequestContext, stored: Stored) -> Reply:
    if stored.run is None:
        raise InvalidRequest(
            "Only responses created with background set to true can be cancelled.",
            param="response_id",
            code="invalid_value",
        )
    now = status(stored)
    if now in _TERMINAL_REFUSALS:
        raise InvalidRequest(_TERMINAL_REFUSALS[now], param="response_id")
    stored.run.cancelled = True
    assert ctx.services is not None
    ctx.services.responses.put(stored)  # a shared store must hear of it too
    return JsonReply(view(stored))


def replay(stored: Stored, starting_after: int | None) -> Reply:
    """A background stream's events again, after ``starting_after``: those the response has
    reached (a cancelled one stops where it was)."""
    if stored.run is None or not stored.events:
        raise InvalidRequest(
            "Only responses created with background and stream set to true can be streamed again.",
            param="stream",
            code="invalid_value",
        )
    events = stored.events
    if status(stored) == "cancelled":
        events = [e for e in events if e["type"] in ("response.created", "response.queued", "response.in_progress")]
    after = -1 if starting_after is None else starting_after
    return StreamReply([e for e in events if e["sequence_number"] > after], named=True)
