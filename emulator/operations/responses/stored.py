"""Stored responses: retrieve, delete, and list the input items of a response by id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...delivery import JsonReply, Reply
from ...errors import NotFound
from ...stores.responses import Stored
from ...wording import invalid_type
from .. import fields
from . import background

if TYPE_CHECKING:
    from ...context import RequestContext


def response_not_found(response_id: str) -> NotFound:
    return NotFound(f"Response with id '{response_id}' not found.")


def _stored(ctx: RequestContext) -> Stored:
    assert ctx.services is not None
    response_id = ctx.request.path_params["id"]
    stored = ctx.services.responses.get(response_id)
    if stored is None:
        raise response_not_found(response_id)
    return stored


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    """The response as it stands (a background one moves on a clock); ``stream=true`` reads a
    background stream's events again, after ``starting_after``."""
    stored = _stored(ctx)
    query = ctx.request.query_params
    if query.get("stream", "false").lower() == "true":
        return background.replay(stored, _sequence_number(query.get("starting_after")))
    return JsonReply(background.view(stored))


def cancel(ctx: RequestContext, _: bytes) -> Reply:
    return background.cancel(ctx, _stored(ctx))


def _sequence_number(given: str | None) -> int | None:
    if given is None:
        return None
    if not given.isdigit():
        raise invalid_type("starting_after", "an integer", given)
    return int(given)


def delete(ctx: RequestContext, _: bytes) -> Reply:
    assert ctx.services is not None
    response_id = ctx.request.path_params["id"]
    if not ctx.services.responses.delete(response_id):
        raise response_not_found(response_id)
    return JsonReply({"id": response_id, "object": "response.deleted", "deleted": True})


def input_items(ctx: RequestContext, _: bytes) -> Reply:
    """This turn's input items, newest first unless ``order=asc``, ``limit`` (1-100, 20 by
    default) at a time, after the item ``after`` names."""
    items = list(_stored(ctx).input_items)
    query = ctx.request.query_params
    fields.one_of("order", query.get("order", "desc"), ("asc", "desc"))
    if query.get("order", "desc") == "desc":
        items.reverse()
    return JsonReply(fields.page(items, query))
