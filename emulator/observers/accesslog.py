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

from .journal import summary, trim, unpack
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
    """The line for ``result``: text (only the fields that are set) or one JSON object. The
    fields are the journal's (``summary``), with the client's address, request id and agent."""
    headers = dict(unpack(result.request_headers)) if result.request_headers else {}
    fields: dict[str, Any] = {
        "time": result.received_at,
        "client": result.client or "-",
        **summary(result),
        "client_request_id": headers.get("x-ms-client-request-id"),
        "user_agent": headers.get("user-agent"),
    }
    if with_body:
        fields["body"] = trim(result.request_body)
    if fmt == "json":
        log.info(json.dumps(fields, ensure_ascii=False, separators=(",", ":")))
        return
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(fields.pop("time")))
    head = f'{stamp}Z {fields.pop("client")} "{fields.pop("method")} {fields.pop("path")}" {fields.pop("status")}'
    # Unset fields (and false flags) are left out of a text line; zeros are kept.
    rest = " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}"
        for k, v in fields.items()
        if v is not False and v not in (None, "", [])
    )
    log.info(f"{head} {rest}")
