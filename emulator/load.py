"""The requests each deployment is answering right now: what a timing profile's ``capacity``
is measured against (emulator/timing.py). A request is counted from the moment its
deployment admits it (quota and load) until its last byte or its drop."""

from __future__ import annotations

from collections import defaultdict


class InFlight:
    def __init__(self) -> None:
        self._counts: defaultdict[str, int] = defaultdict(int)

    def enter(self, deployment: str) -> int:
        """Count one more; how many there are now, this one included."""
        self._counts[deployment] += 1
        return self._counts[deployment]

    def leave(self, deployment: str) -> None:
        left = self._counts[deployment] - 1
        if left > 0:
            self._counts[deployment] = left
        else:
            del self._counts[deployment]

    def now(self, deployment: str) -> int:
        return self._counts.get(deployment, 0)
