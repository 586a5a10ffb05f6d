"""The answer to a chat completion: ``complete`` makes it (the Responses API answers through
it too), ``respond`` writes it as JSON or as the chunk stream (stream.py). Only the body and
the result are this module's; everything around them is the pipeline's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ... import ids, synth, tokens
from ...context import Handler
from ...delivery import JsonReply, Reply, StreamReply
from ...memo import renew_ids
from ...stores import prompt_cache
from ...stores.completions import StoredCompletion
from ...synth import text
from . import audio, data_sources, prediction, reasoning, tools
from .checks import Prepared, check, estimate_tokens, prompt_token_ids
from .choices import last_user_text, make_choice
from .request import ChatRequest
from .stream import Choice, stream_chunks

if TYPE_CHECKING:
    from ...context import RequestContext

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
    # The visible answers, the hidden reasoning, the spoken audio and the prediction's
    # rejected tokens together.
    completion_tokens: int
    reasoning_tokens: int
    cached_tokens: int = 0  # of the prompt tokens, those read from the prompt cache
    prompt_audio_tokens: int = 0
    completion_audio_tokens: int = 0
    accepted_prediction_tokens: int = 0
    rejected_prediction_tokens: int = 0

    def body(self) -> dict[str, Any]:
        return {
            "completion_tokens": self.completion_tokens,
            "completion_tokens_details": {
                "accepted_prediction_tokens": self.accepted_prediction_tokens,
                "audio_tokens": self.completion_audio_tokens,
                "reasoning_tokens": self.reasoning_tokens,
                "rejected_prediction_tokens": self.rejected_prediction_tokens,
            },
            "prompt_tokens": self.prompt_tokens,
            "prompt_tokens_details": {"audio_tokens": self.prompt_audio_tokens, "cached_tokens": self.cached_tokens},
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
    seed = synth.derive_seed(ctx.run_seed, deployment.seed_name, relevant)
    if prepared.heard is not None:
        # From here on the model reads the conversation's sounds as their words.
        req = req.model_copy(update={"messages": prepared.heard.messages})
    topics = text.topics_of(last_user_text(req.messages))
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
    choices = [make_choice(i, seed, topics, req, offered, deployment, visible, scripted) for i in range(req.n or 1)]
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
    spoken = 0
    if audio.speaks(req) and deployment.model.chat_audio is not None:
        for choice in choices:
            if not choice.calls:
                choice.spoken = audio.speak(req, choice.content or "", deployment.model.chat_audio, ctx.services)
                spoken += choice.spoken.audio_tokens
    accepted = rejected = 0
    if req.prediction is not None:
        predicted = tokens.encode(req.prediction.text(), encoding)
        accepted, rejected = prediction.accepted_and_rejected(choices[0].token_ids, predicted)
    written = sum(len(c.token_ids) for c in choices) + spent * len(choices) + spoken + rejected
    # A long prompt's cached tokens depend on the prompts before it: such answers are made
    # afresh each time, never remembered (emulator/memo.py).
    caches = deployment.model.prompt_caching and prepared.prompt_tokens >= prompt_cache.FIRST_TOKENS
    cached = 0
    if caches:
        prompt = prompt_token_ids(req.messages, encoding)
        cached = min(ctx.services.prompt_cache.read_and_keep(deployment.name, prompt), prepared.prompt_tokens)
    return Completion(
        id=_completion_id(),
        created=int(time.time()),
        model=deployment.response_model,
        system_fingerprint=_fingerprint(deployment.model.name, deployment.version),
        choices=choices,
        usage=Usage(
            prepared.prompt_tokens,
            written,
            spent * len(choices),
            cached,
            prompt_audio_tokens=prepared.heard.audio_tokens if prepared.heard is not None else 0,
            completion_audio_tokens=spoken,
            accepted_prediction_tokens=accepted,
            rejected_prediction_tokens=rejected,
        ),
        # Audio heard or spoken depends on what the emulator keeps (the speech it wrote, the
        # answers a turn may name): such answers are made afresh.
        repeatable=not counted and not caches and prepared.heard is None and not spoken and not audio.speaks(req),
    )


def respond(ctx: RequestContext, req: ChatRequest, prepared: Prepared) -> Reply:
    completion = complete(ctx, req, prepared)
    deployment = ctx.deployment
    assert deployment is not None
    if req.store:
        _keep(ctx, req, _body(ctx, completion))
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
            usage=completion.usage.body(),
            finish_reasons=tuple(choice.finish_reason for choice in completion.choices),
        )
    # A stored completion is not remembered: a repeat must be answered, and stored, anew.
    return JsonReply(_body(ctx, completion), repeatable=completion.repeatable and not req.store)


def _body(ctx: RequestContext, completion: Completion) -> dict[str, Any]:
    return {
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


def _keep(ctx: RequestContext, req: ChatRequest, body: dict[str, Any]) -> None:
    """``store: true``: the completion (streamed or not, as the plain answer reads) kept with
    the messages it answered and its metadata."""
    assert ctx.services is not None and ctx.deployment is not None
    sent = [m.model_dump(exclude_none=True) for m in req.messages]
    stored = StoredCompletion({**body, "metadata": dict(req.metadata or {})}, sent, ctx.deployment.name)
    ctx.services.completions.put(stored)


def _completion_id() -> str:
    return f"chatcmpl-{ids.hex32()}"


def renew(reply: JsonReply) -> JsonReply:
    """A remembered completion as a new one: its own id and creation time."""
    return renew_ids(reply, _completion_id())


@lru_cache(maxsize=256)
def _fingerprint(model: str, version: str) -> str:
    """A stable system_fingerprint per model version, as the service reports one."""
    return "fp_" + format(synth.derive_seed(model, version), "016x")[:10]


def prompt_texts(req: ChatRequest, prepared: Prepared) -> list[list[str]]:
    """What the content filter reads: the whole conversation (its audio as words), as one prompt."""
    messages = prepared.heard.messages if prepared.heard is not None else req.messages
    return [[message.text() for message in messages]]


HANDLER = Handler(
    request_model=ChatRequest,
    estimate_tokens=estimate_tokens,
    check=check,
    respond=respond,
    renew=renew,
    prompt_texts=prompt_texts,
)
