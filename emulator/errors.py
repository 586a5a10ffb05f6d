"""Azure's errors: every one the emulator raises, and the wording of the service's 400s.

Every failure on the Azure surface is raised as an ``AzureError`` and becomes a response in
one place (``delivery.error_response``). The bodies are the ones the real service sends,
which differ from the spec in places (shared/reference/service.md, section 4):

    AzureError                      any Azure-surface failure: status, body, headers
    ├── AuthenticationFailed        401: no key, or a key that is not accepted
    ├── ResourceNotFound            404: unknown path or method, missing or unknown api-version
    ├── DeploymentNotFound          404: the deployment does not exist
    ├── NotFound                    404: a stored file, batch or response that does not exist
    ├── ModelNotFound               404: GET .../models/{id} for a model no deployment runs
    ├── RecordingNotFound           404: --replay has no recording of this request
    ├── ApiVersionNotSupported      400: the api-version lacks this operation
    ├── ApiVersionNotAllowedOnV1    400: a dated api-version on the v1 surface
    ├── ModelNeedsNewerApiVersion   400: the deployment's model is newer than the api-version
    ├── OperationNotSupported       400: the deployment's model does not serve the operation
    ├── InvalidRequest              400: a bad body; names the parameter in ``param``
    │   └── UnrecognizedArgument    400: a parameter this api-version does not have
    ├── PromptFiltered              400: the content filter blocks the prompt (chat, completions)
    ├── ImagePromptFiltered         400: the content filter blocks an image prompt or picture
    ├── RequestTooLarge             413: the body exceeds the size Azure's front door takes
    ├── RateLimited                 429: a deployment's quota is spent (tokens or calls)
    ├── Overloaded                  429 or 503: more requests in flight than a deployment's
    │                               timing profile holds (capacity and queue)
    ├── FineTuningRefused           400, 404, 429: the fine-tuning API's own shape (code and
    │                               message only): a bad job, an unknown one, a full queue
    ├── InternalServerError         500: an emulator bug, reported in Azure's shape
    ├── BadGateway                  502: a connection fault the server cannot carry out
    ├── UpstreamUnreachable         502: --record could not reach the real endpoint
    └── GatewayError                any other status a fault scenario asks for, with the
                                    body Azure's gateway sends for it

``for_status`` gives the error Azure sends for a bare status (what a scenario's ``error``
action answers). emulator/wording.py builds the ``InvalidRequest`` of each common problem
(missing, wrong type, not one of, out of range, too long), so every operation words them
alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .yamlfiles import packaged


class AzureError(Exception):
    """An error as Azure sends it: a status, an ``{"error": {...}}`` body and headers."""

    status: int = 500

    def __init__(
        self, error: Mapping[str, Any], *, status: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(error.get("message", ""))
        if status is not None:
            self.status = status
        self.error = dict(error)
        self.headers = dict(headers or {})

    @property
    def message(self) -> str:
        return str(self.error.get("message", ""))

    @property
    def code(self) -> str | None:
        return self.error.get("code")

    @property
    def param(self) -> str | None:
        return self.error.get("param")

    def body(self) -> bytes:
        # Compact, as the service writes them (service.md 4.1: the 401 is 224 bytes). A lone
        # surrogate echoed from a client's JSON must not make the error itself fail.
        text = json.dumps({"error": self.error}, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", errors="backslashreplace")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, error={self.error!r})"


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    loaded: dict[str, Any] = packaged("errors.yaml")
    return loaded


def _text(name: str, **fill: object) -> str:
    """One of the service's messages (data/errors.yaml), its ``{placeholders}`` filled."""
    text: str = _texts()["messages"][name]
    return text.format(**fill) if fill else text


class AuthenticationFailed(AzureError):
    """Azure answers a missing or rejected key with this exact body (service.md 4.1)."""

    status = 401

    def __init__(self) -> None:
        super().__init__({"code": "401", "message": _text("authentication_failed")})


class ResourceNotFound(AzureError):
    """Unknown paths and missing or unknown api-versions all get this 404 (service.md 4.2)."""

    status = 404

    def __init__(self) -> None:
        super().__init__({"code": "404", "message": "Resource not found"})

    def body(self) -> bytes:
        # The service's raw body has a space after "message": that json.dumps would not put
        # there and the compact separators would remove; keep it byte-exact.
        if self.error == {"code": "404", "message": "Resource not found"}:
            return b'{"error":{"code":"404","message": "Resource not found"}}'
        return super().body()


class DeploymentNotFound(AzureError):
    status = 404

    def __init__(self) -> None:
        super().__init__({"code": "DeploymentNotFound", "message": _text("deployment_not_found")})


class NotFound(AzureError):
    """A stored resource that does not exist: 404 in the invalid-request shape."""

    status = 404

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__({"message": message, "type": "invalid_request_error", "param": param, "code": None})


class ModelNotFound(AzureError):
    status = 404

    def __init__(self, model: str) -> None:
        super().__init__({"code": "NotFound", "message": f"The model '{model}' does not exist."})


class RecordingNotFound(AzureError):
    """Ours: replay has nothing recorded for the request; the message says what was sought."""

    status = 404

    def __init__(self, message: str) -> None:
        super().__init__({"code": "RecordingNotFound", "message": message})


class ApiVersionNotSupported(AzureError):
    status = 400

    def __init__(self) -> None:
        super().__init__({"code": "BadRequest", "message": "API version not supported"})


class ApiVersionNotAllowedOnV1(AzureError):
    """v1 routes take no api-version but ``v1``, ``latest`` and ``preview`` (service.md 4.9);
    clients that keep sending their dated one (azopenai does) are told so."""

    status = 400

    def __init__(self) -> None:
        super().__init__(
            {"code": "BadRequest", "message": "api-version query parameter is not allowed when using /v1 path"}
        )


class ModelNeedsNewerApiVersion(AzureError):
    """Azure leaves the ``{modelName}`` placeholder unfilled (service.md 4.2)."""

    status = 400

    def __init__(self, first_version: str) -> None:
        message = f"Model {{modelName}} is enabled only for api versions {first_version} and later"
        super().__init__({"code": "BadRequest", "message": message})


class OperationNotSupported(AzureError):
    """The deployment's model does not serve this operation (chat on an embeddings model)."""

    status = 400

    def __init__(self, display_name: str, model: str) -> None:
        message = _text("operation_not_supported", display=display_name, model=model)
        super().__init__({"code": "OperationNotSupported", "message": message})


class InvalidRequest(AzureError):
    """A body Azure rejects: OpenAI-style fields, with ``param`` naming the culprit."""

    status = 400

    def __init__(self, message: str, *, param: str | None, code: str | None = None) -> None:
        super().__init__({"message": message, "type": "invalid_request_error", "param": param, "code": code})


class UnrecognizedArgument(InvalidRequest):
    """Parameters the api-version does not know. Azure leaves ``param`` and ``code`` null here
    and lists several names in one plural message, sorted (service.md 6)."""

    def __init__(self, names: list[str]) -> None:
        names = sorted(names)
        if len(names) == 1:
            message = f"Unrecognized request argument supplied: {names[0]}"
        else:
            message = f"Unrecognized request arguments supplied: {', '.join(names)}"
        super().__init__(message, param=None)


class PromptFiltered(AzureError):
    """A prompt the policy blocks, with ``innererror`` (not the spec's ``inner_error``) and
    ``content_filter_result`` in the singular (service.md 4.6)."""

    status = 400

    def __init__(self, results: dict[str, Any]) -> None:
        inner = {"code": "ResponsibleAIPolicyViolation", "content_filter_result": results}
        super().__init__(
            {
                "message": _text("prompt_filtered"),
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": inner,
            }  # fmt: skip
        )


class ImagePromptFiltered(AzureError):
    """A blocked image prompt (or picture), in the shape Azure sends for images
    (``content_policy_violation`` with ``inner_error``; BerriAI/litellm#16072)."""

    status = 400

    def __init__(self, results: dict[str, Any], revised_prompt: str | None, *, picture: bool = False) -> None:
        inner: dict[str, Any] = {"code": "ResponsibleAIPolicyViolation", "content_filter_results": results}
        if revised_prompt is not None:
            inner["revised_prompt"] = revised_prompt
        super().__init__(
            {
                "code": "content_policy_violation",
                "inner_error": inner,
                "message": _text("image_filtered" if picture else "image_prompt_filtered"),
                "type": "invalid_request_error",
            }  # fmt: skip
        )


class RequestTooLarge(AzureError):
    status = 413

    def __init__(self, limit_bytes: int) -> None:
        message = f"The request body is too large. The limit is {limit_bytes} bytes."
        super().__init__(
            {"message": message, "type": "invalid_request_error", "param": None, "code": "request_too_large"}
        )


class RateLimited(AzureError):
    """A spent quota: which limit, for which operation and api-version, how long to wait
    (service.md 4.4); ``quota_headers`` are the deployment's x-ratelimit-* readings."""

    status = 429

    def __init__(
        self, kind: str, operation_id: str, api_version: str, retry_after_s: float, quota_headers: Mapping[str, str]
    ) -> None:
        wait = max(1, math.ceil(retry_after_s))
        limit = "token rate limit" if kind == "tokens" else "call rate limit"
        message = _text("rate_limited", operation_id=operation_id, api_version=api_version, limit=limit, wait=wait)
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
        error = dict(_texts()["gateway"][status])
        error["message"] = error["message"].replace("{retry_after}", str(wait))
        headers = {"retry-after": str(wait), "retry-after-ms": str(retry_after_ms)}
        super().__init__(error, status=status, headers=headers)


class FineTuningRefused(AzureError):
    """The fine-tuning API answers in its own shape (Azure's authoring API): a code such as
    ``invalidPayload``, ``notFound``, ``unexpectedEntityState`` or ``quotaExceeded``, and a
    message; no ``param`` or ``type``."""

    status = 400

    def __init__(self, message: str, code: str = "invalidPayload", status: int = 400) -> None:
        super().__init__({"code": code, "message": message})
        self.status = status


class InternalServerError(AzureError):
    """A bug in the emulator. The client gets Azure's 500 shape, never a traceback."""

    status = 500

    def __init__(self) -> None:
        super().__init__({"code": "InternalServerError", "message": _text("internal_server_error")})


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
        super().__init__(_texts()["gateway"][status], status=status)


_BY_STATUS = {401: AuthenticationFailed, 404: ResourceNotFound, 500: InternalServerError, 502: BadGateway}
STATUSES = tuple(sorted({*_BY_STATUS, *_texts()["gateway"]}))


def for_status(status: int) -> AzureError:
    """The error Azure sends for ``status`` alone (one of ``STATUSES``)."""
    made = _BY_STATUS.get(status)
    return made() if made is not None else GatewayError(status)
