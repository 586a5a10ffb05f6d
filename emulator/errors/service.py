"""The errors of a service that cannot answer now: a spent quota, an overloaded deployment
(429, 503), its own failures and its gateway's (500, 502 and the rest), and the error Azure
sends for a bare status (what a fault scenario's ``error`` action answers)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from .base import AzureError, text, texts
from .request import AuthenticationFailed, ResourceNotFound


class RateLimited(AzureError):
    """A spent quota: which limit, for which operation and api-version, how long to wait
    (service.md 4.4); ``quota_headers`` are the deployment's x-ratelimit-* readings."""

    status = 429

    def __init__(
        self, kind: str, operation_id: str, api_version: str, retry_after_s: float, quota_headers: Mapping[str, str]
    ) -> None:
        wait = max(1, math.ceil(retry_after_s))
        limit = "token rate limit" if kind == "tokens" else "call rate limit"
        message = text("rate_limited", operation_id=operation_id, api_version=api_version, limit=limit, wait=wait)
        headers = {
            "retry-after": str(wait),
            "retry-after-ms": str(max(1, math.ceil(retry_after_s * 1000))),
            f"x-ratelimit-reset-{kind}": str(wait),
            **quota_headers,
            "policy-id": "DeploymentRatelimit-Token" if kind == "tokens" else "DeploymentRatelimit-Call",
        }
        super().__init__({"code": "429", "message": message}, headers=headers)
        self.kind = kind
        self.retry_after_s = retry_after_s


class Overloaded(AzureError):
    """A deployment busier than its timing profile allows: the gateway's body for the status,
    with the wait it asks for."""

    def __init__(self, status: int, retry_after_ms: int) -> None:
        wait = max(1, math.ceil(retry_after_ms / 1000))
        error = dict(texts()["gateway"][status])
        error["message"] = error["message"].replace("{retry_after}", str(wait))
        headers = {"retry-after": str(wait), "retry-after-ms": str(retry_after_ms)}
        super().__init__(error, status=status, headers=headers)


class InternalServerError(AzureError):
    """A bug in the emulator. The client gets Azure's 500 shape, never a traceback."""

    status = 500

    def __init__(self) -> None:
        super().__init__({"code": "InternalServerError", "message": text("internal_server_error")})


class BadGateway(AzureError):
    """What a connection fault becomes where the server cannot drop the connection."""

    status = 502

    def __init__(self) -> None:
        super().__init__({"code": "BadGateway", "message": "Bad gateway."})


class UpstreamUnreachable(AzureError):
    status = 502

    def __init__(self, url: str, problem: Exception) -> None:
        super().__init__({"code": "UpstreamUnreachable", "message": f"recording: {url} failed: {problem}"})


class GatewayError(AzureError):
    """What Azure's gateway sends for a status no other class covers (the ``gateway`` part of data/errors.yaml)."""

    def __init__(self, status: int) -> None:
        super().__init__(texts()["gateway"][status], status=status)


_BY_STATUS = {401: AuthenticationFailed, 404: ResourceNotFound, 500: InternalServerError, 502: BadGateway}
STATUSES = tuple(sorted({*_BY_STATUS, *texts()["gateway"]}))


def for_status(status: int) -> AzureError:
    """The error Azure sends for ``status`` alone (one of ``STATUSES``)."""
    made = _BY_STATUS.get(status)
    return made() if made is not None else GatewayError(status)
