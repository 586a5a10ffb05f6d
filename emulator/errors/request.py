"""The errors of a request the service refuses for what it is: no key, a path, version,
deployment or resource that does not exist, a body it rejects, a prompt its filter blocks,
a body too large (401, 404, 400, 413), and the fine-tuning API's own refusals."""

from __future__ import annotations

from typing import Any

from .base import AzureError, text


class AuthenticationFailed(AzureError):
    """Azure answers a missing or rejected key with this exact body (service.md 4.1)."""

    status = 401

    def __init__(self) -> None:
        super().__init__({"code": "401", "message": text("authentication_failed")})


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
        super().__init__({"code": "DeploymentNotFound", "message": text("deployment_not_found")})


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
        message = text("operation_not_supported", display=display_name, model=model)
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
                "message": text("prompt_filtered"),
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
                "message": text("image_filtered" if picture else "image_prompt_filtered"),
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


class FineTuningRefused(AzureError):
    """The fine-tuning API answers in its own shape (Azure's authoring API): a code such as
    ``invalidPayload``, ``notFound``, ``unexpectedEntityState`` or ``quotaExceeded``, and a
    message; no ``param`` or ``type``."""

    status = 400

    def __init__(self, message: str, code: str = "invalidPayload", status: int = 400) -> None:
        super().__init__({"code": code, "message": message})
        self.status = status
