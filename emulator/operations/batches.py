"""Batch: create, list, retrieve and cancel, on ``/openai/batches`` and ``/openai/v1/batches``.
The jobs themselves run in emulator/batch_runner.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..batch_runner import CARRIED_HEADERS, ENDPOINTS, BatchRunner
from ..delivery import JsonReply, Reply
from ..errors import InvalidRequest, NotFound
from ..validation import parse_json_body
from ..wording import invalid_type
from . import fields, resource
from .files import stored

if TYPE_CHECKING:
    from ..context import RequestContext


def runner(ctx: RequestContext) -> BatchRunner:
    assert ctx.services is not None
    return ctx.services.batches


def create(ctx: RequestContext, raw: bytes) -> Reply:
    body = parse_json_body(raw)
    for name in ("input_file_id", "endpoint", "completion_window"):
        if not isinstance(fields.required(body, name), str):
            raise invalid_type(name, "a string", body[name])
    # Azure's documents write "/chat/completions", the openai clients "/v1/chat/completions".
    endpoint = body["endpoint"].removeprefix("/v1") if body["endpoint"].startswith("/v1/") else body["endpoint"]
    fields.one_of("endpoint", endpoint, ENDPOINTS)
    fields.one_of("completion_window", body["completion_window"], ("24h",))
    metadata = fields.metadata(body.get("metadata"))
    source = stored(ctx, body["input_file_id"])
    if source.purpose != "batch":
        raise InvalidRequest(
            f"The file {source.id} has purpose '{source.purpose}'; a batch needs a file uploaded with purpose 'batch'.",
            param="input_file_id",
            code="invalid_value",
        )
    headers = {name: ctx.request_headers.get(name) or "" for name in CARRIED_HEADERS}
    carried = {k: v for k, v in headers.items() if v}
    return JsonReply(runner(ctx).create(source.id, endpoint, metadata, carried))


def _found(ctx: RequestContext, batch: dict[str, Any] | None) -> dict[str, Any]:
    if batch is None:
        raise NotFound(f"No batch found with id '{ctx.request.path_params['id']}'.")
    return batch


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(_found(ctx, runner(ctx).get(ctx.request.path_params["id"])))


def cancel(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(_found(ctx, runner(ctx).cancel(ctx.request.path_params["id"])))


def list_batches(ctx: RequestContext, _: bytes) -> Reply:
    """Newest first, paged by ``after`` and ``limit``."""
    return JsonReply(fields.page(runner(ctx).all(), ctx.request.query_params))


CREATE = resource(create)
LIST = resource(list_batches)
RETRIEVE = resource(retrieve)
CANCEL = resource(cancel)
