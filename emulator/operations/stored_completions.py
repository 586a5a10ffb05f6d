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


def _ordered(items: list[dict[str, Any]], query: Any, default: str) -> list[dict[str, Any]]:
    order = query.get("order", default)
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
    """Newest first, as Azure lists them (``order=asc`` for oldest), filtered by ``model`` (the
    deployment or the model it answered as) and by metadata, paged by ``after`` and ``limit``;
    Azure adds the ``total`` that matched."""
    query = ctx.request.query_params
    model = query.get("model")
    wanted = _metadata_filter(query)
    kept = [
        s.completion
        for s in _store(ctx).oldest_first()
        if (model is None or model in (s.deployment, s.completion.get("model")))
        and all((s.completion.get("metadata") or {}).get(k) == v for k, v in wanted.items())
    ]
    return JsonReply({**fields.page(_ordered(kept, query, "desc"), query), "total": len(kept)})


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(_found(ctx).completion)


def messages(ctx: RequestContext, _: bytes) -> Reply:
    """The messages the completion answered, in order (``order=desc`` for the last first), each
    with the id Azure gives it: the completion's id and the message's index."""
    found = _found(ctx)
    query = ctx.request.query_params
    listed = [{**message, "id": f"{found.completion['id']}-{i}"} for i, message in enumerate(found.messages)]
    return JsonReply({**fields.page(_ordered(listed, query, "asc"), query), "total": len(listed)})


def update(ctx: RequestContext, raw: bytes) -> Reply:
    """Only the metadata can change; the keys given are set, the others kept (as Azure's
    example shows)."""
    body = parse_json_body(raw)
    given = fields.metadata(fields.required(body, "metadata")) or {}
    found = _found(ctx)
    merged = fields.metadata({**(found.completion.get("metadata") or {}), **given}) or {}
    updated = _store(ctx).set_metadata(found.completion["id"], merged)
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
