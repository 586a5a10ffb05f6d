"""The Responses API: ``POST /openai/v1/responses`` (and ``/openai/responses?api-version=``),
retrieve, delete and list the input items of stored responses.

A response is a chat completion underneath: the request's input (with the stored turns of
``previous_response_id`` before it), instructions, function tools, ``text.format`` and
reasoning become a chat request, which passes the chat checks and is answered by the chat
generator (so scripted replies, tool decisions, structured outputs, content filtering and
token counts are the same). The answer is then written as Responses output items, and
streamed as the Responses event sequence.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pydantic import PrivateAttr, ValidationError

from .. import ids, tokens
from ..context import Handler
from ..delivery import JsonReply, Reply, StreamReply
from ..errors import InvalidRequest, NotFound
from ..stores.responses import Stored
from ..validation import map_validation_errors
from ..wording import empty_array, invalid_type, invalid_value, out_of_range, unsupported_parameter
from . import fields, resource
from .chat import checks as chat_checks
from .chat import completion as chat
from .chat.request import ChatRequest
from .fields import Strict

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..deployments import Deployment

MIN_OUTPUT_TOKENS = 16
_ARGUMENT_FRAGMENT = 12
_ROLES = ("user", "system", "developer", "assistant")
_ITEM_TYPES = ("message", "function_call", "function_call_output", "reasoning", "item_reference")
_PART_TYPES = ("input_text", "output_text", "input_image")


class ResponsesRequest(Strict):
    model: str | None = None
    input: str | list[dict[str, Any]]
    instructions: str | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: int | None = None
    reasoning: dict[str, Any] | None = None
    store: bool | None = None
    previous_response_id: str | None = None
    metadata: dict[str, str] | None = None
    stream: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    parallel_tool_calls: bool | None = None
    truncation: str | None = None
    user: str | None = None
    include: list[str] | None = None

    # Filled by the checks.
    _chat: ChatRequest | None = PrivateAttr(default=None)
    _history: list[dict[str, Any]] | None = PrivateAttr(default=None)
    _turn: list[dict[str, Any]] | None = PrivateAttr(default=None)
    _input_items: list[dict[str, Any]] | None = PrivateAttr(default=None)


def estimate_tokens(body: dict[str, Any], deployment: Deployment) -> int:
    """A token per four characters of input and instructions, plus the output budget (16
    when none is given, as for chat)."""
    characters = len(body.get("instructions") or "") if isinstance(body.get("instructions"), str) else 0
    given = body.get("input")
    if isinstance(given, str):
        characters += len(given)
    elif isinstance(given, list):
        for item in given:
            content = item.get("content") if isinstance(item, dict) else None
            if isinstance(content, str):
                characters += len(content)
            elif isinstance(content, list):
                characters += sum(len(p.get("text") or "") for p in content if isinstance(p, dict))
    limit = body.get("max_output_tokens")
    budget = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else 16
    return characters // 4 + budget


# -- checks: the request as a chat request ---------------------------------------------


def check(ctx: RequestContext, req: ResponsesRequest) -> None:
    assert ctx.deployment is not None and ctx.services is not None
    model = ctx.deployment.model
    history: list[dict[str, Any]] = []
    if req.previous_response_id is not None:
        previous = ctx.services.responses.get(req.previous_response_id)
        if previous is None:
            raise InvalidRequest(
                f"Previous response with id '{req.previous_response_id}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        history = list(previous.conversation)
    turn, items = _turn(req.input)
    if req.max_output_tokens is not None and req.max_output_tokens < MIN_OUTPUT_TOKENS:
        raise out_of_range("max_output_tokens", req.max_output_tokens, below=MIN_OUTPUT_TOKENS)
    effort = (req.reasoning or {}).get("effort")
    if effort is not None and not model.reasoning:
        raise unsupported_parameter("reasoning.effort")
    messages = ([{"role": "system", "content": req.instructions}] if req.instructions else []) + history + turn
    body: dict[str, Any] = {"messages": messages}
    for name in ("temperature", "top_p", "parallel_tool_calls", "user"):
        if getattr(req, name) is not None:
            body[name] = getattr(req, name)
    if req.tools:
        body["tools"] = [_chat_tool(i, tool) for i, tool in enumerate(req.tools)]
    if req.tool_choice is not None:
        body["tool_choice"] = _chat_tool_choice(req.tool_choice)
    response_format = _response_format(req.text)
    if response_format is not None:
        body["response_format"] = response_format
    if req.max_output_tokens is not None:
        body["max_completion_tokens"] = req.max_output_tokens
    if effort is not None:
        body["reasoning_effort"] = effort
    try:
        converted = ChatRequest.model_validate(body)
    except ValidationError as exc:
        raise map_validation_errors(exc) from None
    chat_checks.check(ctx, converted)
    req._chat, req._history, req._turn, req._input_items = converted, history, turn, items


def _turn(given: str | list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """This turn's input as chat messages, and as the input items the service lists."""
    if isinstance(given, str):
        return [{"role": "user", "content": given}], [_message_item("user", [{"type": "input_text", "text": given}])]
    if not given:
        raise empty_array("input")
    messages: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for index, item in enumerate(given):
        where = f"input[{index}]"
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role not in _ROLES:
                raise invalid_value(f"{where}.role", role, _ROLES)
            parts = _parts(item.get("content"), where)
            messages.append({"role": "system" if role == "developer" else role, "content": _chat_content(parts)})
            items.append(_message_item(role, parts))
        elif kind == "function_call":
            call = {
                "id": fields.required(item, "call_id", where),
                "type": "function",
                "function": {"name": fields.required(item, "name", where), "arguments": item.get("arguments", "")},
            }
            if messages and messages[-1]["role"] == "assistant" and messages[-1].get("tool_calls"):
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            items.append({"id": item.get("id") or f"fc_{ids.hex32()}", "status": "completed", **item})
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": fields.required(item, "call_id", where),
                    "content": output if isinstance(output, str) else str(output),
                }
            )
            items.append({"id": item.get("id") or f"fco_{ids.hex32()}", "status": "completed", **item})
        elif kind in ("reasoning", "item_reference"):
            continue  # carried for the model's sake; nothing to say to a generator
        else:
            raise invalid_value(f"{where}.type", kind, _ITEM_TYPES)
    return messages, items


def _parts(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}]
    if not isinstance(content, list):
        raise invalid_type(f"{where}.content", "one of a string or an array", content)
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in _PART_TYPES:
            raise invalid_value(f"{where}.content[{index}].type", kind, _PART_TYPES)
    return content


def _chat_content(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    if all(p["type"] != "input_image" for p in parts):
        return "".join(p.get("text", "") for p in parts)
    converted: list[dict[str, Any]] = []
    for part in parts:
        if part["type"] == "input_image":
            image = {"url": part.get("image_url", "")}
            if part.get("detail"):
                image["detail"] = part["detail"]
            converted.append({"type": "image_url", "image_url": image})
        else:
            converted.append({"type": "text", "text": part.get("text", "")})
    return converted


def _message_item(role: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "message", "id": f"msg_{ids.hex32()}", "status": "completed", "role": role, "content": parts}


def _chat_tool(index: int, tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") != "function":
        raise InvalidRequest(
            f"Invalid value: '{tool.get('type')}'. The emulator's Responses API supports tools of type 'function'.",
            param=f"tools[{index}].type",
            code="unsupported_value",
        )
    function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
    return {"type": "function", "function": function}


def _chat_tool_choice(choice: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return choice


def _response_format(text: dict[str, Any] | None) -> dict[str, Any] | None:
    fmt = (text or {}).get("format")
    if not isinstance(fmt, dict) or fmt.get("type") in (None, "text"):
        return None
    if fmt.get("type") == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    return {"type": fmt.get("type")}


# -- the answer --------------------------------------------------------------------------


def respond(ctx: RequestContext, req: ResponsesRequest) -> Reply:
    assert ctx.deployment is not None and ctx.services is not None and req._chat is not None
    deployment = ctx.deployment
    completion = chat.respond(ctx, req._chat)
    assert isinstance(completion, JsonReply) and completion.body is not None
    choice = completion.body["choices"][0]
    usage = completion.body["usage"]
    message = choice["message"]
    output: list[dict[str, Any]] = []
    reasoning_tokens = usage["completion_tokens_details"]["reasoning_tokens"]
    if deployment.model.reasoning:
        output.append({"type": "reasoning", "id": f"rs_{ids.hex32()}", "summary": []})
    for call in message.get("tool_calls") or []:
        output.append(
            {
                "type": "function_call",
                "id": f"fc_{ids.hex32()}",
                "call_id": call["id"],
                "name": call["function"]["name"],
                "arguments": call["function"]["arguments"],
                "status": "completed",
            }
        )
    if message.get("content") is not None or not output:
        part: dict[str, Any] = {
            "type": "output_text",
            "text": message.get("content") or "",
            "annotations": [],
            "logprobs": [],
        }
        output.append(
            {
                "type": "message",
                "id": f"msg_{ids.hex32()}",
                "status": "completed",
                "role": "assistant",
                "content": [part],
            }
        )
    finish = choice["finish_reason"]
    incomplete = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(finish)
    response = {
        "id": f"resp_{ids.hex32()}{ids.hex32()[:16]}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "incomplete" if incomplete else "completed",
        "background": False,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": req.instructions,
        "max_output_tokens": req.max_output_tokens,
        "metadata": req.metadata or {},
        "model": deployment.response_model,
        "output": output,
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
        "usage": {
            "input_tokens": usage["prompt_tokens"],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage["completion_tokens"],
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": usage["total_tokens"],
        },
        "user": req.user,
    }
    if response["store"]:
        assert req._history is not None and req._turn is not None and req._input_items is not None
        answer = {"role": "assistant", "content": message.get("content")}
        if message.get("tool_calls"):
            answer["tool_calls"] = message["tool_calls"]
        conversation = [*req._history, *req._turn, answer]
        ctx.services.responses.put(Stored(response, req._input_items, conversation))
    if req.stream:
        return StreamReply(_events(response, deployment.model.encoding), named=True)
    return JsonReply(response)


def _events(response: dict[str, Any], encoding: str) -> list[dict[str, Any]]:
    """The Responses event sequence for a finished response, numbered in order."""
    events: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append({"type": kind, "sequence_number": len(events), **fields})

    opening = {**response, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
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
            emit("response.output_text.done", **where, text=part["text"], logprobs=[])
            emit("response.content_part.done", **where, part=part)
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


def prompt_texts(req: ResponsesRequest) -> list[list[str]]:
    """What the content filter reads: instructions and this turn's input, as one prompt."""
    texts = [req.instructions] if req.instructions else []
    if isinstance(req.input, str):
        texts.append(req.input)
    else:
        for item in req.input:
            content = item.get("content")
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts.extend(p.get("text", "") for p in content if isinstance(p, dict))
            elif item.get("type") == "function_call_output":
                texts.append(str(item.get("output", "")))
    return [texts]


# -- stored responses ----------------------------------------------------------------------


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
    return JsonReply(_stored(ctx).response)


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


CREATE = Handler(
    request_model=ResponsesRequest,
    estimate_tokens=estimate_tokens,
    check=check,
    respond=respond,
    prompt_texts=prompt_texts,
)


# Reads of stored responses.
RETRIEVE = resource(retrieve)
DELETE = resource(delete)
INPUT_ITEMS = resource(input_items)
