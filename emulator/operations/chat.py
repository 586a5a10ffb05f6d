"""Chat completions: ``POST .../chat/completions``.

Only the body and the result are this module's; everything around them is the pipeline's.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .. import contentfilter, ids, synth, tokens
from ..delivery import JsonReply, Reply, StreamReply
from ..errors import InvalidRequest, UnrecognizedArgument
from ..replies import Scripted
from ..synth import logprobs as synth_logprobs
from ..synth import schema_data, text
from ..validation import invalid_value
from . import Handler, chat_reasoning, chat_tools, chat_vision
from .chat_request import ChatMessage, ChatRequest
from .chat_stream import Choice, stream_chunks
from .fields import check_stream_options

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..deployments import Deployment

# OpenAI's accounting: every message costs 3 tokens of framing, a name 1 more, and the
# reply is primed with 3 (the cookbook's num_tokens_from_messages for current models).
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_NAME = 1
_REPLY_PRIMING = 3
# (Images are priced by chat_vision, with the model's own rates.)
# Parameters that do not change what the model writes, left out of the content seed so a
# streamed answer equals the plain one and a token limit or stop sequence only cuts it short.
_NOT_IN_SEED = frozenset(
    {
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "n",
        "user",
        "logprobs",
        "top_logprobs",
        "model",
        "metadata",
        "store",
    }
)


def estimate_tokens(body: dict[str, Any], deployment: Deployment) -> int:
    """Azure's reservation: the prompt estimated from its characters (a token per four),
    plus the completion budget (16 when none is given, as Microsoft's simulator charges) for
    each of the n choices.
    The body is not validated yet, so anything unexpected simply counts as nothing."""
    characters = 0
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            characters += len(content)
        elif isinstance(content, list):
            for part in content:
                text_part = part.get("text") if isinstance(part, dict) else None
                characters += len(text_part) if isinstance(text_part, str) else 0
    prompt = characters // 4
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    budget = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else 16
    n = body.get("n")
    choices = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
    return prompt + budget * choices


def check(ctx: RequestContext, req: ChatRequest) -> None:
    assert ctx.api_version is not None and ctx.deployment is not None
    rules = ctx.api_version.rules_for("chat_completions")
    assert rules is not None
    roles = rules.roles or ()
    for index, message in enumerate(req.messages):
        _check_message(index, message, roles)
    _check_tool_turns(req.messages)
    if req.response_format is not None:
        kind = req.response_format.type
        if rules.response_format is not None and kind not in rules.response_format:
            # A type the version predates is, to Azure, an argument it does not recognise.
            raise UnrecognizedArgument(["response_format"])
        if kind == "json_schema" and req.response_format.json_schema is None:
            raise InvalidRequest(
                "Missing required parameter: 'response_format.json_schema'.",
                param="response_format.json_schema",
                code="missing_required_parameter",
            )
        if kind == "json_schema" and not isinstance((req.response_format.json_schema or {}).get("name"), str):
            raise InvalidRequest(
                "Missing required parameter: 'response_format.json_schema.name'.",
                param="response_format.json_schema.name",
                code="missing_required_parameter",
            )
        if kind == "json_schema" and not isinstance((req.response_format.json_schema or {}).get("schema", {}), dict):
            raise InvalidRequest(
                "Invalid type for 'response_format.json_schema.schema': expected an object.",
                param="response_format.json_schema.schema",
                code="invalid_type",
            )
    if req.max_tokens is not None and req.max_completion_tokens is not None:
        raise InvalidRequest(
            "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
            param="max_tokens",
            code="invalid_parameter_combination",
        )
    check_stream_options(req.stream_options, req.stream)
    chat_reasoning.check(req, ctx.deployment.model, ctx.api_version.name)
    chat_tools.check(req)
    if req.top_logprobs is not None and not req.logprobs:
        raise InvalidRequest(
            "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.", param="top_logprobs"
        )
    limit = req.completion_limit
    most = ctx.deployment.model.max_output_tokens
    if limit is not None and limit > most:
        name = "max_completion_tokens" if req.max_completion_tokens is not None else "max_tokens"
        raise InvalidRequest(
            f"{name} is too large: {limit}. This model supports at most {most} completion tokens, "
            f"whereas you provided {limit}.",
            param=name,
            code="invalid_value",
        )
    req._prompt_tokens = count_prompt_tokens(req.messages, ctx.deployment.model.encoding)
    req._prompt_tokens += chat_vision.image_tokens(req.messages, ctx.deployment.model)
    window = ctx.deployment.model.context_window
    if req._prompt_tokens + (limit or 0) > window:
        raise _context_length_exceeded(window, req._prompt_tokens, limit)


def _check_message(index: int, message: ChatMessage, roles: tuple[str, ...]) -> None:
    where = f"messages[{index}]"
    if message.role not in roles:
        raise invalid_value(f"{where}.role", message.role, roles)
    if message.content is None and (message.role != "assistant" or not (message.tool_calls or message.function_call)):
        raise InvalidRequest(
            f"Missing required parameter: '{where}.content'.",
            param=f"{where}.content",
            code="missing_required_parameter",
        )
    if message.role == "tool" and message.tool_call_id is None:
        raise InvalidRequest(
            f"Missing required parameter: '{where}.tool_call_id'.",
            param=f"{where}.tool_call_id",
            code="missing_required_parameter",
        )


def _check_tool_turns(messages: list[ChatMessage]) -> None:
    """Tool results answer the calls just before them, and every call gets its result."""
    pending: list[str] = []
    for index, message in enumerate(messages):
        if message.role == "tool":
            if message.tool_call_id not in pending:
                raise InvalidRequest(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
                    "'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            pending.remove(message.tool_call_id)
            continue
        if pending:
            raise InvalidRequest(
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(pending)}",
                param=f"messages.[{index}].role",
            )
        pending = [call.id for call in message.tool_calls or ()]


def count_prompt_tokens(messages: list[ChatMessage], encoding: str) -> int:
    total = _REPLY_PRIMING
    for message in messages:
        total += _TOKENS_PER_MESSAGE + tokens.count(message.role, encoding)
        total += tokens.count(message.text(), encoding)
        if message.name:
            total += _TOKENS_PER_NAME + tokens.count(message.name, encoding)
        calls = [c.function for c in message.tool_calls or ()]
        if message.function_call is not None:
            calls.append(message.function_call)
        for call in calls:
            total += tokens.count(call.name, encoding) + tokens.count(call.arguments, encoding)
    return total


def respond(ctx: RequestContext, req: ChatRequest) -> Reply:
    deployment = ctx.deployment
    assert deployment is not None
    encoding = deployment.model.encoding
    # The seed comes from the validated request, so 1 and 1.0 are the same temperature.
    relevant = req.model_dump(exclude=set(_NOT_IN_SEED), exclude_none=True)
    seed = synth.derive_seed(ctx.run_seed, deployment.model.name, relevant)
    topics = text.topics_of(_last_user_text(req.messages))
    reasoning = chat_reasoning.reasoning_tokens(req, deployment.model)
    limit = req.completion_limit
    # The budget covers hidden reasoning and the visible answer together.
    visible = None if limit is None else max(limit - reasoning, 0)
    spent = reasoning if limit is None else min(reasoning, limit)
    offered = [f.name for f in chat_tools.functions(req)[0]]
    scripted, counted = (
        ctx.replies.answer(deployment.name, req.messages, offered, ctx.request_headers)
        if ctx.replies
        else (None, False)
    )
    ctx.no_memo = counted
    if scripted is not None and scripted.tool_name is not None and not chat_tools.allows(req, scripted.tool_name):
        # A scripted call the request does not allow (the tool is not offered, tool_choice
        # is none or forces another) gives way to the generator.
        scripted = None
    choices = [_choice(i, seed, topics, req, deployment, visible, scripted) for i in range(req.n or 1)]
    usage = _usage(
        req._prompt_tokens, sum(len(c.token_ids) for c in choices) + spent * len(choices), spent * len(choices)
    )
    header = {
        "id": _completion_id(),
        "created": int(time.time()),
        "model": deployment.response_model,
        "system_fingerprint": _fingerprint(deployment.model.name, deployment.version),
    }
    if req.stream:
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        return StreamReply(
            stream_chunks(header, choices, usage if include_usage else None, encoding),
            prompt_filter_results=ctx.prompt_filter_results,
        )
    return JsonReply(
        {
            "choices": [
                {
                    "content_filter_results": contentfilter.completion_filter_results(),
                    "finish_reason": c.finish_reason,
                    "index": c.index,
                    "logprobs": {"content": c.logprobs, "refusal": None} if c.logprobs is not None else None,
                    "message": c.message(),
                }
                for c in choices
            ],
            "created": header["created"],
            "id": header["id"],
            "model": header["model"],
            "object": "chat.completion",
            "prompt_filter_results": ctx.prompt_filter_results,
            "system_fingerprint": header["system_fingerprint"],
            "usage": usage,
        }
    )


def _completion_id() -> str:
    return f"chatcmpl-{ids.hex32()}"


def renew(reply: JsonReply) -> JsonReply:
    """A remembered completion as a new one: its own id and creation time."""
    return renew_ids(reply, _completion_id())


def renew_ids(reply: JsonReply, new_id: str) -> JsonReply:
    """``reply`` with a new ``id`` and ``created``. On the serialised bytes the two values are
    swapped in place (each occurs once, the id being random), which is several times cheaper
    than writing the whole body again."""
    assert reply.body is not None
    created = int(time.time())
    body = {**reply.body, "id": new_id, "created": created}
    if reply.encoded is None:
        return JsonReply(body)
    encoded = reply.encoded.replace(f'"id":"{reply.body["id"]}"'.encode(), f'"id":"{new_id}"'.encode(), 1)
    encoded = encoded.replace(b'"created":%d,' % reply.body["created"], b'"created":%d,' % created, 1)
    return JsonReply(body, reply.status, encoded)


@lru_cache(maxsize=256)
def _fingerprint(model: str, version: str) -> str:
    """A stable system_fingerprint per model version, as the service reports one."""
    return "fp_" + format(synth.derive_seed(model, version), "016x")[:10]


def _last_user_text(messages: list[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            return message.text()
    return messages[-1].text()


def _choice(
    index: int,
    seed: int,
    topics: tuple[str, ...],
    req: ChatRequest,
    deployment: Deployment,
    limit: int | None,
    scripted: Scripted | None = None,
) -> Choice:
    encoding = deployment.model.encoding
    choice_seed = synth.mix(seed, index)
    kind = req.response_format.type if req.response_format else "text"
    token_ids: list[int] | None = None
    if scripted is not None:
        return _scripted_choice(index, choice_seed, topics, req, scripted, encoding, limit)
    if kind == "json_object":
        content = text.json_object(choice_seed, topics, encoding)
    elif kind == "json_schema":
        spec = req.response_format.json_schema or {}  # type: ignore[union-attr]
        schema = spec.get("schema") or {"type": "object"}
        try:
            data = schema_data.generate(schema, choice_seed, strict=spec.get("strict") is True)
            content = json.dumps(data, ensure_ascii=False, allow_nan=False)
        except (schema_data.SchemaError, ValueError, TypeError) as exc:
            raise InvalidRequest(
                f"Invalid schema for response_format '{req.response_format.json_schema.get('name')}': {exc}",  # type: ignore[union-attr]
                param="response_format.json_schema.schema",
                code="invalid_value",
            ) from None
    else:
        calls, legacy = chat_tools.decide(req, choice_seed)
        if calls:
            return _call_choice(index, calls, legacy, encoding, limit)
        content, ids = text.reply(choice_seed, topics, deployment.reply_tokens, encoding)
        token_ids = list(ids)
        results = chat_tools.tool_results(req.messages)
        if results:
            # The answer after a tool call takes its results into account: it quotes them.
            content = chat_tools.answer_from_results(results) + " " + content
            token_ids = None
    return _text_choice(index, content, token_ids, req, encoding, limit, choice_seed)


def _text_choice(
    index: int,
    content: str,
    token_ids: list[int] | None,
    req: ChatRequest,
    encoding: str,
    limit: int | None,
    seed: int,
) -> Choice:
    """A text answer as the request shapes it: cut at a stop sequence, then at the token
    budget (finish_reason length), with logprobs when asked. ``token_ids``, when given, are
    ``content``'s own."""
    finish_reason = "stop"
    for stop in req.stop_sequences():
        at = content.find(stop)
        if at != -1:
            content = content[:at]
            token_ids = None
    if token_ids is None:
        token_ids = tokens.encode(content, encoding)
    if limit is not None and len(token_ids) > limit:
        token_ids = token_ids[:limit]
        content = tokens.decode(token_ids, encoding)
        finish_reason = "length"
    logprobs = None
    if req.logprobs:
        logprobs = synth_logprobs.for_tokens(
            tokens.decode_bytes(token_ids, encoding), seed, req.top_logprobs or 0, encoding
        )
    return Choice(index, content, finish_reason, token_ids, logprobs)


def _scripted_choice(
    index: int,
    seed: int,
    topics: tuple[str, ...],
    req: ChatRequest,
    scripted: Scripted,
    encoding: str,
    limit: int | None,
) -> Choice:
    """A reply a configured rule dictates (emulator/replies.py)."""
    if scripted.tool_name is not None:
        call = chat_tools.Call(f"call_{ids.hex32()[:24]}", scripted.tool_name, scripted.arguments or "{}")
        legacy = req.tools is None and req.functions is not None
        choice = _call_choice(index, [call], legacy, encoding, limit)
    else:
        if scripted.tokens is not None:
            prose = text.reply(seed, topics, max(scripted.tokens, 1), encoding)
            content = tokens.decode(list(prose.token_ids[: scripted.tokens]), encoding)
        else:
            content = scripted.text or ""
        choice = _text_choice(index, content, None, req, encoding, limit, seed)
    if scripted.finish_reason is not None:
        choice.finish_reason = scripted.finish_reason
    return choice


def _call_choice(
    index: int, calls: list[chat_tools.Call], legacy: bool, encoding: str, limit: int | None = None
) -> Choice:
    # A call's tokens are its name and arguments, as the model writes them. A budget too small
    # for them cuts the arguments short, and the answer stops for length.
    finish = "function_call" if legacy else "tool_calls"
    kept: list[chat_tools.Call] = []
    written: list[int] = []
    for call in calls:
        name, arguments = tokens.encode(call.name, encoding), tokens.encode(call.arguments, encoding)
        if limit is not None and len(written) + len(name) + len(arguments) > limit:
            room = max(limit - len(written) - len(name), 0)
            kept.append(chat_tools.Call(call.id, call.name, tokens.decode(arguments[:room], encoding)))
            written += name + arguments[:room]
            finish = "length"
            break
        kept.append(call)
        written += name + arguments
    return Choice(index, None, finish, written, None, calls=kept, legacy_call=legacy)


def _usage(prompt_tokens: int, completion_tokens: int, reasoning_tokens: int = 0) -> dict[str, Any]:
    return {
        "completion_tokens": completion_tokens,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": reasoning_tokens,
            "rejected_prediction_tokens": 0,
        },
        "prompt_tokens": prompt_tokens,
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _context_length_exceeded(window: int, prompt_tokens: int, limit: int | None) -> InvalidRequest:
    if limit:
        message = (
            f"This model's maximum context length is {window} tokens. However, you requested "
            f"{prompt_tokens + limit} tokens ({prompt_tokens} in the messages, {limit} in the completion). "
            "Please reduce the length of the messages or completion."
        )
    else:
        message = (
            f"This model's maximum context length is {window} tokens. However, your messages resulted in "
            f"{prompt_tokens} tokens. Please reduce the length of the messages."
        )
    return InvalidRequest(message, param="messages", code="context_length_exceeded")


HANDLER = Handler(request_model=ChatRequest, estimate_tokens=estimate_tokens, check=check, respond=respond, renew=renew)
