"""Files in a vector store, one by one and in batches: added (read and chunked at once, ready
on the indexing clock), listed, retrieved, their attributes updated, deleted, their parsed
content read; a batch's files cancelled before they are ready."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ... import ids
from ...delivery import JsonReply, Reply
from ...errors import InvalidRequest
from ...stores.vector_stores import FileBatch, StoreFile, VectorStore
from .. import fields
from . import chunking, request
from .lookup import batch_in, file_in, ordered, stores, this
from .reports import FILE_STATUSES, describe_file, file_status, touch

if TYPE_CHECKING:
    from ...context import RequestContext


def check_uploaded(ctx: RequestContext, file_ids: list[str]) -> None:
    """Every file named is uploaded: checked before any is added, so a refused request adds
    none of them."""
    assert ctx.services is not None
    for file_id in file_ids:
        if ctx.services.files.get(file_id) is None:
            raise InvalidRequest(f"File with id '{file_id}' was not found.", param="file_id", code="invalid_value")


def add(ctx: RequestContext, store: VectorStore, file_id: str, strategy: dict[str, Any], attributes: Any) -> StoreFile:
    assert ctx.services is not None
    check_uploaded(ctx, [file_id])
    uploaded = ctx.services.files.get(file_id)
    data = ctx.services.files.content(file_id)
    if uploaded is None or data is None:  # removed in between
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
    store = this(ctx)
    file = add(ctx, store, body.file_id, chunking.strategy(body.chunking_strategy), body.attributes)
    touch(store)
    stores(ctx).put(store)
    return JsonReply(describe_file(store, file))


def list_files(ctx: RequestContext, _: bytes) -> Reply:
    store = this(ctx)
    with store.lock:
        files = list(store.files.values())
    return JsonReply(listing(ctx, store, files))


def listing(ctx: RequestContext, store: VectorStore, files: list[StoreFile]) -> dict[str, Any]:
    """A page of files as described now, with the ``filter`` (a status), ``order``, ``after``
    and ``limit`` of the query."""
    query = ctx.request.query_params
    now = time.time()
    listed = [describe_file(store, f, now) for f in files]
    wanted = query.get("filter")
    if wanted is not None:
        fields.one_of("filter", wanted, FILE_STATUSES)
        listed = [f for f in listed if f["status"] == wanted]
    return fields.page(ordered(listed, query), query)


def retrieve_file(ctx: RequestContext, _: bytes) -> Reply:
    store = this(ctx)
    return JsonReply(describe_file(store, file_in(ctx, store)))


def update_file(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.UpdateFile, raw)
    store = this(ctx)
    file = file_in(ctx, store)
    file.attributes = dict(body.attributes)
    stores(ctx).put(store)
    return JsonReply(describe_file(store, file))


def delete_file(ctx: RequestContext, _: bytes) -> Reply:
    store = this(ctx)
    file = file_in(ctx, store)
    with store.lock:
        store.files.pop(file.file_id, None)
    stores(ctx).put(store)
    return JsonReply({"id": file.file_id, "object": "vector_store.file.deleted", "deleted": True})


def file_content(ctx: RequestContext, _: bytes) -> Reply:
    """The file as the store parsed it: its chunks' text (without the overlaps repeated)."""
    store = this(ctx)
    file = file_in(ctx, store)
    parts = (
        [{"type": "text", "text": chunk.text} for chunk in file.chunks]
        if file_status(file, time.time()) == "completed"
        else []
    )
    return JsonReply({"object": "vector_store.file_content.page", "data": parts, "has_more": False, "next_page": None})


# -- file batches ------------------------------------------------------------------------


def _batch_files(store: VectorStore, batch: FileBatch) -> list[StoreFile]:
    with store.lock:
        return [store.files[i] for i in batch.file_ids if i in store.files]


def _describe_batch(store: VectorStore, batch: FileBatch) -> dict[str, Any]:
    now = time.time()
    counts = {status: 0 for status in FILE_STATUSES}
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
    store = this(ctx)
    strategy = chunking.strategy(body.chunking_strategy)
    check_uploaded(ctx, body.file_ids)
    for file_id in body.file_ids:
        add(ctx, store, file_id, strategy, body.attributes)
    batch = FileBatch(f"vsfb_{ids.hex32()[:24]}", int(time.time()), tuple(body.file_ids))
    with store.lock:
        store.batches[batch.id] = batch
    touch(store)
    stores(ctx).put(store)
    return JsonReply(_describe_batch(store, batch))


def retrieve_batch(ctx: RequestContext, _: bytes) -> Reply:
    store = this(ctx)
    return JsonReply(_describe_batch(store, batch_in(ctx, store)))


def cancel_batch(ctx: RequestContext, _: bytes) -> Reply:
    """The batch's files not yet ready are cancelled (and never searched); the rest stay."""
    store = this(ctx)
    batch = batch_in(ctx, store)
    now = time.time()
    for file in _batch_files(store, batch):
        if file_status(file, now) == "in_progress":
            file.cancelled = True
    stores(ctx).put(store)
    return JsonReply(_describe_batch(store, batch))


def list_batch_files(ctx: RequestContext, _: bytes) -> Reply:
    store = this(ctx)
    batch = batch_in(ctx, store)
    return JsonReply(listing(ctx, store, _batch_files(store, batch)))
