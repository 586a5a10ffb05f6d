"""The operations the emulator serves, and what the pipeline needs to know of each.

An operation module only parses its body and produces its result. Auth, api-versions,
deployments, quota, errors and delivery are the pipeline's (emulator/pipeline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..delivery import JsonReply, Reply
    from ..deployments import Deployment
    from ..errors import AzureError


@dataclass(frozen=True)
class Handler:
    """What an operation module provides."""

    request_model: type[BaseModel]
    # The tokens Azure would reserve against the quota for this body, before validation.
    estimate_tokens: Callable[[dict[str, Any], Deployment], int]
    # Checks that need the api-version or deployment (gated values, model limits).
    check: Callable[[RequestContext, Any], None]
    respond: Callable[[RequestContext, Any], Reply]
    # Given a remembered JSON result, the same result with fresh per-response fields (ids,
    # timestamps); None when results must not be remembered.
    renew: Callable[[JsonReply], JsonReply] | None = None
    # The texts of each prompt the content filter reads (chat: one prompt, every message;
    # completions: one per prompt); None for operations Azure does not filter.
    prompt_texts: Callable[[Any], list[list[str]]] | None = None
    # The error for a prompt the content filter blocks, where it is not the chat one.
    refuse_prompt: Callable[[RequestContext, Any, dict[str, Any]], AzureError] | None = None
    # The bodies the operation takes: JSON, a multipart form (emulator/forms.py), or either
    # (chosen by Content-Type). A form's text values are read as the types they spell.
    bodies: tuple[str, ...] = ("json",)
    # ``respond`` does enough work (drawing, encoding) to run off the event loop.
    blocking: bool = False
    # False for operations on stored resources (a response by id, the model list): no
    # deployment, quota, parameters or content filter; ``respond`` gets the context alone
    # (``None`` for the request).
    uses_deployment: bool = True


def requests_only(body: dict[str, Any], deployment: Deployment) -> int:
    """For operations whose quotas Azure counts in requests, not tokens (images: "2 capacity
    units (6 requests per minute)"; speech and Whisper: requests per minute)."""
    return 0


def _no_checks(ctx: RequestContext, req: Any) -> None:
    return None


def resource(respond: Callable[[RequestContext, Any], Reply]) -> Handler:
    """A read of stored resources (a response by id, the model list): no body, no deployment,
    nothing charged (the pipeline skips those steps)."""
    return Handler(
        request_model=BaseModel,
        estimate_tokens=requests_only,
        check=_no_checks,
        respond=respond,
        uses_deployment=False,
    )


@dataclass(frozen=True)
class Operation:
    name: str  # the key in data/api_versions.yaml
    families: tuple[str, ...]  # the model families whose deployments serve it
    handler: Handler | None = None  # None: a known Azure operation not built yet
    method: str = "POST"


def _chat() -> Handler:
    from . import chat

    return chat.HANDLER


def _completions() -> Handler:
    from . import completions

    return completions.HANDLER


def _embeddings() -> Handler:
    from . import embeddings

    return embeddings.HANDLER


def _speech() -> Handler:
    from . import speech

    return speech.HANDLER


def _transcriptions() -> Handler:
    from . import transcriptions

    return transcriptions.HANDLER


def _responses(which: str) -> Handler:
    from . import responses

    handler: Handler = getattr(responses, which)
    return handler


def _files(which: str) -> Handler:
    from . import files_api

    handler: Handler = getattr(files_api, which)
    return handler


def _batches(which: str) -> Handler:
    from . import batches_api

    handler: Handler = getattr(batches_api, which)
    return handler


def _model_list(which: str) -> Handler:
    from . import model_list

    handler: Handler = getattr(model_list, which)
    return handler


def _images(which: str) -> Handler:
    from . import images

    handler: Handler = getattr(images, which)
    return handler


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("chat_completions", ("chat",), _chat()),
        Operation("completions", ("completions",), _completions()),
        Operation("embeddings", ("embeddings",), _embeddings()),
        Operation("transcriptions", ("transcription",), _transcriptions()),
        Operation("translations", ("transcription",), _transcriptions()),
        Operation("speech", ("speech",), _speech()),
        Operation("image_generations", ("image",), _images("GENERATIONS")),
        Operation("image_edits", ("image",), _images("EDITS")),
        Operation("responses", ("chat",), _responses("CREATE")),
        Operation("responses_get", (), _responses("RETRIEVE"), method="GET"),
        Operation("responses_delete", (), _responses("DELETE"), method="DELETE"),
        Operation("responses_input_items", (), _responses("INPUT_ITEMS"), method="GET"),
        Operation("files_upload", (), _files("UPLOAD")),
        Operation("files_list", (), _files("LIST"), method="GET"),
        Operation("files_get", (), _files("RETRIEVE"), method="GET"),
        Operation("files_content", (), _files("CONTENT"), method="GET"),
        Operation("files_delete", (), _files("DELETE"), method="DELETE"),
        Operation("batches_create", (), _batches("CREATE")),
        Operation("batches_list", (), _batches("LIST"), method="GET"),
        Operation("batches_get", (), _batches("RETRIEVE"), method="GET"),
        Operation("batches_cancel", (), _batches("CANCEL")),
        Operation("models_list", (), _model_list("LIST"), method="GET"),
        Operation("models_get", (), _model_list("GET"), method="GET"),
    )
}
