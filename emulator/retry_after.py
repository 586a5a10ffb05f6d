"""retry-after as the emulator holds clients to it: a retry sooner than the retry-after it was
given is marked early (observers/retries.py keeps the waits); where its deployment or its
scenario enforces retry-after, it gets another 429 for the time it has left to wait, and so
waits again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import RateLimited

if TYPE_CHECKING:
    from .context import RequestContext
    from .faults.engine import FaultEngine
    from .observers import Observers

# On the 429 an early retry gets where retry-after is enforced: why it was refused.
EARLY_RETRY_HEADER = "x-emulator-early-retry"


def judge(ctx: RequestContext, observers: Observers, faults: FaultEngine) -> None:
    wait = observers.judge_retry(ctx)
    if wait is None:
        return
    enforced = ctx.deployment.enforce_retry_after if ctx.deployment else False
    if enforced or faults.enforces_retry_after(ctx.request_headers):
        assert ctx.api_version is not None
        raise RateLimited(
            "requests", ctx.operation.operation_id, ctx.api_version.name, wait, {EARLY_RETRY_HEADER: "true"}
        )
