"""Per-deployment quota accounting: the numbers behind ``x-ratelimit-*`` headers.

Azure reserves, for each request, an estimate of the tokens it may use (prompt plus the
completion budget) against the deployment's tokens-per-minute quota, and counts requests
against the requests-per-minute quota (shared/reference/service.md 4.5). This meter keeps both
counts over one-minute windows and reports what is left. It only measures: refusing requests
with 429 once the quota is spent belongs to the rate-limit step of the fault issue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .deployments import Deployment

_WINDOW_S = 60.0


@dataclass(frozen=True)
class QuotaReading:
    limit_requests: int
    limit_tokens: int
    remaining_requests: int
    remaining_tokens: int


class _Window:
    __slots__ = ("started", "requests", "tokens")

    def __init__(self, now: float) -> None:
        self.started = now
        self.requests = 0
        self.tokens = 0


class QuotaMeter:
    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}

    def admit(self, deployment: Deployment, estimated_tokens: int, now: float | None = None) -> QuotaReading:
        """Count one request and its token estimate, and report what remains this minute."""
        now = time.monotonic() if now is None else now
        window = self._windows.get(deployment.name)
        if window is None or now - window.started >= _WINDOW_S:
            window = self._windows[deployment.name] = _Window(now)
        window.requests += 1
        window.tokens += estimated_tokens
        return QuotaReading(
            limit_requests=deployment.rpm,
            limit_tokens=deployment.tpm,
            remaining_requests=max(deployment.rpm - window.requests, 0),
            remaining_tokens=max(deployment.tpm - window.tokens, 0),
        )

    def reset(self) -> None:
        self._windows.clear()
