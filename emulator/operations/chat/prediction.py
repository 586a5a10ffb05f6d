"""Predicted outputs (``prediction``): text the answer is expected to repeat, such as a file
regenerated with a small change.

The answer reuses the prediction as a model editing code would: the edits the user's last
message asks for in words it can read ("replace the `username` property with an `email`
property", "rename total to sum") are made, and the rest is kept as predicted. Usage then
counts the prediction's tokens the answer kept (``accepted_prediction_tokens``) and those it
did not (``rejected_prediction_tokens``, billed as completion tokens, as the service bills
them).

The parameter's restrictions are the service's (the predicted-outputs how-to): only the
GPT-4o and GPT-4.1 families take it (data/models.yaml ``predicted_outputs``); ``n`` above 1,
``logprobs``, positive ``presence_penalty``/``frequency_penalty``, audio, ``max_completion_
tokens`` and tools are refused beside it. The refusals' wording follows the service's
"Unsupported parameter/value" sentences; the exact texts for this parameter were not captured.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ...errors import InvalidRequest
from ...models import ModelInfo
from ...wording import unsupported_parameter
from .request import ChatRequest

# Parameters refused outright beside a prediction, and those refused above a bound: the
# service's list.
_REFUSED = ("logprobs", "max_completion_tokens", "tools", "functions", "audio")
_BOUNDED = {"n": 1, "presence_penalty": 0, "frequency_penalty": 0}

_NOUNS = r"(?:property|field|variable|function|method|class|key|attribute|column|parameter|argument|name|word)"
_NAME = r"[\"'`]?(?P<{}>[\w$.-]+?)[\"'`]?"
_EDIT = re.compile(
    r"\b(?:replace|rename|change|swap)\s+(?:the\s+|all\s+|every\s+)?"
    + _NAME.format("old")
    + rf"(?:\s+{_NOUNS}s?)?\s+(?:with|to|into|for|by)\s+(?:an?\s+|the\s+)?"
    + _NAME.format("new")
    + rf"(?=[\s.,;:!?]|$)(?:\s+{_NOUNS}s?)?",
    re.IGNORECASE,
)


def check(req: ChatRequest, model: ModelInfo) -> None:
    if req.prediction is None:
        return
    if not model.predicted_outputs:
        raise unsupported_parameter("prediction")
    for name in _REFUSED:
        if getattr(req, name) not in (None, False):
            raise _conflict(name)
    if req.modalities is not None and "audio" in req.modalities:
        raise _conflict("modalities")
    for name, most in _BOUNDED.items():
        value = getattr(req, name)
        if value is not None and value > most:
            raise InvalidRequest(
                f"Unsupported value: '{name}' does not support {value:g} with predicted outputs. "
                f"Only values of {most} or less are supported.",
                param=name,
                code="unsupported_value",
            )


def _conflict(name: str) -> InvalidRequest:
    return InvalidRequest(
        f"Unsupported parameter: '{name}' is not supported with predicted outputs.",
        param=name,
        code="unsupported_parameter",
    )


def edited(predicted: str, asked: str | None) -> str:
    """The prediction with the renamings the user asked for made, whole words only."""
    for match in _EDIT.finditer(asked or ""):
        old, new = match["old"], match["new"]
        predicted = re.sub(rf"(?<![\w$]){re.escape(old)}(?![\w$])", new.replace("\\", "\\\\"), predicted)
    return predicted


def accepted_and_rejected(answer: list[int], predicted: list[int]) -> tuple[int, int]:
    """How many of the prediction's tokens the answer kept, in order, and how many it did not."""
    matcher = SequenceMatcher(None, predicted, answer, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    return kept, len(predicted) - kept
