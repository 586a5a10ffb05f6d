"""The answer to a legacy completion: candidates per prompt (``best_of`` keeps the ones the
model liked best), cut by stop sequences, the token budget and the content filter, written
as JSON or as the ``text_completion`` stream (stream.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import contentfilter, ids, synth, tokens
from ...contentfilter import Verdict
from ...delivery import JsonReply, Reply, StreamReply
from ...memo import renew_ids
from ...synth import instructions, text
from ...synth import logprobs as synth_logprobs
from ..answer import blocked, shape
from .request import DEFAULT_MAX_TOKENS, CompletionsRequest, Prompts
from .stream import legacy_logprobs, stream_chunks

if TYPE_CHECKING:
    from ...context import RequestContext

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
            _candidate(synth.mix(prompt_seed, j), prompt, topics, req, encoding) for j in range(candidates_per_prompt)
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
            stream_chunks(
                header,
                choices,
                req,
                usage if include_usage else None,
                encoding,
                asynchronous=deployment.content_filter.asynchronous,
            ),
            prompt_filter_results=prompt_results,
            usage=usage,
        )
    return JsonReply(
        {
            "choices": [
                {
                    "content_filter_results": candidate.filter_results,
                    "finish_reason": candidate.finish_reason,
                    "index": index,
                    "logprobs": legacy_logprobs(candidate.logprobs, len(prompt))
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


def _candidate(seed: int, prompt: str, topics: tuple[str, ...], req: CompletionsRequest, encoding: str) -> Candidate:
    # A literal request is answered as asked (emulator/synth/instructions.py); otherwise
    # prose, opening with the blank line instruct models usually write first.
    literal = instructions.literal_reply(prompt, seed)
    content = literal if literal is not None else "\n\n" + text.reply(seed, topics, 48, encoding).text
    limit = req.max_tokens if req.max_tokens is not None else DEFAULT_MAX_TOKENS
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
