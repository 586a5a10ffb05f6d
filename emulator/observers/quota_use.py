"""Each deployment's use of its quota over the last minutes, in ten-second steps: the
requests it admitted and the tokens charged for them (what the quota counts: the estimate
each admitted request reserves), and the requests it refused (a scenario's 429s are faults,
not the quota's, and neither count). The dashboard draws it against the deployment's TPM
and RPM."""

from __future__ import annotations

from typing import Any

from .result import Result

STEP_S = 10
STEPS = 60  # ten minutes


class QuotaUse:
    def __init__(self) -> None:
        # deployment -> step (seconds since the epoch // STEP_S) -> [requests, tokens, refused]
        self._steps: dict[str, dict[int, list[int]]] = {}

    def observe(self, result: Result) -> None:
        if result.deployment is None or (result.tokens_charged is None and not result.quota_refused):
            return
        step = int(result.received_at // STEP_S)
        steps = self._steps.get(result.deployment)
        if steps is None:
            steps = self._steps[result.deployment] = {}
        counts = steps.get(step)
        if counts is None:
            for old in [s for s in steps if s <= step - STEPS]:
                del steps[old]
            counts = steps[step] = [0, 0, 0]
        if result.quota_refused:
            counts[2] += 1
        else:
            counts[0] += 1
            counts[1] += result.tokens_charged or 0

    def steps(self, deployment: str, now: float) -> list[dict[str, Any]]:
        """The last ``STEPS`` steps up to ``now`` (seconds since the epoch), empty ones too."""
        found = self._steps.get(deployment, {})
        last = int(now // STEP_S)
        return [
            {"at": step * STEP_S, "requests": c[0], "tokens": c[1], "rate_limited": c[2]}
            for step in range(last - STEPS + 1, last + 1)
            for c in [found.get(step, (0, 0, 0))]
        ]

    def deployments(self) -> list[str]:
        return sorted(self._steps)

    def clear(self) -> None:
        self._steps.clear()
