"""Finding what a request names: the store, a file in it; and the order lists come in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from ...errors import NotFound
from ...stores.vector_stores import FileBatch, StoreFile, VectorStore
from .. import fields

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...stores.vector_stores import VectorStoreStore

_ORDERS = ("asc", "desc")
T = TypeVar("T")


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
    return _member(store, store.files, ctx.request.path_params["file_id"], "file", "file_id")


def batch_in(ctx: RequestContext, store: VectorStore) -> FileBatch:
    return _member(store, store.batches, ctx.request.path_params["batch_id"], "file batch", "batch_id")


def _member(store: VectorStore, items: dict[str, T], item_id: str, what: str, param: str) -> T:
    with store.lock:
        found = items.get(item_id)
    if found is None:
        raise NotFound(f"No {what} found with id '{item_id}' in vector store '{store.id}'.", param=param)
    return found


def ordered(items: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    order = query.get("order", "desc")
    fields.one_of("order", order, _ORDERS)
    return list(reversed(items)) if order == "desc" else items
