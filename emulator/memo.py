"""Results remembered by request.

The same request gets the same answer (DESIGN.md, property 3), so once a request has gone the
whole way (parsed, validated, generated), a byte-identical repeat to the same operation,
api-version and deployment skips that work: it gets the remembered result with fresh ids and
timestamps. Test suites and load tests repeat requests all the time; this is what keeps the
emulator's hot path close to a bare app's.

Only successful JSON results are remembered, never errors or streams, and the steps before
the lookup (auth, api-version, quota, and later faults) still run for every request. Anything
that changes what a request would produce at run time (new deployments, policies or scripted
replies) must call ``clear()``.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .delivery import JsonReply, Reply

if TYPE_CHECKING:
    from .context import RequestContext

# Requests above this size are not worth remembering: parsing dominates nothing there.
_MAX_KEY_BYTES = 8 * 1024
# Answers above this size are not remembered, and all remembered answers together stay
# under the budget (least recently used go first).
MAX_ENTRY_BYTES = 256 * 1024
_BUDGET_BYTES = 64 * 1024 * 1024

Key = tuple[str, str, str, bytes]


@dataclass(frozen=True)
class Remembered:
    deployment_name: str
    estimated_tokens: int
    reply: JsonReply
    size: int = 0  # bytes of request and answer


def renew_ids(reply: JsonReply, new_id: str) -> JsonReply:
    """A remembered ``reply`` with a new ``id`` and ``created``. In the serialised bytes the two
    values are swapped in place (each occurs once, the id being random), which is several
    times cheaper than writing the whole body again."""
    assert reply.body is not None
    created = int(time.time())
    body = {**reply.body, "id": new_id, "created": created}
    if reply.encoded is None:
        return JsonReply(body)
    encoded = reply.encoded.replace(f'"id":"{reply.body["id"]}"'.encode(), f'"id":"{new_id}"'.encode(), 1)
    encoded = encoded.replace(b'"created":%d,' % reply.body["created"], b'"created":%d,' % created, 1)
    return JsonReply(body, reply.status, encoded)


def may_remember(ctx: RequestContext) -> bool:
    """Whether this request's answer may be remembered or answered from memory: a failing
    content filter changes the annotations, so such answers are made afresh."""
    return ctx.faults is None or ctx.faults.filter_error is None


class ResultMemo:
    def __init__(self, max_entries: int = 2048, budget_bytes: int = _BUDGET_BYTES) -> None:
        self._max = max_entries
        self._budget = budget_bytes
        self._bytes = 0
        self._entries: OrderedDict[Key, Remembered] = OrderedDict()
        self.hits = 0

    def key(self, operation: str, api_version: str, deployment: str | None, raw: bytes) -> Key | None:
        if self._max == 0 or len(raw) > _MAX_KEY_BYTES:
            return None
        return (operation, api_version, deployment or "", raw)

    def key_of(self, ctx: RequestContext) -> Key | None:
        """The request's key: its operation, api-version, the deployment its path names, its bytes."""
        assert ctx.api_version is not None
        return self.key(ctx.operation.name, ctx.api_version.name, ctx.request.path_params.get("deployment"), ctx.raw)

    def keep(self, ctx: RequestContext, key: Key | None, estimated_tokens: int, reply: Reply) -> Reply:
        """Keep a repeatable JSON answer for byte-identical repeats; the reply to send."""
        if key is None or not isinstance(reply, JsonReply) or not reply.repeatable or not may_remember(ctx):
            return reply
        assert ctx.deployment is not None
        # Serialise once here: the size decides whether to remember it, and delivery then
        # sends these bytes.
        reply = dataclasses.replace(reply, encoded=reply.payload())
        size = len(ctx.raw) + len(reply.encoded or b"")
        self.put(key, Remembered(ctx.deployment.name, estimated_tokens, reply, size))
        return reply

    def get(self, key: Key) -> Remembered | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return found

    def put(self, key: Key, entry: Remembered) -> None:
        if entry.size > MAX_ENTRY_BYTES:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._entries[key] = entry
        self._bytes += entry.size
        while len(self._entries) > self._max or self._bytes > self._budget:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
