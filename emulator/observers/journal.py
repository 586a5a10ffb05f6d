"""The request journal: what came in, what went out, and what was done to it.

A bounded, in-memory record (the newest ``size`` requests; ``journal_size: 0`` turns it
off), queried and cleared under /_emulator/requests. Secrets are masked before anything is
kept, and bodies are trimmed.

It also keeps, per client address, deployment and operation, the time before which the
emulator asked that client not to come back (``retry-after`` on a 429 or 5xx). A request
that arrives sooner is marked ``early_retry``, so a test can assert its client honours the
header (as Dev Proxy's retry-after check does).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

_SECRET_HEADERS = frozenset({"api-key", "authorization", "cookie"})
_BODY_CHARS = 4096
# The most of a body the journal holds on to (bodies may be megabytes).
KEPT_BODY_BYTES = 4 * _BODY_CHARS


@dataclass(slots=True)
class Entry:
    """One request, as the admin API shows it. The journal keeps the raw parts and builds
    entries only when asked, so recording costs the hot path next to nothing."""

    id: str
    received_at: float
    method: str
    path: str
    status: int
    duration_ms: float
    operation: str | None = None
    deployment: str | None = None
    api_version: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    fault_rule: str | None = None
    faults: list[str] = field(default_factory=list)
    tokens_charged: int | None = None
    retry_count: int | None = None
    early_retry: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Record(NamedTuple):
    """What is kept per request: cheap references, masked and decoded only when read."""

    id: str
    received_at: float
    method: str
    path: str
    status: int
    duration_ms: float
    operation: str | None
    deployment: str | None
    api_version: str | None
    raw_headers: bytes  # "name: value" lines, packed: one untracked object for the collector
    body: bytes
    fault_rule: str | None
    faults: tuple[str, ...]
    tokens_charged: int | None
    early_retry: bool

    def entry(self) -> Entry:
        headers = mask(self.raw_headers)
        retries = headers.get("x-stainless-retry-count", "")
        return Entry(
            id=self.id,
            received_at=self.received_at,
            method=self.method,
            path=self.path,
            status=self.status,
            duration_ms=self.duration_ms,
            operation=self.operation,
            deployment=self.deployment,
            api_version=self.api_version,
            headers=headers,
            body=trim(self.body),
            fault_rule=self.fault_rule,
            faults=list(self.faults),
            tokens_charged=self.tokens_charged,
            retry_count=int(retries) if retries.isdigit() else None,
            early_retry=self.early_retry,
        )


def pack(raw_headers: list[tuple[bytes, bytes]]) -> bytes:
    return b"\n".join(name + b"\0" + value for name, value in raw_headers)


def _unpack(packed: bytes) -> list[tuple[str, str]]:
    pairs = []
    for line in packed.split(b"\n") if packed else []:
        name, _, value = line.partition(b"\0")
        pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def mask(packed: bytes) -> dict[str, str]:
    """Headers fit to keep: credentials show only their last four characters."""
    kept: dict[str, str] = {}
    for name, value in _unpack(packed):
        if name in _SECRET_HEADERS:
            kept[name] = "***" + value[-4:] if len(value) > 8 else "***"
        else:
            kept[name] = value
    return kept


def trim(body: bytes) -> str:
    text = body[:KEPT_BODY_BYTES].decode("utf-8", errors="replace")
    return text if len(text) <= _BODY_CHARS else text[:_BODY_CHARS] + "…"


class Journal:
    def __init__(self, size: int = 1000) -> None:
        self.enabled = size > 0
        self._entries: deque[Record] = deque(maxlen=max(size, 1))
        self._not_before: dict[tuple[str, str, str], float] = {}

    def record(self, record: Record) -> None:
        if self.enabled:
            self._entries.append(record)

    def find(
        self,
        deployment: str | None = None,
        status: int | None = None,
        header: tuple[str, str] | None = None,
        operation: str | None = None,
    ) -> list[Entry]:
        found = []
        for record in list(self._entries):
            if deployment is not None and record.deployment != deployment:
                continue
            if status is not None and record.status != status:
                continue
            if operation is not None and record.operation != operation:
                continue
            if header is not None and _header(record.raw_headers, header[0]) != header[1]:
                continue
            found.append(record.entry())
        return found

    def get(self, request_id: str) -> Entry | None:
        found = next((r for r in self._entries if r.id == request_id), None)
        return found.entry() if found is not None else None

    def clear(self) -> None:
        self._entries.clear()
        self._not_before.clear()

    # -- retry-after bookkeeping ---------------------------------------------------------

    def arrived_early(
        self, client: str, deployment: str, operation: str, retry_count: int | None, now: float | None = None
    ) -> bool:
        """Whether this request is a retry (the client's ``x-stainless-retry-count`` is 1 or
        more) that comes before the time an earlier answer asked it to wait. A first attempt
        from another test on the same address is neither marked nor clears the mark."""
        if not retry_count:
            return False
        not_before = self._not_before.pop((client, deployment, operation), None)
        return not_before is not None and (time.monotonic() if now is None else now) < not_before

    def asked_to_wait(self, client: str, deployment: str, operation: str, headers: Mapping[str, str]) -> None:
        seconds = _retry_after_s(headers)
        if seconds is not None:
            self._not_before[(client, deployment, operation)] = time.monotonic() + seconds


def _header(packed: bytes, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in _unpack(packed) if k == wanted), None)


def _retry_after_s(headers: Mapping[str, str]) -> float | None:
    # The clients read retry-after-ms first, then retry-after (shared/reference/clients.md 2).
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return float(value) / scale
            except ValueError:
                continue
    return None
