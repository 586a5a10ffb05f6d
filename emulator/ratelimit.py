"""Per-deployment quotas, as Azure enforces them (shared/reference/service.md 4.5).

Tokens: each request reserves an estimate of what it may use (the prompt from its characters
plus the completion budget, times the candidates it asks for) against the deployment's
tokens-per-minute quota, in a window that starts afresh each minute. Requests: Azure counts
them over short windows rather than the whole minute; here ten seconds, with a sixth of the
requests-per-minute quota in each (a 120-RPM deployment reports x-ratelimit-limit-requests:
20). A quota that does not split into sixths (under 6 RPM, or 10 RPM) is counted over the
whole minute instead, so no deployment gets more than its quota. Both are plain counters, so
admitting a request costs the same however many came before.

A refused request costs nothing. Deployments whose quota is not enforced are still metered,
so their responses carry the remaining counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .deployments import Deployment
from .errors import RateLimited

_TOKEN_WINDOW_S = 60.0
# What Azure tells a deployment with no token quota at all (0 TPM) to wait: a day, not the
# rest of a window that will never have room (service.md 4.5).
_NO_QUOTA_WAIT_S = 86400.0


@dataclass(frozen=True)
class QuotaReading:
    limit_requests: int
    limit_tokens: int
    remaining_requests: int
    remaining_tokens: int
    # Seconds until each window starts afresh (a realtime session's rate_limits.updated).
    reset_requests_s: float = 0.0
    reset_tokens_s: float = 0.0

    def headers(self) -> dict[str, str]:
        """What every answer of the deployment carries."""
        return {
            "x-ratelimit-remaining-requests": str(self.remaining_requests),
            "x-ratelimit-remaining-tokens": str(self.remaining_tokens),
        }

    def refusal_headers(self) -> dict[str, str]:
        """What a 429 carries besides: the limits too."""
        return {
            "x-ratelimit-limit-requests": str(self.limit_requests),
            "x-ratelimit-limit-tokens": str(self.limit_tokens),
            **self.headers(),
        }


class _Windows:
    __slots__ = ("tokens_started", "tokens", "requests_started", "requests")

    def __init__(self, now: float) -> None:
        self.tokens_started = self.requests_started = now
        self.tokens = self.requests = 0


def _request_window(rpm: int) -> tuple[float, int]:
    """The window requests are counted in, and how many it admits."""
    if rpm % 6 == 0:
        return 10.0, rpm // 6
    return 60.0, rpm


class RateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, _Windows] = {}

    def admit(
        self,
        deployment: Deployment,
        estimated_tokens: int,
        operation_id: str,
        api_version: str,
        now: float | None = None,
    ) -> QuotaReading:
        """Count the request, or raise ``RateLimited`` if an enforced quota has no room."""
        now = time.monotonic() if now is None else now
        windows = self._windows.get(deployment.name)
        if windows is None:
            windows = self._windows[deployment.name] = _Windows(now)
        if now - windows.tokens_started >= _TOKEN_WINDOW_S:
            windows.tokens_started, windows.tokens = now, 0
        request_window, request_limit = _request_window(deployment.rpm)
        if now - windows.requests_started >= request_window:
            windows.requests_started, windows.requests = now, 0
        if deployment.enforce_quota:
            reading = self._reading(deployment, windows, request_limit, request_window, now)
            if deployment.tpm == 0:
                raise RateLimited("tokens", operation_id, api_version, _NO_QUOTA_WAIT_S, reading.refusal_headers())
            if windows.requests + 1 > request_limit:
                wait = windows.requests_started + request_window - now
                raise RateLimited("requests", operation_id, api_version, wait, reading.refusal_headers())
            if windows.tokens + estimated_tokens > deployment.tpm:
                wait = windows.tokens_started + _TOKEN_WINDOW_S - now
                raise RateLimited("tokens", operation_id, api_version, wait, reading.refusal_headers())
        windows.requests += 1
        windows.tokens += estimated_tokens
        return self._reading(deployment, windows, request_limit, request_window, now)

    @staticmethod
    def _reading(
        deployment: Deployment, windows: _Windows, request_limit: int, request_window: float, now: float
    ) -> QuotaReading:
        return QuotaReading(
            limit_requests=request_limit,
            limit_tokens=deployment.tpm,
            remaining_requests=max(request_limit - windows.requests, 0),
            remaining_tokens=max(deployment.tpm - windows.tokens, 0),
            reset_requests_s=max(windows.requests_started + request_window - now, 0.0),
            reset_tokens_s=max(windows.tokens_started + _TOKEN_WINDOW_S - now, 0.0),
        )

    def reset(self) -> None:
        self._windows.clear()
