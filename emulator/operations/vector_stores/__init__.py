"""Vector stores on ``/openai/v1/vector_stores`` and ``/openai/vector_stores?api-version=``:
create, list, retrieve, modify and delete stores; add, list, retrieve, update (attributes),
delete files in them and read a file's parsed content; add files in batches (create, retrieve,
cancel, list their files); search a store.

A file added to a store is read and chunked at once (chunking.py) but shows itself on a clock,
as the service's indexing does: ``in_progress`` for ``vector_stores.step_s`` seconds, then
``completed`` (or ``failed`` with the service's ``last_error`` for a file it cannot read). A
store is ``in_progress`` while any of its files is, ``expired`` once its ``expires_after``
has run out since it was last used. Searching (search.py) and file_search in the Responses API
read only the files that are ready.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ... import ids
from ...delivery import JsonReply, Reply
from ...errors import InvalidRequest, NotFound
from ...stores.vector_stores import FileBatch, StoreFile, VectorStore
from .. import fields, resource
from . import chunking, request, search

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...stores.vector_stores import VectorStoreStore

_DAY_S = 86_400
_ORDERS = ("asc", "desc")
_FILE_STATUSES = ("in_progress", "completed", "failed", "cancelled")


def _stores(ctx: RequestContext) -> VectorStoreStore:
    assert ctx.services is not None
    return ctx.services.vector_stores


def found(ctx: RequestContext, store_id: str) -> VectorStore:
    store = _stores(ctx).get(store_id)
    if store is None:
        raise NotFound(f"No vector store found with id '{store_id}'.", param="vector_store_id")
    return store


def _this(ctx: RequestContext) -> VectorStore:
    return found(ctx, ctx.request.path_params["id"])


def _file(ctx: RequestContext, store: VectorStore) -> StoreFile:
    file_id = ctx.request.path_params["file_id"]
    with store.lock:
        file = store.files.get(file_id)
    if file is None:
        raise NotFound(f"No file found with id '{file_id}' in vector store '{store.id}'.", param="file_id")
    return file


# -- what the service reports ------------------------------------------------------------


def file_status(file: StoreFile, now: float) -> str:
    if file.cancelled:
        return "cancelled"
    if file.ready_at > now:
        return "in_progress"
    return "failed" if file.last_error is not None else "completed"


def describe(store: VectorStore, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    with store.lock:
        files = list(store.files.values())
    counts = {status: 0 for status in _FILE_STATUSES}
    for file in files:
        counts[file_status(file, now)] += 1
    expires_at = store.last_active_at + store.expires_after["days"] * _DAY_S if store.expires_after else None
    status = (
        "expired"
        if expires_at is not None and expires_at <= now
        else ("in_progress" if counts["in_progress"] else "completed")
    )
    described = {
        "id": store.id,
        "object": "vector_store",
        "created_at": store.created_at,
        "name": store.name or "",  # the spec's schema: a string, always
        "usage_bytes": sum(f.usage_bytes for f in files if file_status(f, now) == "completed"),
        "file_counts": {**counts, "total": len(files)},
        "status": status,
        "expires_at": expires_at,
        "last_active_at": store.last_active_at,
        "metadata": store.metadata,
    }
    if store.expires_after is not None:  # absent rather than null, as the spec has it
        described["expires_after"] = store.expires_after
    return described


def _describe_file(store: VectorStore, file: StoreFile, now: float | None = None) -> dict[str, Any]:
    status = file_status(file, time.time() if now is None else now)
    return {
        "id": file.file_id,
        "object": "vector_store.file",
        "usage_bytes": file.usage_bytes if status == "completed" else 0,
        "created_at": file.created_at,
        "vector_store_id": store.id,
        "status": status,
        "last_error": file.last_error if status == "failed" else None,
        "chunking_strategy": file.chunking_strategy,
        "attributes": file.attributes,
    }


def touch(store: VectorStore) -> None:
    """The store was used: its expiry counts from now."""
    store.last_active_at = int(time.time())


# -- stores --------------------------------------------------------------------------------


def create(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.CreateStore, raw)
    strategy = chunking.strategy(body.chunking_strategy)
    now = int(time.time())
    store = VectorStore(
        id=f"vs_{ids.hex32()[:24]}",
        name=body.name,
        created_at=now,
        metadata=fields.metadata(body.metadata) or {},
        expires_after=body.expires_after.model_dump() if body.expires_after else None,
        last_active_at=now,
    )
    for file_id in body.file_ids or []:
        _add(ctx, store, file_id, strategy, {})
    _stores(ctx).put(store)
    return JsonReply(describe(store))


def list_stores(ctx: RequestContext, _: bytes) -> Reply:
    query = ctx.request.query_params
    stores = [describe(s) for s in _stores(ctx).all()]
    return JsonReply(fields.page(_ordered(stores, query), query))


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(describe(_this(ctx)))


def modify(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.ModifyStore, raw)
    store = _this(ctx)
    given = body.model_fields_set
    if "name" in given:
        store.name = body.name
    if "metadata" in given:
        store.metadata = fields.metadata(body.metadata) or {}
    if "expires_after" in given:
        store.expires_after = body.expires_after.model_dump() if body.expires_after else None
    touch(store)
    _stores(ctx).put(store)
    return JsonReply(describe(store))


def delete(ctx: RequestContext, _: bytes) -> Reply:
    store = _this(ctx)
    _stores(ctx).delete(store.id)
    return JsonReply({"id": store.id, "object": "vector_store.deleted", "deleted": True})


# -- files in a store ----------------------------------------------------------------------


def _add(ctx: RequestContext, store: VectorStore, file_id: str, strategy: dict[str, Any], attributes: Any) -> StoreFile:
    assert ctx.services is not None
    uploaded = ctx.services.files.get(file_id)
    data = ctx.services.files.content(file_id) if uploaded is not None else None
    if uploaded is None or data is None:
        raise InvalidRequest(f"File with id '{file_id}' was not found.", param="file_id", code="invalid_value")
    parsed = chunking.parse(data, uploaded.filename, strategy)
    file = StoreFile(
        file_id=file_id,
        filename=uploaded.filename,
        created_at=int(time.time()),
        ready_at=time.time() + ctx.services.vector_store_step_s,
        usage_bytes=sum(len(c.text.encode()) for c in parsed.chunks),
        chunking_strategy=strategy,
        attributes=dict(attributes or {}),
        chunks=parsed.chunks,
        vectors=parsed.vectors,
        last_error=parsed.error,
    )
    with store.lock:
        store.files[file_id] = file
    return file


def add_file(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.AddFile, raw)
    store = _this(ctx)
    file = _add(ctx, store, body.file_id, chunking.strategy(body.chunking_strategy), body.attributes)
    touch(store)
    _stores(ctx).put(store)
    return JsonReply(_describe_file(store, file))


def list_files(ctx: RequestContext, _: bytes) -> Reply:
    store = _this(ctx)
    with store.lock:
        files = list(store.files.values())
    return JsonReply(_listing(ctx, store, files))


def _listing(ctx: RequestContext, store: VectorStore, files: list[StoreFile]) -> dict[str, Any]:
    """A page of files as described now, with the ``filter`` (a status), ``order``, ``after``
    and ``limit`` of the query."""
    query = ctx.request.query_params
    now = time.time()
    listed = [_describe_file(store, f, now) for f in files]
    wanted = query.get("filter")
    if wanted is not None:
        fields.one_of("filter", wanted, _FILE_STATUSES)
        listed = [f for f in listed if f["status"] == wanted]
    return fields.page(_ordered(listed, query), query)


def retrieve_file(ctx: RequestContext, _: bytes) -> Reply:
    store = _this(ctx)
    return JsonReply(_describe_file(store, _file(ctx, store)))


def update_file(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.UpdateFile, raw)
    store = _this(ctx)
    file = _file(ctx, store)
    file.attributes = dict(body.attributes)
    _stores(ctx).put(store)
    return JsonReply(_describe_file(store, file))


def delete_file(ctx: RequestContext, _: bytes) -> Reply:
    store = _this(ctx)
    file = _file(ctx, store)
    with store.lock:
        store.files.pop(file.file_id, None)
    _stores(ctx).put(store)
    return JsonReply({"id": file.file_id, "object": "vector_store.file.deleted", "deleted": True})


def file_content(ctx: RequestContext, _: bytes) -> Reply:
    """The file as the store parsed it: its chunks' text (without the overlaps repeated)."""
    store = _this(ctx)
    file = _file(ctx, store)
    parts = (
        [{"type": "text", "text": chunk.text} for chunk in file.chunks]
        if file_status(file, time.time()) == "completed"
        else []
    )
    return JsonReply({"object": "vector_store.file_content.page", "data": parts, "has_more": False, "next_page": None})


# -- file batches ------------------------------------------------------------------------


def _batch(ctx: RequestContext, store: VectorStore) -> FileBatch:
    batch_id = ctx.request.path_params["batch_id"]
    with store.lock:
        batch = store.batches.get(batch_id)
    if batch is None:
        raise NotFound(f"No file batch found with id '{batch_id}' in vector store '{store.id}'.", param="batch_id")
    return batch


def _batch_files(store: VectorStore, batch: FileBatch) -> list[StoreFile]:
    with store.lock:
        return [store.files[i] for i in batch.file_ids if i in store.files]


def _describe_batch(store: VectorStore, batch: FileBatch) -> dict[str, Any]:
    now = time.time()
    counts = {status: 0 for status in _FILE_STATUSES}
    files = _batch_files(store, batch)
    for file in files:
        counts[file_status(file, now)] += 1
    if counts["in_progress"]:
        status = "in_progress"
    elif counts["cancelled"]:
        status = "cancelled"
    else:
        status = "completed"
    return {
        "id": batch.id,
        "object": "vector_store.files_batch",
        "created_at": batch.created_at,
        "vector_store_id": store.id,
        "status": status,
        "file_counts": {**counts, "total": len(files)},
    }


def create_batch(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.AddFiles, raw)
    store = _this(ctx)
    strategy = chunking.strategy(body.chunking_strategy)
    for file_id in body.file_ids:
        _add(ctx, store, file_id, strategy, body.attributes)
    batch = FileBatch(f"vsfb_{ids.hex32()[:24]}", int(time.time()), tuple(body.file_ids))
    with store.lock:
        store.batches[batch.id] = batch
    touch(store)
    _stores(ctx).put(store)
    return JsonReply(_describe_batch(store, batch))


def retrieve_batch(ctx: RequestContext, _: bytes) -> Reply:
    store = _this(ctx)
    return JsonReply(_describe_batch(store, _batch(ctx, store)))


def cancel_batch(ctx: RequestContext, _: bytes) -> Reply:
    """The batch's files not yet ready are cancelled (and never searched); the rest stay."""
    store = _this(ctx)
    batch = _batch(ctx, store)
    now = time.time()
    for file in _batch_files(store, batch):
        if file_status(file, now) == "in_progress":
            file.cancelled = True
    _stores(ctx).put(store)
    return JsonReply(_describe_batch(store, batch))


def list_batch_files(ctx: RequestContext, _: bytes) -> Reply:
    store = _this(ctx)
    batch = _batch(ctx, store)
    return JsonReply(_listing(ctx, store, _batch_files(store, batch)))


# -- search --------------------------------------------------------------------------------


def search_store(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.Search, raw)
    store = _this(ctx)
    queries = [body.query] if isinstance(body.query, str) else list(body.query)
    if not queries or not all(q.strip() for q in queries):
        raise InvalidRequest("The search query must not be empty.", param="query", code="invalid_value")
    if body.filters is not None:
        search.check_filter(body.filters)
    ranking = body.ranking_options
    hits = search.search(
        [store],
        queries,
        time.time(),
        most=body.max_num_results or 10,
        filters=body.filters,
        threshold=ranking.score_threshold or 0.0 if ranking else 0.0,
    )
    touch(store)
    return JsonReply(
        {
            "object": "vector_store.search_results.page",
            "search_query": queries,
            "data": [search.result(hit) for hit in hits],
            "has_more": False,
            "next_page": None,
        }
    )


def _ordered(items: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    order = query.get("order", "desc")
    fields.one_of("order", order, _ORDERS)
    return list(reversed(items)) if order == "desc" else items


CREATE = resource(create)
LIST = resource(list_stores)
RETRIEVE = resource(retrieve)
MODIFY = resource(modify)
DELETE = resource(delete)
ADD_FILE = resource(add_file)
LIST_FILES = resource(list_files)
RETRIEVE_FILE = resource(retrieve_file)
UPDATE_FILE = resource(update_file)
DELETE_FILE = resource(delete_file)
FILE_CONTENT = resource(file_content)
SEARCH = resource(search_store)
CREATE_BATCH = resource(create_batch)
RETRIEVE_BATCH = resource(retrieve_batch)
CANCEL_BATCH = resource(cancel_batch)
LIST_BATCH_FILES = resource(list_batch_files)
