"""A Responses API request as the chat request underneath it: the input (with the stored turns
of ``previous_response_id`` before it), instructions, function tools, ``text.format`` and
reasoning become chat messages and parameters, checked by the chat checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ... import ids
from ...errors import InvalidRequest
from ...validation import map_validation_errors
from ...wording import empty_array, invalid_type, invalid_value, out_of_range, unsupported_parameter
from .. import fields
from ..chat import checks as chat_checks
from ..chat.request import ChatRequest
from . import background, file_search
from .request import ResponsesRequest

if TYPE_CHECKING:
    from ...context import RequestContext

MIN_OUTPUT_TOKENS = 16
_ROLES = ("user", "system", "developer", "assistant")
_ITEM_TYPES = ("message", "function_call", "function_call_output", "reasoning", "item_reference")
_PART_TYPES = ("input_text", "output_text", "input_image")


@dataclass(frozen=True)
class Prepared:
    """The request as a chat request, checked, and the turns the stored response keeps."""

    chat: ChatRequest
    chat_prepared: chat_checks.Prepared
    history: list[dict[str, Any]]  # the earlier turns, from previous_response_id
    turn: list[dict[str, Any]]  # this turn's input, as chat messages
    input_items: list[dict[str, Any]]  # this turn's input, as the items the service lists
    retrieval: file_search.Retrieval | None = None  # what the file_search tool found


def check(ctx: RequestContext, req: ResponsesRequest) -> Prepared:
    background.check(req)
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
    searching, others = file_search.split_tools(req.tools)
    retrieval = None
    retrieved: list[dict[str, Any]] = []
    if len(searching) > 1:
        raise InvalidRequest("Only one file_search tool is allowed.", param=f"tools[{searching[1][0]}]")
    if searching:
        question = next(
            (m["content"] for m in reversed(turn) if m["role"] == "user" and isinstance(m["content"], str)), ""
        )
        retrieval = file_search.retrieve(ctx, *searching[0], question)
        if retrieval.hits:
            # The model reads what was found before the turn it answers.
            retrieved = [{"role": "system", "content": retrieval.prompt_text()}]
    instructions = [{"role": "system", "content": req.instructions}] if req.instructions else []
    messages = instructions + history + retrieved + turn
    body: dict[str, Any] = {"messages": messages}
    for name in ("temperature", "top_p", "parallel_tool_calls", "user"):
        if getattr(req, name) is not None:
            body[name] = getattr(req, name)
    if others:
        body["tools"] = [
            _chat_tool(i, tool) for i, tool in enumerate(req.tools or []) if tool.get("type") != "file_search"
        ]
    if req.tool_choice is not None and not (
        isinstance(req.tool_choice, dict) and req.tool_choice.get("type") == "file_search"
    ):
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
    return Prepared(converted, chat_checks.check(ctx, converted), history, turn, items, retrieval)


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
            f"Invalid value: '{tool.get('type')}'. The emulator's Responses API supports tools of type 'function' and 'file_search'.",
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


def prompt_texts(req: ResponsesRequest, prepared: Prepared) -> list[list[str]]:
    """What the content filter reads: the instructions and this turn's input (as the chat
    messages it became), as one prompt."""
    texts = [req.instructions] if req.instructions else []
    for message in prepared.turn:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(part.get("text", "") for part in content if part.get("type") == "text")
    return [texts]
