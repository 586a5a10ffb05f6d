"""The answer to a Responses API request: the chat completion underneath (the same replies,
tool decisions, structured outputs, content filtering and token counts as chat), written as
output items in a response object, stored for ``previous_response_id`` unless ``store`` is
false, and sent as JSON or as the Responses event sequence (events.py)."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from ... import ids, tokens
from ...delivery import JsonReply, Reply, StreamReply
from ...stores.responses import Stored
from ..chat.completion import complete
from ..chat.stream import Choice
from . import background, file_search
from .convert import Prepared
from .events import events
from .request import ResponsesRequest

if TYPE_CHECKING:
    from ...context import RequestContext

# Why a response stopped early, by the chat answer's finish_reason.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def respond(ctx: RequestContext, req: ResponsesRequest, prepared: Prepared) -> Reply:
    deployment = ctx.deployment
    assert deployment is not None and ctx.services is not None
    completion = complete(ctx, prepared.chat, prepared.chat_prepared)
    choice = completion.choices[0]
    usage = completion.usage
    output_tokens = usage.completion_tokens
    retrieval = prepared.retrieval
    cited = retrieval.answer() if retrieval is not None and not choice.calls else None
    if cited is not None:
        # The answer is what was found, cited (file_search.py), cut at the output budget.
        encoding = deployment.model.encoding
        written = tokens.encode(cited[0], encoding)
        finish = "stop"
        if req.max_output_tokens is not None and len(written) > req.max_output_tokens:
            written, finish = written[: req.max_output_tokens], "length"
            text = tokens.decode(written, encoding)
            cited = (text, [a for a in cited[1] if a["index"] <= len(text)])
        output_tokens += len(written) - len(choice.token_ids)
        choice = dataclasses.replace(choice, content=cited[0], finish_reason=finish)
    incomplete = _INCOMPLETE.get(choice.finish_reason)
    billed = {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.prompt_tokens + output_tokens,
    }
    response = {
        "id": f"resp_{ids.hex32()}{ids.hex32()[:16]}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "incomplete" if incomplete else "completed",
        "background": bool(req.background),
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": req.instructions,
        "max_output_tokens": req.max_output_tokens,
        "metadata": req.metadata or {},
        "model": deployment.response_model,
        "output": _output(
            choice,
            reasoning=deployment.model.reasoning,
            searched=retrieval.item(with_results=file_search.RESULTS_INCLUDE in (req.include or []))
            if retrieval is not None
            else None,
            annotations=cited[1] if cited is not None else [],
        ),
        "parallel_tool_calls": req.parallel_tool_calls if req.parallel_tool_calls is not None else True,
        "previous_response_id": req.previous_response_id,
        "reasoning": {"effort": (req.reasoning or {}).get("effort"), "summary": None},
        "store": req.store if req.store is not None else True,
        "temperature": req.temperature if req.temperature is not None else 1.0,
        "text": {"format": (req.text or {}).get("format") or {"type": "text"}},
        "tool_choice": req.tool_choice if req.tool_choice is not None else "auto",
        "tools": req.tools or [],
        "top_p": req.top_p if req.top_p is not None else 1.0,
        "truncation": req.truncation or "disabled",
        "usage": billed,
        "user": req.user,
    }
    sequence = events(response, deployment.model.encoding) if req.stream else []
    if response["store"]:
        message = choice.message()
        answer = {"role": "assistant", "content": message["content"]}
        if "tool_calls" in message:
            answer["tool_calls"] = message["tool_calls"]
        conversation = [*prepared.history, *prepared.turn, answer]
        run = None
        if req.background:
            timing = deployment.timing
            writing_s = timing.ttft_ms / 1000 + (
                usage.completion_tokens / timing.tokens_per_s if timing.tokens_per_s else 0
            )
            run = ctx.services.background.start(writing_s)
        ctx.services.responses.put(Stored(response, prepared.input_items, conversation, run, sequence if run else []))
    if req.stream:
        return StreamReply(sequence, named=True, usage=billed)
    if req.background:
        # Answered at once, queued; polling sees the rest (background.py).
        return JsonReply(background.opening(response), usage=billed)
    return JsonReply(response)


def _output(
    choice: Choice,
    *,
    reasoning: bool,
    searched: dict[str, Any] | None = None,
    annotations: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The answer's output items: its reasoning (for reasoning models), its file search, its
    function calls, and its message."""
    output: list[dict[str, Any]] = []
    if reasoning:
        output.append({"type": "reasoning", "id": f"rs_{ids.hex32()}", "summary": []})
    if searched is not None:
        output.append(searched)
    for call in choice.calls:
        output.append(
            {
                "type": "function_call",
                "id": f"fc_{ids.hex32()}",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    if choice.content is not None or not [item for item in output if item["type"] != "file_search_call"]:
        part = {"type": "output_text", "text": choice.content or "", "annotations": annotations or [], "logprobs": []}
        output.append(
            {
                "type": "message",
                "id": f"msg_{ids.hex32()}",
                "status": "completed",
                "role": "assistant",
                "content": [part],
            }
        )
    return output
