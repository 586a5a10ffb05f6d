"""Stored chat completions: a chat completion made with ``store: true`` is kept
(emulator/stores/completions.py) and can be listed (by model and metadata), retrieved, have its
messages listed, its metadata changed, and be deleted: ``/openai/chat/completions`` on the
versions that have them, and ``/openai/v1/chat/completions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..delivery import JsonReply, Reply
from ..errors import NotFound
from ..validation import parse_json_body
from . import fields, resource

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..stores.completions import CompletionStore, StoredCompletion

_ORDERS = ("asc", "desc")


def _store(ctx: RequestContext) -> CompletionStore:
    assert ctx.services is not None
    return ctx.services.completions


def _found(ctx: RequestContext) -> StoredCompletion:
    completion_id = ctx.request.path_params["id"]
    found = _store(ctx).get(completion_id)
    if found is None:
        raise NotFound(f"Chat completion with id '{completion_id}' not found.", param="completion_id")
    return found


def _ordered(items: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    order = query.get("order", "asc")
    fields.one_of("order", order, _ORDERS)
    return items if order == "asc" else list(reversed(items))


def _metadata_filter(query: Any) -> dict[str, str]:
    """``metadata[key]=value`` query parameters, as the clients write a metadata filter."""
    return {
        key[len("metadata[") : -1]: value
        for key, value in query.multi_items()
        if key.startswith("metadata[") and key.endswith("]")
    }


def list_completions(ctx: RequestContext, _: bytes) -> Reply:
    """Oldest first (``order=desc`` for newest), filtered by ``model`` (the deployment or the
    model it answered as) and by metadata, paged by ``after`` and ``limit``."""
    query = ctx.request.query_params
    model = query.get("model")
    wanted = _metadata_filter(query)
    kept = [
        s.completion
        for s in _store(ctx).oldest_first()
        if (model is None or model in (s.deployment, s.completion.get("model")))
        and all((s.completion.get("metadata") or {}).get(k) == v for k, v in wanted.items())
    ]
    return JsonReply(fields.page(_ordered(kept, query), query))


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(_found(ctx).completion)


def messages(ctx: RequestContext, _: bytes) -> Reply:
    """The messages the completion answered, each with an id, paged as lists are."""
    found = _found(ctx)
    listed = [{**message, "id": f"{found.completion['id']}-{i}"} for i, message in enumerate(found.messages)]
    return JsonReply(fields.page(_ordered(listed, ctx.request.query_params), ctx.request.query_params))


def update(ctx: RequestContext, raw: bytes) -> Reply:
    """Only the metadata can change; it replaces what was there."""
    body = parse_json_body(raw)
    metadata = fields.metadata(fields.required(body, "metadata")) or {}
    _found(ctx)
    updated = _store(ctx).set_metadata(ctx.request.path_params["id"], metadata)
    assert updated is not None
    return JsonReply(updated.completion)


def delete(ctx: RequestContext, _: bytes) -> Reply:
    completion_id = _found(ctx).completion["id"]
    _store(ctx).delete(completion_id)
    return JsonReply({"object": "chat.completion.deleted", "id": completion_id, "deleted": True})


LIST = resource(list_completions)
RETRIEVE = resource(retrieve)
MESSAGES = resource(messages)
UPDATE = resource(update)
DELETE = resource(delete)
