"""Reasoning models (o-series): what they refuse, and the hidden tokens they spend.

Azure's rules for these deployments: they need a recent api-version ("Model {modelName} is
enabled only for api versions 2024-12-01-preview and later", with the placeholder left in,
as the service sends it); ``max_tokens`` is refused in favour of ``max_completion_tokens``;
sampling parameters may only keep their defaults; ``logprobs`` is not supported. Their
answers bill hidden reasoning tokens as output (``completion_tokens_details.
reasoning_tokens``), and the completion budget covers both: a budget the reasoning uses up
leaves an empty answer that stops for ``length``.
"""

from __future__ import annotations

from ...errors import InvalidRequest
from ...models import ModelInfo, check_api_version
from ...wording import unsupported_parameter
from .request import ChatRequest

# Reasoning tokens spent for each effort, before the visible answer (a fixed figure per
# effort keeps answers deterministic; real models vary with the question).
REASONING_TOKENS = {"low": 64, "medium": 192, "high": 576}
_DEFAULTS = {"temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0}


def check(req: ChatRequest, model: ModelInfo, api_version: str) -> None:
    if not model.reasoning:
        if req.reasoning_effort is not None:
            raise unsupported_parameter("reasoning_effort")
        return
    check_api_version(model, api_version)
    if req.max_tokens is not None:
        raise unsupported_parameter("max_tokens", "Use 'max_completion_tokens' instead.")
    for name, default in _DEFAULTS.items():
        value = getattr(req, name)
        if value is not None and value != default:
            raise InvalidRequest(
                f"Unsupported value: '{name}' does not support {value:g} with this model. "
                f"Only the default ({default}) value is supported.",
                param=name,
                code="unsupported_value",
            )
    if req.logprobs:
        raise unsupported_parameter("logprobs")


def reasoning_tokens(req: ChatRequest, model: ModelInfo) -> int:
    if not model.reasoning:
        return 0
    return REASONING_TOKENS[req.reasoning_effort or "medium"]
