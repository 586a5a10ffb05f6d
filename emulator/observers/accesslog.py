"""One access-log line per Azure request, as text or JSON, on the ``emulator.access`` logger.

Lines are written at INFO (``--log-level info`` shows them). Credentials never appear: the
path is logged without its query string (a blob link's signature lives there) apart from
the api-version, and headers only as the client's request id and user agent. The body is
logged only when asked (``--log-bodies``), trimmed, as the journal keeps it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from .journal import milliseconds, trim, unpack
from .result import Result

log = logging.getLogger("emulator.access")


def configure(level: str) -> None:
    """Lines go to stderr as they are (the line is the whole record), at ``level`` and up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(level.upper())


def enabled() -> bool:
    return log.isEnabledFor(logging.INFO)


def write(result: Result, with_body: bool, fmt: str) -> None:
    """The line for ``result``: text (only the fields that are set) or one JSON object."""
    fields: dict[str, Any] = {
        "time": result.received_at,
        "client": result.client or "-",
        "method": result.method,
        "path": result.path,
        "status": result.status,
        "outcome": result.outcome,
        "duration_ms": milliseconds(result.last_byte_s),
        "first_byte_ms": milliseconds(result.first_byte_s),
        "bytes": result.bytes_sent,
        "events": result.events_sent or None,
        "request_id": result.id,
        "operation": result.operation,
        "deployment": result.deployment,
        "api_version": result.api_version,
        "tokens": result.tokens_charged,
        "fault_rule": result.fault_rule,
        "fault_actions": list(result.faults) or None,
    }
    headers = dict(unpack(result.request_headers)) if result.request_headers else {}
    fields["client_request_id"] = headers.get("x-ms-client-request-id")
    fields["user_agent"] = headers.get("user-agent")
    if with_body:
        fields["body"] = trim(result.request_body)
    if fmt == "json":
        log.info(json.dumps(fields, ensure_ascii=False, separators=(",", ":")))
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(fields.pop("time")))
    head = f'{stamp}Z {fields.pop("client")} "{fields.pop("method")} {fields.pop("path")}" {fields.pop("status")}'
    rest = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in fields.items() if v not in (None, "", ()))
    log.info(f"{head} {rest}")
