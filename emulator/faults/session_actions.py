"""Fault actions for realtime sessions (operation ``realtime``): what voice agents need to
be tested against, on a socket that is already open.

* ``close_socket``: close the WebSocket after ``after_events`` server events or ``after_ms``
  milliseconds (whichever comes first), with a close code and reason (1011, "internal
  error", by default; 1001 for a service going away).
* ``session_error``: send an ``error`` event after ``after_events`` server events; the
  session goes on, as it does after the service's own server errors.
* ``session_stall``: send nothing for ``stall_ms`` after ``after_events`` server events, then
  go on where it stopped (a service that hangs mid-answer; a client's read timeout).

A refused handshake needs nothing new: ``error`` (any status), ``delay`` and ``reset`` act
before the upgrade, as they act before any answer.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from .actions import MAX_WAIT_MS, Action, action


class InSession(Action):
    sessions_only: ClassVar[bool] = True


@action("close_socket")
class CloseSocket(InSession):
    after_events: int | None = Field(default=None, ge=0, le=1_000_000, description="server events sent first")
    after_ms: int | None = Field(default=None, ge=0, le=MAX_WAIT_MS, description="or this long after the upgrade")
    code: int = Field(default=1011, ge=1000, le=4999, description="the WebSocket close code")
    reason: str = Field(default="", max_length=123)

    @model_validator(mode="after")
    def _when(self) -> CloseSocket:
        if self.after_events is None and self.after_ms is None:
            raise ValueError("give after_events, after_ms or both")
        if self.code in (1004, 1005, 1006, 1015) or 1016 <= self.code < 3000:
            raise ValueError(f"{self.code} is not a close code a server may send")
        return self


@action("session_error")
class SessionError(InSession):
    after_events: int = Field(default=1, ge=0, le=1_000_000, description="server events sent first")
    type: str = "server_error"
    code: str | None = None
    message: str = "The server had an error while processing your request. Sorry about that!"


@action("session_stall")
class SessionStall(InSession):
    after_events: int = Field(default=1, ge=0, le=1_000_000, description="server events sent first")
    stall_ms: int = Field(ge=0, le=MAX_WAIT_MS, description="how long nothing is sent")
