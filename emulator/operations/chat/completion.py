"""Chat completions: ``POST .../chat/completions``.

Only the body and the result are this module's; everything around them is the pipeline's.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ... import ids, synth, tokens
from ...context import Handler
from ...delivery import JsonReply, Reply, StreamReply
from ...errors import InvalidRequest
from ...replies import Scripted
from ...synth import logprobs as synth_logprobs
from ...synth import schema_data, text
from . import data_sources, reasoning, tools
from .checks import check, estimate_tokens
from .request import ChatMessage, ChatRequest
from .stream import Choice, stream_chunks

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...deployments import Deployment

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


def respond(ctx: RequestContext, req: ChatRequest) -> Reply:
    deployment = ctx.deployment
    assert deployment is not None
    encoding = deployment.model.encoding
    # The seed comes from the validated request, so 1 and 1.0 are the same temperature.
    relevant = req.model_dump(exclude=set(_NOT_IN_SEED), exclude_none=True)
    seed = synth.derive_seed(ctx.run_seed, deployment.model.name, relevant)
    topics = text.topics_of(_last_user_text(req.messages))
    thinking = reasoning.reasoning_tokens(req, deployment.model)
    limit = req.completion_limit
    # The budget covers hidden reasoning and the visible answer together.
    visible = None if limit is None else max(limit - thinking, 0)
    spent = thinking if limit is None else min(thinking, limit)
    offered = [f.name for f in tools.functions(req)[0]]
    scripted, counted = (
        ctx.services.replies.answer(deployment.name, req.messages, offered, ctx.request_headers)
        if ctx.services
        else (None, False)
    )
    ctx.no_memo = counted
    if scripted is not None and scripted.tool_name is not None and not tools.allows(req, scripted.tool_name):
        # A scripted call the request does not allow (the tool is not offered, tool_choice
        # is none or forces another) gives way to the generator.
        scripted = None
    choices = [_choice(i, seed, topics, req, deployment, visible, scripted) for i in range(req.n or 1)]
    if req._context is not None:
        cited = len(req._context["citations"])
        for choice in choices:
            choice.context = req._context
            if choice.content is not None and not choice.calls:
                choice.content = data_sources.cite(choice.content, cited)
                choice.token_ids = tokens.encode(choice.content, encoding)
    if ctx.completion_verdict is not None and ctx.completion_verdict.found:
        for choice in choices:
            choice.filter(ctx.completion_verdict, encoding)
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
            stream_chunks(
                header,
                choices,
                usage if include_usage else None,
                encoding,
                asynchronous=deployment.content_filter.asynchronous,
            ),
            prompt_filter_results=ctx.prompt_filter_results,
        )
    return JsonReply(
        {
            "choices": [
                {
                    "content_filter_results": c.filter_results,
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
        calls, legacy = tools.decide(req, choice_seed)
        if calls:
            return _call_choice(index, calls, legacy, encoding, limit)
        content, ids = text.reply(choice_seed, topics, deployment.reply_tokens, encoding)
        token_ids = list(ids)
        results = tools.tool_results(req.messages)
        if results:
            # The answer after a tool call takes its results into account: it quotes them.
            content = tools.answer_from_results(results) + " " + content
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
        call = tools.Call(f"call_{ids.hex32()[:24]}", scripted.tool_name, scripted.arguments or "{}")
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


def _call_choice(index: int, calls: list[tools.Call], legacy: bool, encoding: str, limit: int | None = None) -> Choice:
    # A call's tokens are its name and arguments, as the model writes them. A budget too small
    # for them cuts the arguments short, and the answer stops for length.
    finish = "function_call" if legacy else "tool_calls"
    kept: list[tools.Call] = []
    written: list[int] = []
    for call in calls:
        name, arguments = tokens.encode(call.name, encoding), tokens.encode(call.arguments, encoding)
        if limit is not None and len(written) + len(name) + len(arguments) > limit:
            room = max(limit - len(written) - len(name), 0)
            kept.append(tools.Call(call.id, call.name, tokens.decode(arguments[:room], encoding)))
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


def prompt_texts(req: ChatRequest) -> list[list[str]]:
    """What the content filter reads: the whole conversation, as one prompt."""
    return [[message.text() for message in req.messages]]


HANDLER = Handler(
    request_model=ChatRequest,
    estimate_tokens=estimate_tokens,
    check=check,
    respond=respond,
    renew=renew,
    prompt_texts=prompt_texts,
)
