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
from typing import TYPE_CHECKING

from ... import ids
from ...delivery import JsonReply, Reply
from ...errors import InvalidRequest
from ...stores.vector_stores import VectorStore
from .. import fields, resource
from . import chunking, files, request, search
from .lookup import ordered, stores, this
from .reports import describe, touch

if TYPE_CHECKING:
    from ...context import RequestContext

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
    files.check_uploaded(ctx, body.file_ids or [])
    for file_id in body.file_ids or []:
        files.add(ctx, store, file_id, strategy, {})
    stores(ctx).put(store)
    return JsonReply(describe(store))


def list_stores(ctx: RequestContext, _: bytes) -> Reply:
    query = ctx.request.query_params
    described = [describe(s) for s in stores(ctx).all()]
    return JsonReply(fields.page(ordered(described, query), query))


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(describe(this(ctx)))


def modify(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.ModifyStore, raw)
    store = this(ctx)
    given = body.model_fields_set
    if "name" in given:
        store.name = body.name
    if "metadata" in given:
        store.metadata = fields.metadata(body.metadata) or {}
    if "expires_after" in given:
        store.expires_after = body.expires_after.model_dump() if body.expires_after else None
    touch(store)
    stores(ctx).put(store)
    return JsonReply(describe(store))


def delete(ctx: RequestContext, _: bytes) -> Reply:
    store = this(ctx)
    stores(ctx).delete(store.id)
    return JsonReply({"id": store.id, "object": "vector_store.deleted", "deleted": True})


# -- search --------------------------------------------------------------------------------


def search_store(ctx: RequestContext, raw: bytes) -> Reply:
    body = request.parse(request.Search, raw)
    store = this(ctx)
    queries = [body.query] if isinstance(body.query, str) else list(body.query)
    if body.rewrite_query:
        queries = [search.rewritten(q) for q in queries]
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
        threshold=(ranking.score_threshold or 0.0) if ranking else 0.0,
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


CREATE = resource(create)
LIST = resource(list_stores)
RETRIEVE = resource(retrieve)
MODIFY = resource(modify)
DELETE = resource(delete)
ADD_FILE = resource(files.add_file)
LIST_FILES = resource(files.list_files)
RETRIEVE_FILE = resource(files.retrieve_file)
UPDATE_FILE = resource(files.update_file)
DELETE_FILE = resource(files.delete_file)
FILE_CONTENT = resource(files.file_content)
SEARCH = resource(search_store)
CREATE_BATCH = resource(files.create_batch)
RETRIEVE_BATCH = resource(files.retrieve_batch)
CANCEL_BATCH = resource(files.cancel_batch)
LIST_BATCH_FILES = resource(files.list_batch_files)
