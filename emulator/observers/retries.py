"""Whether clients honour ``retry-after``: per client address, deployment and operation, the
time before which the emulator asked that client not to come back (on a 408, 429 or 5xx
with ``retry-after-ms`` or ``retry-after``). A retry that arrives sooner is ``early_retry``
in its result, so a test can assert its client waits as told (as Dev Proxy's check does).

Only clients that number their retries are judged: the openai SDKs send
``x-stainless-retry-count`` (1 and up on a retry). A first attempt from another test on the
same address is neither marked nor clears the mark.
"""

from __future__ import annotations

import time

from .result import Result

Key = tuple[str, str, str]  # client address, deployment, operation
# The wait is counted from when the answer was recorded, a little after the client had it:
# a client that waits exactly as long as told is not early by that little.
_SLACK_S = 0.05
_WAIT_STATUSES = (408, 429)


class RetryWatch:
    def __init__(self) -> None:
        self._not_before: dict[Key, float] = {}

    def wait_left(self, key: Key, retry_count: int | None, arrived: float) -> float | None:
        """How much sooner than asked a retry that arrived at ``arrived`` (time.monotonic)
        came, or None when it waited as long as it was told (or is no retry)."""
        if not retry_count:
            return None
        not_before = self._not_before.pop(key, None)
        if not_before is None or arrived >= not_before - _SLACK_S:
            return None
        return not_before - arrived

    def observe(self, result: Result) -> None:
        """Note the wait an answer asked for."""
        if result.status not in _WAIT_STATUSES and result.status < 500:
            return
        seconds = retry_after_s(result.response_headers)
        if seconds is not None:
            key = (result.client, result.deployment or "", result.operation)
            self._not_before[key] = time.monotonic() + seconds

    def clear(self) -> None:
        self._not_before.clear()


def retry_after_s(headers: tuple[tuple[bytes, bytes], ...]) -> float | None:
    # The clients read retry-after-ms first, then retry-after (shared/reference/clients.md 2).
    found = dict(headers)
    for name, scale in ((b"retry-after-ms", 1000.0), (b"retry-after", 1.0)):
        value = found.get(name)
        if value is not None:
            try:
                return float(value) / scale
            except ValueError:
                continue
    return None
