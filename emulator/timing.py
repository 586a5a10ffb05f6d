"""Timing profiles (data/timing.yaml): how long an answer takes, and how a stream is paced
(``Pacing`` makes each request's ``Pacer``).

Waits are scheduled against the request's start, not chained one after another, so the
small lateness of each wake-up does not add up over a long stream.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import anyio

from . import synth
from .delivery import JsonReply, StreamReply
from .yamlfiles import packaged

if TYPE_CHECKING:
    from .context import RequestContext
    from .delivery import Reply


@dataclass(frozen=True)
class TimingProfile:
    name: str
    ttft_ms: float = 0
    tokens_per_s: float = 0
    jitter: float = 0
    fixed_ms: float = 0
    # Load: the requests a deployment answers at full speed at once (0: any number). Beyond
    # it every wait grows in proportion to the requests in flight; beyond ``queue`` more, a
    # request is refused with ``overload_status`` (None: none is refused).
    capacity: int = 0
    queue: int | None = None
    overload_status: int = 429
    overload_retry_after_ms: int = 1000

    @property
    def instant(self) -> bool:
        return self.ttft_ms == 0 and self.tokens_per_s == 0 and self.fixed_ms == 0

    def slowdown(self, in_flight: int) -> float:
        """How many times slower a request answers with ``in_flight`` requests (itself
        included) on its deployment."""
        return max(1.0, in_flight / self.capacity) if self.capacity else 1.0

    def refuses(self, in_flight: int) -> bool:
        return bool(self.capacity) and self.queue is not None and in_flight > self.capacity + self.queue

    def server_timing(self, slowdown: float = 1.0) -> str:
        """The plan, in a Server-Timing header, so tests see what was intended."""
        gap = 1000 / self.tokens_per_s * slowdown if self.tokens_per_s else 0
        return f"ttft;dur={self.ttft_ms * slowdown:g}, token;dur={gap:.3f}"


@lru_cache(maxsize=1)
def load_profiles() -> dict[str, TimingProfile]:
    raw = packaged("timing.yaml")["profiles"]
    return {name: TimingProfile(name=name, **fields) for name, fields in raw.items()}


INSTANT = TimingProfile(name="instant")
Wait = Callable[[float], Awaitable[None]]


class Pacer:
    """Waits for one request, with its own seeded jitter."""

    def __init__(
        self,
        profile: TimingProfile,
        seed: int,
        started: float | None = None,
        burst: int = 1,
        sleep: Wait = anyio.sleep,
        slowdown: float = 1.0,
    ) -> None:
        """``started``: when the request arrived (time.monotonic), which the clock counts from.
        ``burst``: stream events go out in groups of this many, one group per that many token
        intervals, as Azure's content filter releases an answer it buffers (1: event by event).
        ``sleep``: how it waits (the emulator's own ends when it stops: emulator/stopping.py).
        ``slowdown``: every wait is this many times longer (a deployment under load)."""
        self.profile = profile
        self.slowdown = slowdown
        self.burst = max(1, burst)
        self._rng = random.Random(seed)
        self._start = time.monotonic() if started is None else started
        self._sleep = sleep

    def _spread(self, seconds: float) -> float:
        jitter = self.profile.jitter
        seconds *= self.slowdown
        return seconds * (1 + self._rng.uniform(-jitter, jitter)) if jitter else seconds

    async def _until(self, at: float) -> None:
        delay = at - time.monotonic()
        if delay > 0:
            await self._sleep(delay)

    def whole_answer_s(self, tokens: int | None) -> float:
        """How long a plain answer still waits, from now: time to first token plus the time
        to write its tokens, or the fixed wait of operations without tokens."""
        p = self.profile
        if tokens is None:
            seconds = p.fixed_ms / 1000
        else:
            seconds = p.ttft_ms / 1000 + (tokens / p.tokens_per_s if p.tokens_per_s else 0)
        return max(self._start + self._spread(seconds) - time.monotonic(), 0.0)

    async def paced(
        self, frames: AsyncIterator[bytes], first_content: int, grouped: bool = False
    ) -> AsyncIterator[bytes]:
        """The stream's frames on the profile's clock: frames before ``first_content`` at
        once, the first content frame after the time to first token, then one frame (or one
        group of ``burst``) per token interval (or ``burst`` intervals).

        ``grouped``: each group leaves as one piece, the frames joined. The client reads the
        same bytes at the same moments; the server makes one write instead of ``burst``
        (a paced stream's cost is per write). Only for frames no fault counts one by one."""
        p = self.profile
        burst = self.burst
        gap = (1 / p.tokens_per_s if p.tokens_per_s else 0.0) * burst
        due = self._start + self._spread(p.ttft_ms / 1000)
        index = 0
        group: list[bytes] = []
        async for frame in frames:
            if index >= first_content and (index - first_content) % burst == 0:
                await self._until(due)
                now = time.monotonic()
                if now - due > gap * self.slowdown:
                    # Far behind (a stall fault, a slow reader): carry on from now rather
                    # than rush out the events that are "overdue".
                    due = now
                due += self._spread(gap)
            index += 1
            if not grouped or burst == 1 or index <= first_content:
                yield frame
                continue
            group.append(frame)
            if len(group) == burst:
                yield b"".join(group)
                group = []
        if group:  # the last, shorter group
            yield b"".join(group)


class Pacing:
    """Each request's pacer, from its deployment's timing profile, seeded in turn from the run
    seed so the jitter of a run repeats."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._paced = 0

    async def start(self, ctx: RequestContext, reply: Reply, wait: Wait, sleep: Wait) -> Pacer | None:
        """A plain answer waits here for its time (``wait`` returns early if the client
        leaves); a stream gets the pacer that delivery sends its events by, which waits with
        ``sleep`` (the request's own, which ends when the client hangs up)."""
        deployment = ctx.deployment
        profile = deployment.timing if deployment else None
        if deployment is None or profile is None or profile.instant:
            return None
        self._paced += 1
        policy = deployment.content_filter
        # The content filter's default mode buffers a streamed answer and releases it in
        # chunks; its asynchronous mode lets it flow event by event.
        burst = policy.buffer_tokens if not policy.asynchronous else 1
        started = ctx.paced_from or ctx.received
        slowdown = profile.slowdown(ctx.in_flight)
        pacer = Pacer(profile, synth.mix(self._seed, self._paced), started, burst, sleep, slowdown)
        ctx.headers["server-timing"] = profile.server_timing(slowdown)
        if isinstance(reply, StreamReply):
            return pacer
        usage = (reply.body or {}).get("usage") or {} if isinstance(reply, JsonReply) else {}
        tokens = usage.get("completion_tokens")
        await wait(pacer.whole_answer_s(tokens if isinstance(tokens, int) else None))
        return None
