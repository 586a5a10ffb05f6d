"""The legacy completions request body, what it reserves against the quota, and the checks
it passes before anything is written (each prompt's text and tokens, ``Prompts``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from ... import tokens
from ...errors import InvalidRequest
from ...wording import empty_array
from .. import estimates
from ..answer import items_of, token_ids
from ..fields import Strict, check_stream_options, stop_sequences

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...deployments import Deployment

DEFAULT_MAX_TOKENS = 16
# Prompts times candidates (n or best_of): one request's work stays bounded.
MAX_COMPLETIONS = 2048


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
    limit = estimates.whole(body.get("max_tokens"), DEFAULT_MAX_TOKENS, least=0)
    candidates = max(estimates.whole(body.get("n"), 1), estimates.whole(body.get("best_of"), 1))
    return estimates.prompt_tokens(characters) + limit * candidates * max(len(items), 1)


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
    limit = req.max_tokens if req.max_tokens is not None else DEFAULT_MAX_TOKENS
    for index, item in enumerate(items):
        ids = token_ids(item, "prompt", index, model.encoding)
        prompts.append((item if isinstance(item, str) else tokens.decode(ids, model.encoding), ids))
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


def prompt_texts(req: CompletionsRequest, prompts: Prompts) -> list[list[str]]:
    """What the content filter reads: each prompt on its own."""
    return [[text] for text, _ in prompts.items]
