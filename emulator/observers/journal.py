"""The request journal: each request's ``Result``, kept once it is over, queried (in the order
the requests arrived) and cleared under /_emulator/requests.

Bounded (the newest ``size`` requests; ``journal_size: 0`` turns it off). A result holds
cheap references (packed headers, the start of the body); secrets are masked and bytes
decoded only when an entry is read.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from typing import Any

from .result import Result
from .retries import retry_after_s

# Request headers that carry credentials: Azure's, a gateway's in front of it (Azure API
# Management's subscription key), proxies' and the emulator's own.
_SECRET_HEADERS = frozenset(
    {
        "api-key",
        "authorization",
        "proxy-authorization",
        "cookie",
        "ocp-apim-subscription-key",
        "x-api-key",
        "x-emulator-admin-key",
    }
)
# Credentials inside bodies: On Your Data's data sources carry keys, connection strings and
# secrets (chat's data_sources[].parameters.authentication). Matched in the JSON text, so a
# body the journal cut short is masked too.
_SECRET_FIELDS = re.compile(
    r'("(?:key|api_key|connection_string|client_secret|password|access_token|encoded_api_key|'
    r'subscription_key)"\s*:\s*")((?:[^"\\]|\\.)*)"'
)
_BODY_CHARS = 4096
# The most of a body the journal holds on to (bodies may be megabytes).
KEPT_BODY_BYTES = 4 * _BODY_CHARS
# The most event times a stream's entry holds on to (its events past the kept bytes have
# no text, only a time).
KEPT_EVENT_TIMES = 1000
# Answers shown as text; anything else (audio, images, files) by its size alone.
_TEXT_TYPES = ("application/json", "text/", "application/x-ndjson", "application/jsonl")


def pack(raw_headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Headers as one bytes object ("name\\0value" lines): one untracked object for the collector."""
    return b"\n".join([name + b"\0" + value for name, value in raw_headers])


def unpack(packed: bytes) -> list[tuple[str, str]]:
    pairs = []
    for line in packed.split(b"\n") if packed else []:
        name, _, value = line.partition(b"\0")
        pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def mask(packed: bytes) -> dict[str, str]:
    """Headers fit to keep: credentials show only their last four characters."""
    kept: dict[str, str] = {}
    for name, value in unpack(packed):
        if name in _SECRET_HEADERS:
            kept[name] = "***" + value[-4:] if len(value) > 8 else "***"
        else:
            kept[name] = value
    return kept


def trim(body: bytes) -> str:
    text = body[:KEPT_BODY_BYTES].decode("utf-8", errors="replace")
    text = _SECRET_FIELDS.sub(_masked_field, text)
    return text if len(text) <= _BODY_CHARS else text[:_BODY_CHARS] + "…"


def _masked_field(found: re.Match[str]) -> str:
    value = found[2]
    return f'{found[1]}{"***" + value[-4:] if len(value) > 8 else "***"}"'


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def summary(result: Result) -> dict[str, Any]:
    """What the journal and the access log both say of a request, under the same names."""
    return {
        "id": result.id,
        "method": result.method,
        "path": result.path,
        "status": result.status,
        "outcome": result.outcome,
        "duration_ms": milliseconds(result.last_byte_s),  # until the last byte (or the drop)
        "first_byte_ms": milliseconds(result.first_byte_s),
        "bytes_sent": result.bytes_sent,
        "streamed": result.streamed,
        "events_sent": result.events_sent,
        "operation": result.operation,
        "deployment": result.deployment,
        "api_version": result.api_version,
        "fault_rule": result.fault_rule,
        "faults": list(result.faults),
        "tokens_charged": result.tokens_charged,
        "retry_count": result.retry_count,
        "early_retry": result.early_retry,
    }


def row(result: Result) -> dict[str, Any]:
    """A result in a line: the summary, who sent it and what it would cost (the dashboard's
    live table, and the start of every entry)."""
    billed = result.billed
    return {
        "received_at": result.received_at,
        **summary(result),
        "client": result.client,
        "client_request_id": _header(result.request_headers, "x-ms-client-request-id"),
        "test_id": result.test_id,
        "model": result.model,
        "billed": billed._asdict() if billed is not None else None,
        "retry_after_ms": _retry_after_ms(result),
    }


def entry(result: Result) -> dict[str, Any]:
    """A result as the admin API shows it: its row, and what was sent each way."""
    response_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in result.response_headers}
    found = {
        **row(result),
        "headers": mask(result.request_headers),
        "body": trim(result.request_body),
        "response_headers": response_headers,
        "response_body": _response_body(result, response_headers.get("content-type", "")),
    }
    if result.realtime is not None:
        found["realtime"] = result.realtime
    if result.streamed:
        pieces = result.events()
        found["events"] = [
            {"at_ms": milliseconds(at), "data": pieces[i].decode("utf-8", "replace") if i < len(pieces) else None}
            for i, at in enumerate(result.event_times)
        ]
    return found


def _retry_after_ms(result: Result) -> float | None:
    """How long the answer asked the client to wait before trying again, if it did."""
    if result.status < 400:
        return None
    seconds = retry_after_s(result.response_headers)
    return None if seconds is None else round(seconds * 1000, 3)


def _response_body(result: Result, content_type: str) -> str | None:
    if result.streamed:
        return None  # its events say it, each with its time
    if not result.bytes_sent:
        return ""
    if not content_type.startswith(_TEXT_TYPES):
        return f"({result.bytes_sent} bytes of {content_type or 'data'})"
    return trim(b"".join(result.response_body))


class Journal:
    def __init__(self, size: int = 1000) -> None:
        self.enabled = size > 0
        self._results: deque[Result] = deque(maxlen=max(size, 1))

    def record(self, result: Result) -> None:
        if self.enabled:
            self._results.append(result)

    def find(
        self,
        deployment: str | None = None,
        status: int | None = None,
        header: tuple[str, str] | None = None,
        operation: str | None = None,
        outcome: str | None = None,
    ) -> list[dict[str, Any]]:
        found = []
        # Kept as each request ended; listed as they arrived (a long stream ends late).
        for result in sorted(self._results, key=_arrival):
            if deployment is not None and result.deployment != deployment:
                continue
            if status is not None and result.status != status:
                continue
            if operation is not None and result.operation != operation:
                continue
            if outcome is not None and result.outcome != outcome:
                continue
            if header is not None and _header(result.request_headers, header[0]) != header[1]:
                continue
            found.append(entry(result))
        return found

    def rows(self, newest: int) -> list[dict[str, Any]]:
        """The rows of the ``newest`` requests (by arrival), oldest first."""
        kept = sorted(self._results, key=_arrival)[-newest:] if newest else []
        return [row(result) for result in kept]

    def get(self, request_id: str) -> dict[str, Any] | None:
        found = next((r for r in self._results if r.id == request_id), None)
        return entry(found) if found is not None else None

    def clear(self) -> None:
        self._results.clear()


def _arrival(result: Result) -> float:
    return result.received_at


def _header(packed: bytes, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in unpack(packed) if k == wanted), None)
