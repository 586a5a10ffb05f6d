"""Asynchronous Filter mode: the annotation frames that trail a streamed answer.

In this mode the service sends content as it is generated, without filter results, and
its verdicts follow in frames of their own: blank ids, the results, and which characters
of the answer they cover (``content_filter_offsets``; service.md 4.7). Chat and legacy
completion streams share this; each builds its own content chunks around it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# A frame follows about every this many characters of content. The service promises its
# signal within ~1,000 characters; a smaller window shows clients several frames in answers
# of ordinary length.
WINDOW = 200


class TrailingVerdicts:
    """The frames for one choice: ``after`` with each content chunk sent, ``close`` with the
    choice's finish event. Inactive (the default mode), it adds nothing and passes the finish
    through, so stream builders need no branch of their own."""

    def __init__(self, index: int, results: dict[str, Any], with_usage: bool, active: bool) -> None:
        self.index = index
        self.results = results
        self.with_usage = with_usage
        self.active = active
        self.sent = 0
        self.checked = 0

    def after(self, piece: str) -> Iterator[dict[str, Any]]:
        if not self.active:
            return
        self.sent += len(piece)
        if self.sent - self.checked >= WINDOW:
            yield self._frame(None)

    def close(self, finish_reason: str, finish_event: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """A blocked answer ends with the filter's frame instead of its finish event; any
        other ends with its finish, then the verdict on the tail (the filter trails)."""
        blocked = finish_reason == "content_filter"
        if not (self.active and blocked):
            yield finish_event
        if self.active and (blocked or self.sent > self.checked):
            yield self._frame("content_filter" if blocked else None)

    def _frame(self, finish: str | None) -> dict[str, Any]:
        start, self.checked = self.checked, self.sent
        frame: dict[str, Any] = {
            "choices": [
                {
                    "content_filter_offsets": {"check_offset": start, "end_offset": self.sent, "start_offset": start},
                    "content_filter_results": self.results,
                    "finish_reason": finish,
                    "index": self.index,
                }
            ],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
        }
        if self.with_usage:
            frame["usage"] = None
        return frame
