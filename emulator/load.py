"""The requests each deployment is answering right now: what a timing profile's ``capacity``
is measured against (emulator/timing.py). A request is counted from the moment its
deployment admits it (quota and load) until its last byte or its drop."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .errors import Overloaded

if TYPE_CHECKING:
    from .deployments import Deployment


class InFlight:
    def __init__(self) -> None:
        self._counts: defaultdict[str, int] = defaultdict(int)

    def admit(self, deployment: Deployment) -> int:
        """Count a request in flight on ``deployment`` (until ``leave``), and how many there are
        now, itself included; or refuse it, counting nothing, when the deployment's timing
        profile holds no more."""
        in_flight = self.enter(deployment.name)
        profile = deployment.timing
        if profile.refuses(in_flight):
            self.leave(deployment.name)
            raise Overloaded(profile.overload_status, profile.overload_retry_after_ms)
        return in_flight

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
