"""The answer to a chat completion: ``complete`` makes it (the Responses API answers through
it too), ``respond`` writes it as JSON or as the chunk stream (stream.py). Only the body and
the result are this module's; everything around them is the pipeline's.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ... import ids, synth, tokens
from ...context import Handler
from ...delivery import JsonReply, Reply, StreamReply
from ...errors import InvalidRequest
from ...memo import renew_ids
from ...replies import Scripted
from ...synth import logprobs as synth_logprobs
from ...synth import schema_data, text
from ..answer import shape
from . import data_sources, reasoning, tools
from .checks import Prepared, check, estimate_tokens
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


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int  # the visible answers and the hidden reasoning together
    reasoning_tokens: int

    def body(self) -> dict[str, Any]:
        return {
            "completion_tokens": self.completion_tokens,
            "completion_tokens_details": {
                "accepted_prediction_tokens": 0,
                "audio_tokens": 0,
                "reasoning_tokens": self.reasoning_tokens,
                "rejected_prediction_tokens": 0,
            },
            "prompt_tokens": self.prompt_tokens,
            "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


@dataclass(frozen=True)
class Completion:
    """A chat answer, before it is written as JSON or as a stream."""

    id: str
    created: int
    model: str
    system_fingerprint: str
    choices: list[Choice]
    usage: Usage
    # False when a counting scripted reply answered: the same request may get another
    # answer next time, so it is not remembered (emulator/memo.py).
    repeatable: bool = True

    def header(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": self.system_fingerprint,
        }


def complete(ctx: RequestContext, req: ChatRequest, prepared: Prepared) -> Completion:
    """The answer to a checked request: its choices (generated, scripted, calling tools,
    citing retrieved documents, cut by the content filter) and its usage."""
    deployment = ctx.deployment
    assert deployment is not None and ctx.services is not None
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
    offered = prepared.offered
    scripted, counted = ctx.services.replies.answer(deployment.name, req.messages, offered.names, ctx.request_headers)
    if scripted is not None and scripted.tool_name is not None and not tools.allows(req, offered, scripted.tool_name):
        # A scripted call the request does not allow (the tool is not offered, tool_choice
        # is none or forces another) gives way to the generator.
        scripted = None
    choices = [_choice(i, seed, topics, req, offered, deployment, visible, scripted) for i in range(req.n or 1)]
    if prepared.context is not None:
        cited = len(prepared.context["citations"])
        for choice in choices:
            choice.context = prepared.context
            if choice.content is not None and not choice.calls:
                choice.content = data_sources.cite(choice.content, cited)
                choice.token_ids = tokens.encode(choice.content, encoding)
    if ctx.completion_verdict is not None and ctx.completion_verdict.found:
        for choice in choices:
            choice.filter(ctx.completion_verdict, encoding)
    written = sum(len(c.token_ids) for c in choices) + spent * len(choices)
    return Completion(
        id=_completion_id(),
        created=int(time.time()),
        model=deployment.response_model,
        system_fingerprint=_fingerprint(deployment.model.name, deployment.version),
        choices=choices,
        usage=Usage(prepared.prompt_tokens, written, spent * len(choices)),
        repeatable=not counted,
    )


def respond(ctx: RequestContext, req: ChatRequest, prepared: Prepared) -> Reply:
    completion = complete(ctx, req, prepared)
    deployment = ctx.deployment
    assert deployment is not None
    if req.stream:
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        return StreamReply(
            stream_chunks(
                completion.header(),
                completion.choices,
                completion.usage.body() if include_usage else None,
                deployment.model.encoding,
                asynchronous=deployment.content_filter.asynchronous,
            ),
            prompt_filter_results=ctx.prompt_filter_results,
        )
    body = {
        "choices": [
            {
                "content_filter_results": c.filter_results,
                "finish_reason": c.finish_reason,
                "index": c.index,
                "logprobs": {"content": c.logprobs, "refusal": None} if c.logprobs is not None else None,
                "message": c.message(),
            }
            for c in completion.choices
        ],
        "created": completion.created,
        "id": completion.id,
        "model": completion.model,
        "object": "chat.completion",
        "prompt_filter_results": ctx.prompt_filter_results,
        "system_fingerprint": completion.system_fingerprint,
        "usage": completion.usage.body(),
    }
    return JsonReply(body, repeatable=completion.repeatable)


def _completion_id() -> str:
    return f"chatcmpl-{ids.hex32()}"


def renew(reply: JsonReply) -> JsonReply:
    """A remembered completion as a new one: its own id and creation time."""
    return renew_ids(reply, _completion_id())


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
    offered: tools.Offered,
    deployment: Deployment,
    limit: int | None,
    scripted: Scripted | None = None,
) -> Choice:
    encoding = deployment.model.encoding
    choice_seed = synth.mix(seed, index)
    kind = req.response_format.type if req.response_format else "text"
    token_ids: list[int] | None = None
    if scripted is not None:
        return _scripted_choice(index, choice_seed, topics, req, offered, scripted, encoding, limit)
    if kind == "json_object":
        content = text.json_object(choice_seed, topics, encoding)
    elif kind == "json_schema":
        content = _structured(req, choice_seed)
    else:
        calls = tools.decide(req, offered, choice_seed)
        if calls:
            return _call_choice(index, calls, offered.legacy, encoding, limit)
        content, generated = text.reply(choice_seed, topics, deployment.reply_tokens, encoding)
        token_ids = list(generated)
        results = tools.tool_results(req.messages)
        if results:
            # The answer after a tool call takes its results into account: it quotes them.
            content = tools.answer_from_results(results) + " " + content
            token_ids = None
    return _text_choice(index, content, token_ids, req, encoding, limit, choice_seed)


def _structured(req: ChatRequest, seed: int) -> str:
    """Content for ``response_format: json_schema``: data that validates against the schema."""
    spec = (req.response_format.json_schema if req.response_format else None) or {}
    schema = spec.get("schema") or {"type": "object"}
    try:
        data = schema_data.generate(schema, seed, strict=spec.get("strict") is True)
        return json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (schema_data.SchemaError, ValueError, TypeError) as exc:
        raise InvalidRequest(
            f"Invalid schema for response_format '{spec.get('name')}': {exc}",
            param="response_format.json_schema.schema",
            code="invalid_value",
        ) from None


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
    budget, with logprobs when asked."""
    shaped = shape(content, req.stop_sequences(), limit, encoding, token_ids)
    logprobs = None
    if req.logprobs:
        logprobs = synth_logprobs.for_tokens(
            tokens.decode_bytes(shaped.token_ids, encoding), seed, req.top_logprobs or 0, encoding
        )
    return Choice(index, shaped.text, shaped.finish_reason, shaped.token_ids, logprobs)


def _scripted_choice(
    index: int,
    seed: int,
    topics: tuple[str, ...],
    req: ChatRequest,
    offered: tools.Offered,
    scripted: Scripted,
    encoding: str,
    limit: int | None,
) -> Choice:
    """A reply a configured rule dictates (emulator/replies.py)."""
    if scripted.tool_name is not None:
        call = tools.Call(f"call_{ids.hex32()[:24]}", scripted.tool_name, scripted.arguments or "{}")
        choice = _call_choice(index, [call], offered.legacy, encoding, limit)
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


def prompt_texts(req: ChatRequest, prepared: Prepared) -> list[list[str]]:
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
