"""The operations the emulator serves, and what the pipeline needs to know of each.

An operation module only parses its body and produces its result. Auth, api-versions,
deployments, quota, errors and delivery are the pipeline's (emulator/pipeline.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
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
    # For reads and writes of stored resources: reads the body itself, as it streams in (a
    # large upload goes to disk, never whole into memory); what it returns is ``respond``'s
    # request. Without it the body is read whole and ``respond`` gets ``None``.
    receive: Callable[[RequestContext], Awaitable[Any]] | None = None


def requests_only(body: dict[str, Any], deployment: Deployment) -> int:
    """For operations whose quotas Azure counts in requests, not tokens (images: "2 capacity
    units (6 requests per minute)"; speech and Whisper: requests per minute)."""
    return 0


def _no_checks(ctx: RequestContext, req: Any) -> None:
    return None


def resource(
    respond: Callable[[RequestContext, Any], Reply],
    receive: Callable[[RequestContext], Awaitable[Any]] | None = None,
) -> Handler:
    """An operation on stored resources (a response by id, a file, the model list): no
    deployment, nothing charged (the pipeline skips those steps)."""
    return Handler(
        request_model=BaseModel,
        estimate_tokens=requests_only,
        check=_no_checks,
        respond=respond,
        uses_deployment=False,
        receive=receive,
    )


@dataclass(frozen=True)
class Operation:
    name: str  # the key in data/api_versions.yaml
    families: tuple[str, ...]  # the model families whose deployments serve it
    handler: Handler | None = None  # None: a known Azure operation not built yet
    method: str = "POST"


def _handler(module: str, name: str = "HANDLER") -> Handler:
    """An operation module's handler, imported when the table is built."""
    handler: Handler = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return handler


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("chat_completions", ("chat",), _handler("chat")),
        Operation("completions", ("completions",), _handler("completions")),
        Operation("embeddings", ("embeddings",), _handler("embeddings")),
        Operation("transcriptions", ("transcription",), _handler("transcriptions")),
        Operation("translations", ("transcription",), _handler("transcriptions")),
        Operation("speech", ("speech",), _handler("speech")),
        Operation("image_generations", ("image",), _handler("images", "GENERATIONS")),
        Operation("image_edits", ("image",), _handler("images", "EDITS")),
        Operation("responses", ("chat",), _handler("responses", "CREATE")),
        Operation("responses_get", (), _handler("responses", "RETRIEVE"), method="GET"),
        Operation("responses_delete", (), _handler("responses", "DELETE"), method="DELETE"),
        Operation("responses_input_items", (), _handler("responses", "INPUT_ITEMS"), method="GET"),
        Operation("files_upload", (), _handler("files", "UPLOAD")),
        Operation("files_list", (), _handler("files", "LIST"), method="GET"),
        Operation("files_get", (), _handler("files", "RETRIEVE"), method="GET"),
        Operation("files_content", (), _handler("files", "CONTENT"), method="GET"),
        Operation("files_delete", (), _handler("files", "DELETE"), method="DELETE"),
        Operation("batches_create", (), _handler("batches", "CREATE")),
        Operation("batches_list", (), _handler("batches", "LIST"), method="GET"),
        Operation("batches_get", (), _handler("batches", "RETRIEVE"), method="GET"),
        Operation("batches_cancel", (), _handler("batches", "CANCEL")),
        Operation("models_list", (), _handler("model_list", "LIST"), method="GET"),
        Operation("models_get", (), _handler("model_list", "GET"), method="GET"),
    )
}
