"""Azure's errors, and the one place they become HTTP responses.

Every failure on the Azure surface is raised as an ``AzureError`` and turned into a
response by ``error_response``. The bodies are the ones the real service sends, which
differ from the spec in places (see shared/reference/service.md, section 4):

    AzureError                      any Azure-surface failure: status, body, headers
    ├── AuthenticationFailed        401: no key, or a key that is not accepted
    ├── ResourceNotFound            404: unknown path or method, missing or unknown api-version
    ├── DeploymentNotFound          404: the deployment does not exist
    ├── ApiVersionNotSupported      400: the api-version lacks this operation
    ├── RequestTooLarge             413: the body exceeds the size Azure's front door takes
    ├── OperationNotSupported       400: the deployment's model does not serve the operation
    ├── InternalServerError         500: an emulator bug, reported in Azure's shape
    ├── BadGateway                  502: a connection fault the server cannot carry out
    └── InvalidRequest              400: a bad body; names the parameter in ``param``
        └── UnrecognizedArgument    400: a parameter this api-version does not have
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class AzureError(Exception):
    """An error as Azure sends it: a status, an ``{"error": {...}}`` body and headers."""

    status: int = 500

    def __init__(
        self,
        error: Mapping[str, Any],
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
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


class AuthenticationFailed(AzureError):
    """Azure answers a missing or rejected key with this exact body (service.md 4.1)."""

    status = 401
    MESSAGE = (
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
        "provide a valid key for an active subscription and use a correct regional API "
        "endpoint for your resource."
    )

    def __init__(self) -> None:
        super().__init__({"code": "401", "message": self.MESSAGE})


class ResourceNotFound(AzureError):
    """Unknown paths and missing or unknown api-versions all get this 404 (service.md 4.2)."""

    status = 404

    def __init__(self) -> None:
        super().__init__({"code": "404", "message": "Resource not found"})

    def body(self) -> bytes:
        # The service's raw body has a space after "message": that json.dumps would not put
        # there and the compact separators would remove; keep it byte-exact.
        return b'{"error":{"code":"404","message": "Resource not found"}}'


class DeploymentNotFound(AzureError):
    status = 404
    MESSAGE = (
        "The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again."
    )

    def __init__(self) -> None:
        super().__init__({"code": "DeploymentNotFound", "message": self.MESSAGE})


class ApiVersionNotSupported(AzureError):
    status = 400

    def __init__(self) -> None:
        super().__init__({"code": "BadRequest", "message": "API version not supported"})


class RequestTooLarge(AzureError):
    status = 413

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            {
                "message": f"The request body is too large. The limit is {limit_bytes} bytes.",
                "type": "invalid_request_error",
                "param": None,
                "code": "request_too_large",
            }
        )


class NotFound(AzureError):
    """A stored resource (file, batch, response) that does not exist: 404 in the
    invalid-request shape."""

    status = 404

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__({"message": message, "type": "invalid_request_error", "param": param, "code": None})


class InvalidRequest(AzureError):
    """A body Azure rejects: OpenAI-style fields, with ``param`` naming the culprit."""

    status = 400

    def __init__(self, message: str, *, param: str | None, code: str | None = None) -> None:
        super().__init__({"message": message, "type": "invalid_request_error", "param": param, "code": code})


class UnrecognizedArgument(InvalidRequest):
    """Parameters the api-version does not know. Azure leaves ``param`` and ``code`` null
    here and lists several names in one plural message, sorted (service.md 6; seen on
    2023-05-15 with three names)."""

    def __init__(self, names: list[str]) -> None:
        names = sorted(names)
        if len(names) == 1:
            message = f"Unrecognized request argument supplied: {names[0]}"
        else:
            message = f"Unrecognized request arguments supplied: {', '.join(names)}"
        super().__init__(message, param=None)


class OperationNotSupported(AzureError):
    """The deployment's model does not serve this operation (a chat call to an embeddings
    deployment, say)."""

    status = 400

    def __init__(self, display_name: str, model: str) -> None:
        super().__init__(
            {
                "code": "OperationNotSupported",
                "message": (
                    f"The {display_name} operation does not work with the specified model, {model}. "
                    "Please choose different model and try again. You can learn more about which "
                    "models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993."
                ),
            }
        )


class InternalServerError(AzureError):
    """A bug in the emulator. The client gets Azure's 500 shape, never a traceback."""

    status = 500

    def __init__(self) -> None:
        super().__init__(
            {"code": "InternalServerError", "message": "The server had an error while processing your request."}
        )


class BadGateway(AzureError):
    """What a connection fault becomes where the server cannot drop the connection."""

    status = 502

    def __init__(self) -> None:
        super().__init__({"code": "BadGateway", "message": "Bad gateway."})
