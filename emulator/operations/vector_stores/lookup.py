"""Finding what a request names: the store, a file in it; and the order lists come in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import NotFound
from ...stores.vector_stores import StoreFile, VectorStore
from .. import fields

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...stores.vector_stores import VectorStoreStore

_ORDERS = ("asc", "desc")


def stores(ctx: RequestContext) -> VectorStoreStore:
    assert ctx.services is not None
    return ctx.services.vector_stores


def found(ctx: RequestContext, store_id: str) -> VectorStore:
    store = stores(ctx).get(store_id)
    if store is None:
        raise NotFound(f"No vector store found with id '{store_id}'.", param="vector_store_id")
    return store


def this(ctx: RequestContext) -> VectorStore:
    return found(ctx, ctx.request.path_params["id"])


def file_in(ctx: RequestContext, store: VectorStore) -> StoreFile:
    file_id = ctx.request.path_params["file_id"]
    with store.lock:
        file = store.files.get(file_id)
    if file is None:
        raise NotFound(f"No file found with id '{file_id}' in vector store '{store.id}'.", param="file_id")
    return file


def ordered(items: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    order = query.get("order", "desc")
    fields.one_of("order", order, _ORDERS)
    return list(reversed(items)) if order == "desc" else items
