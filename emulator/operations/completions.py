"""Legacy completions: ``POST .../completions`` (gpt-35-turbo-instruct, davinci-002 ...).

Only the body and the result are this module's; everything around them is the pipeline's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from .. import contentfilter, ids, synth, tokens
from ..contentfilter import Verdict
from ..context import Handler
from ..delivery import JsonReply, Reply, StreamReply
from ..errors import InvalidRequest
from ..filterstream import TrailingVerdicts
from ..memo import renew_ids
from ..synth import logprobs as synth_logprobs
from ..synth import text
from ..wording import empty_array
from .answer import blocked, items_of, shape
from .fields import Strict, check_stream_options, stop_sequences

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..deployments import Deployment

_DEFAULT_MAX_TOKENS = 16
# Prompts times candidates (n or best_of): one request's work stays bounded.
MAX_COMPLETIONS = 2048
# Parameters that do not change what the model writes (see chat's _NOT_IN_SEED).
# The prompt is left out too: each prompt's text joins its own seed, so a prompt gets the same
# text whether sent as text or tokens, alone or in a batch.
_NOT_IN_SEED = {
    "prompt",
    "stream",
    "stream_options",
    "max_tokens",
    "stop",
    "n",
    "best_of",
    "user",
    "logprobs",
    "echo",
    "model",
}


class CompletionsRequest(Strict):
    prompt: str | list[str] | list[int] | list[list[int]]
    model: str | None = None
    max_tokens: int | None = Field(default=None, ge=0)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=128)
    best_of: int | None = Field(default=None, ge=0, le=20)
    stream: bool | None = None
    stream_options: dict[str, Any] | None = None
    logprobs: int | None = Field(default=None, ge=0, le=5)
    echo: bool | None = None
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    logit_bias: dict[str, Annotated[int, Field(ge=-100, le=100)]] | None = None
    user: str | None = None
    suffix: str | None = None
    seed: int | None = None
    completion_config: str | None = None

    def stop_sequences(self) -> list[str]:
        return stop_sequences(self.stop)


def estimate_tokens(body: dict[str, Any], deployment: Deployment) -> int:
    """The prompt from its characters, plus max_tokens for each candidate (best_of or n)."""
    prompt = body.get("prompt")
    items = prompt if isinstance(prompt, list) else [prompt]
    characters = sum(len(p) if isinstance(p, str) else 4 * len(p) if isinstance(p, list) else 4 for p in items)
    limit = body.get("max_tokens")
    limit = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0 else _DEFAULT_MAX_TOKENS
    candidates = max(_positive(body.get("n")), _positive(body.get("best_of")))
    return characters // 4 + limit * candidates * max(len(items), 1)


def _positive(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


@dataclass(frozen=True)
class Prompts:
    """What the checks work out: each prompt's text and tokens."""

    items: tuple[tuple[str, list[int]], ...]


def check(ctx: RequestContext, req: CompletionsRequest) -> Prompts:
    deployment = ctx.deployment
    assert deployment is not None
    n = req.n or 1
    if req.best_of is not None and req.best_of < n:
        raise InvalidRequest("best_of must be greater than or equal to n.", param="best_of", code="invalid_value")
    if req.stream and (req.best_of or 1) > 1:
        raise InvalidRequest(
            "Cannot stream results with best_of greater than 1.", param="best_of", code="invalid_value"
        )
    if req.echo and req.logprobs is not None:
        # What the service says for gpt-35-turbo-instruct (research notes).
        raise InvalidRequest(
            "Setting 'echo' and 'logprobs' at the same time is not supported for this model.", param="echo"
        )
    check_stream_options(req.stream_options, req.stream)
    model = deployment.model
    items = items_of(req.prompt)
    if not items:
        raise empty_array("prompt")
    candidates = max(n, req.best_of or 1)
    if len(items) * candidates > MAX_COMPLETIONS:
        raise InvalidRequest(
            f"Too many completions requested: {len(items)} prompts x {candidates} candidates is over "
            f"{MAX_COMPLETIONS}.",
            param="n",
            code="invalid_value",
        )
    prompts: list[tuple[str, list[int]]] = []
    limit = req.max_tokens if req.max_tokens is not None else _DEFAULT_MAX_TOKENS
    for index, item in enumerate(items):
        if isinstance(item, str):
            ids = tokens.encode(item, model.encoding)
            prompts.append((item, ids))
        else:
            bad = tokens.first_invalid_id(item, model.encoding)
            if bad is not None:
                raise InvalidRequest(
                    f"Invalid 'prompt[{index}]': {bad} is not a valid token id for this model.",
                    param="prompt",
                    code="invalid_value",
                )
            prompts.append((tokens.decode(item, model.encoding), item))
        used = len(prompts[-1][1])
        if used + limit > model.context_window:
            # The classic completions wording (the chat one differs).
            raise InvalidRequest(
                f"This model's maximum context length is {model.context_window} tokens, however you requested "
                f"{used + limit} tokens ({used} in your prompt; {limit} for the completion). Please reduce your "
                "prompt; or completion length.",
                param="prompt",
                code="context_length_exceeded",
            )
    return Prompts(tuple(prompts))


@dataclass
class Candidate:
    text: str
    token_ids: list[int]
    finish_reason: str
    score: float
    logprobs: list[dict[str, Any]] | None
    filter_results: dict[str, Any] = field(default_factory=contentfilter.completion_filter_results)


def respond(ctx: RequestContext, req: CompletionsRequest, prompts: Prompts) -> Reply:
    deployment = ctx.deployment
    assert deployment is not None
    encoding = deployment.model.encoding
    seed = synth.derive_seed(
        ctx.run_seed, deployment.model.name, req.model_dump(exclude=_NOT_IN_SEED, exclude_none=True)
    )
    n = req.n or 1
    candidates_per_prompt = max(req.best_of or 1, n)
    choices: list[tuple[int, str, Candidate]] = []
    completion_tokens = 0
    for p, (prompt, _) in enumerate(prompts.items):
        topics = text.topics_of(prompt)
        prompt_seed = synth.derive_seed(seed, prompt)
        candidates = [
            _candidate(synth.mix(prompt_seed, j), topics, req, encoding) for j in range(candidates_per_prompt)
        ]
        verdict = ctx.completion_verdict
        for candidate in candidates if verdict is not None and verdict.found else ():
            _filter(candidate, verdict, encoding)  # type: ignore[arg-type]
        completion_tokens += sum(len(c.token_ids) for c in candidates)
        # best_of: the server keeps the n candidates the model liked best.
        kept = sorted(candidates, key=lambda c: -c.score)[:n] if candidates_per_prompt > n else candidates
        for j, candidate in enumerate(kept):
            choices.append((p * n + j, prompt, candidate))
    prompt_tokens = sum(len(ids) for _, ids in prompts.items)
    usage = {
        "completion_tokens": completion_tokens,
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    header = {"id": _completion_id(), "created": int(time.time()), "model": deployment.response_model}
    prompt_results = ctx.prompt_filter_results
    if req.stream:
        include_usage = bool(req.stream_options and req.stream_options.get("include_usage"))
        return StreamReply(
            _stream_chunks(
                header,
                choices,
                req,
                usage if include_usage else None,
                encoding,
                asynchronous=deployment.content_filter.asynchronous,
            ),
            prompt_filter_results=prompt_results,
        )
    return JsonReply(
        {
            "choices": [
                {
                    "content_filter_results": candidate.filter_results,
                    "finish_reason": candidate.finish_reason,
                    "index": index,
                    "logprobs": _legacy_logprobs(candidate.logprobs, len(prompt))
                    if candidate.logprobs is not None
                    else None,
                    "text": (prompt + candidate.text) if req.echo else candidate.text,
                }
                for index, prompt, candidate in choices
            ],
            "created": header["created"],
            "id": header["id"],
            "model": header["model"],
            "object": "text_completion",
            "prompt_filter_results": prompt_results,
            "usage": usage,
        }
    )


def _completion_id() -> str:
    return f"cmpl-{ids.hex32()}"


def renew(reply: JsonReply) -> JsonReply:
    """A remembered completion as a new one: its own id and creation time."""
    return renew_ids(reply, _completion_id())


def _candidate(seed: int, topics: tuple[str, ...], req: CompletionsRequest, encoding: str) -> Candidate:
    # Instruct models usually open with a blank line before the answer.
    content = "\n\n" + text.reply(seed, topics, 48, encoding).text
    limit = req.max_tokens if req.max_tokens is not None else _DEFAULT_MAX_TOKENS
    shaped = shape(content, req.stop_sequences(), limit, encoding)
    entries = synth_logprobs.for_tokens(
        tokens.decode_bytes(shaped.token_ids, encoding), seed, req.logprobs or 0, encoding
    )
    score = sum(e["logprob"] for e in entries) / max(len(entries), 1)
    logprobs = entries if req.logprobs is not None else None
    return Candidate(shaped.text, shaped.token_ids, shaped.finish_reason, score, logprobs)


def _filter(candidate: Candidate, verdict: Verdict, encoding: str) -> None:
    """What the content filter finds in a candidate; a blocked one is cut where it acts."""
    candidate.filter_results = verdict.results
    if verdict.blocked:
        cut = blocked(candidate.token_ids, candidate.logprobs, encoding)
        candidate.text, candidate.token_ids, candidate.logprobs = cut.text, cut.token_ids, cut.logprobs
        candidate.finish_reason = "content_filter"


def _legacy_logprobs(entries: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """The completions API's shape: parallel lists, and each token's character offset,
    counted from the start of the prompt."""
    offsets: list[int] = []
    position = start
    for entry in entries:
        offsets.append(position)
        position += len(entry["token"])
    return {
        "text_offset": offsets,
        "token_logprobs": [e["logprob"] for e in entries],
        "tokens": [e["token"] for e in entries],
        "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in entries],
    }


def _stream_chunks(
    header: dict[str, Any],
    choices: list[tuple[int, str, Candidate]],
    req: CompletionsRequest,
    usage: dict[str, Any] | None,
    encoding: str,
    asynchronous: bool = False,
) -> Iterator[dict[str, Any]]:
    """The text_completion events; in Asynchronous Filter mode the filter's verdicts trail
    the content in frames of their own (emulator/filterstream.py)."""

    def chunk(body: dict[str, Any] | None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "choices": [body] if body is not None else [],
            "created": header["created"],
            "id": header["id"],
            "model": header["model"],
            "object": "text_completion",
        }
        if usage is not None:
            event["usage"] = None
        return event

    for index, prompt, candidate in choices:
        offset = 0
        position = len(prompt)
        verdicts = TrailingVerdicts(index, candidate.filter_results, usage is not None, asynchronous)
        if req.echo:
            yield chunk(_piece(index, prompt, None, asynchronous=asynchronous))
        for piece, piece_ids in tokens.pieces(candidate.token_ids, encoding):
            logprobs = None
            if candidate.logprobs is not None:
                logprobs = _legacy_logprobs(candidate.logprobs[offset : offset + len(piece_ids)], position)
            offset += len(piece_ids)
            position += len(piece)
            yield chunk(_piece(index, piece, logprobs, candidate.filter_results, asynchronous))
            yield from verdicts.after(piece)
        finish = {"finish_reason": candidate.finish_reason, "index": index, "logprobs": None, "text": ""}
        yield from verdicts.close(
            candidate.finish_reason, chunk(finish if asynchronous else {"content_filter_results": {}, **finish})
        )
    if usage is not None:
        final = chunk(None)
        final["usage"] = usage
        yield final


def _piece(
    index: int,
    piece: str,
    logprobs: dict[str, Any] | None,
    results: dict[str, Any] | None = None,
    asynchronous: bool = False,
) -> dict[str, Any]:
    body = {"finish_reason": None, "index": index, "logprobs": logprobs, "text": piece}
    if asynchronous:
        return body
    return {
        "content_filter_results": results if results is not None else contentfilter.completion_filter_results(),
        **body,
    }


def prompt_texts(req: CompletionsRequest, prompts: Prompts) -> list[list[str]]:
    """What the content filter reads: each prompt on its own."""
    return [[text] for text, _ in prompts.items]


HANDLER = Handler(
    request_model=CompletionsRequest,
    estimate_tokens=estimate_tokens,
    check=check,
    respond=respond,
    renew=renew,
    prompt_texts=prompt_texts,
)
