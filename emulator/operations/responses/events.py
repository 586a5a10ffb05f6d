"""A response as the Responses event sequence: created, in progress, each output item with its
content parts and deltas, then completed (or incomplete), numbered in order."""

from __future__ import annotations

from typing import Any

from ... import tokens

_ARGUMENT_FRAGMENT = 12


def events(response: dict[str, Any], encoding: str) -> list[dict[str, Any]]:
    """The Responses event sequence for a finished response, numbered in order."""
    events: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append({"type": kind, "sequence_number": len(events), **fields})

    opening = {**response, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
    if response.get("background"):
        # A background response starts in the queue.
        emit("response.created", response={**opening, "status": "queued"})
        emit("response.queued", response={**opening, "status": "queued"})
    else:
        emit("response.created", response=opening)
    emit("response.in_progress", response=opening)
    for index, item in enumerate(response["output"]):
        if item["type"] == "message":
            emit(
                "response.output_item.added", output_index=index, item={**item, "status": "in_progress", "content": []}
            )
            part = item["content"][0]
            empty = {**part, "text": ""}
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            emit("response.content_part.added", **where, part=empty)
            for piece, _ in tokens.pieces(tokens.encode(part["text"], encoding), encoding):
                emit("response.output_text.delta", **where, delta=piece, logprobs=[])
            for number, annotation in enumerate(part["annotations"]):
                emit("response.output_text.annotation.added", **where, annotation_index=number, annotation=annotation)
            emit("response.output_text.done", **where, text=part["text"], logprobs=[])
            emit("response.content_part.done", **where, part=part)
        elif item["type"] == "file_search_call":
            emit(
                "response.output_item.added",
                output_index=index,
                item={**item, "status": "in_progress", "results": None},
            )
            for stage in ("in_progress", "searching", "completed"):
                emit(f"response.file_search_call.{stage}", item_id=item["id"], output_index=index)
        elif item["type"] == "function_call":
            emit(
                "response.output_item.added",
                output_index=index,
                item={**item, "status": "in_progress", "arguments": ""},
            )
            arguments = item["arguments"]
            for start in range(0, len(arguments), _ARGUMENT_FRAGMENT):
                emit(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=index,
                    delta=arguments[start : start + _ARGUMENT_FRAGMENT],
                )
            emit("response.function_call_arguments.done", item_id=item["id"], output_index=index, arguments=arguments)
        else:
            emit("response.output_item.added", output_index=index, item=item)
        emit("response.output_item.done", output_index=index, item=item)
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    emit(final, response=response)
    return events
