"""Content filtering: Azure's annotations, and refusals a test can trigger on purpose.

Nothing is classified by chance: markers in the messages say what the content holds.

    [[cf:hate=high]]                 the prompt carries hate at high severity
    [[cf:jailbreak]]                 the prompt is a jailbreak attempt
    [[cf:completion:violence=low]]   the answer will carry violence at low severity

Categories are hate, sexual, violence and self_harm; severities low, medium and high. The
deployment's policy (data/content_filters.yaml) decides what is blocked: a prompt at or over
a category's prompt threshold (or a jailbreak, with prompt shields on) is refused with
Azure's 400; an answer at or over a completion threshold is cut where the filter acts and
ends with ``finish_reason: content_filter``. Below the threshold, or with ``annotate_only``,
the severity is reported with ``filtered: false``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .errors import AzureError
from .yamlfiles import packaged

CATEGORIES = ("hate", "self_harm", "sexual", "violence")
_RANK = {"safe": 0, "low": 1, "medium": 2, "high": 3, "never": 4}
_MARKER = re.compile(
    r"\[\[cf:(?:(?P<target>prompt|completion):)?(?P<name>[a-z_]+)(?:=(?P<severity>low|medium|high))?\]\]"
)
_SAFE = {"filtered": False, "severity": "safe"}
_NOT_DETECTED = {"filtered": False, "detected": False}
_BLOCKED_PROMPT = (
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify "
    "your prompt and retry. To learn more about our content filtering policies please read our documentation: "
    "https://go.microsoft.com/fwlink/?linkid=2198766"
)

# Keys in Azure's (alphabetical) order. Shared, never mutated: they are only serialised.
SAFE_PROMPT_RESULTS: dict[str, Any] = {
    "hate": _SAFE,
    "jailbreak": _NOT_DETECTED,
    "self_harm": _SAFE,
    "sexual": _SAFE,
    "violence": _SAFE,
}
SAFE_COMPLETION_RESULTS: dict[str, Any] = {
    "hate": _SAFE,
    "protected_material_code": _NOT_DETECTED,
    "protected_material_text": _NOT_DETECTED,
    "self_harm": _SAFE,
    "sexual": _SAFE,
    "violence": _SAFE,
}


@dataclass(frozen=True)
class Policy:
    name: str
    prompt: dict[str, str]
    completion: dict[str, str]
    jailbreak: bool = True
    annotate_only: bool = False


@lru_cache(maxsize=1)
def load_policies() -> dict[str, Policy]:
    raw = packaged("content_filters.yaml")["policies"]
    return {name: Policy(name=name, **fields) for name, fields in raw.items()}


@dataclass(frozen=True)
class Verdict:
    """What the filter found in one prompt or answer, and whether it blocks it."""

    results: dict[str, Any]
    blocked: bool = False
    found: dict[str, str] = field(default_factory=dict)  # category -> severity


def _marks(texts: list[str], target: str) -> tuple[dict[str, str], bool]:
    found: dict[str, str] = {}
    jailbreak = False
    for text in texts:
        if "[[cf:" not in text:
            continue
        for match in _MARKER.finditer(text):
            if (match["target"] or "prompt") != target:
                continue
            name, severity = match["name"], match["severity"] or "medium"
            if name == "jailbreak":
                jailbreak = True
            elif name in CATEGORIES and _RANK[severity] > _RANK[found.get(name, "safe")]:
                found[name] = severity
    return found, jailbreak


def _verdict(found: dict[str, str], thresholds: dict[str, str], policy: Policy, extra: dict[str, Any]) -> Verdict:
    blocked = False
    results: dict[str, Any] = {}
    for category in CATEGORIES:
        severity = found.get(category, "safe")
        filtered = (
            not policy.annotate_only
            and severity != "safe"
            and _RANK[severity] >= _RANK[thresholds.get(category, "never")]
        )
        blocked = blocked or filtered
        results[category] = {"filtered": filtered, "severity": severity}
    for key, value in extra.items():
        blocked = blocked or value["filtered"]
        results[key] = value
    return Verdict(dict(sorted(results.items())), blocked, found)


def judge_prompt(texts: list[str], policy: Policy) -> Verdict:
    """The prompt's results; ``blocked`` when the policy refuses it."""
    if not any("[[cf:" in t for t in texts):
        return Verdict(SAFE_PROMPT_RESULTS)
    found, jailbreak = _marks(texts, "prompt")
    shield = {"filtered": jailbreak and policy.jailbreak and not policy.annotate_only, "detected": jailbreak}
    return _verdict(found, policy.prompt, policy, {"jailbreak": shield})


def judge_completion(texts: list[str], policy: Policy) -> Verdict:
    """What the answer will hold, from ``completion:`` markers in the prompt."""
    if not any("[[cf:" in t for t in texts):
        return Verdict(SAFE_COMPLETION_RESULTS)
    found, _ = _marks(texts, "completion")
    extra = {"protected_material_code": _NOT_DETECTED, "protected_material_text": _NOT_DETECTED}
    return _verdict(found, policy.completion, policy, extra)


class PromptFiltered(AzureError):
    """A prompt the policy blocks: Azure's 400, with ``innererror`` (not the spec's
    ``inner_error``) and ``content_filter_result`` in the singular (service.md 4.6)."""

    status = 400

    def __init__(self, results: dict[str, Any]) -> None:
        super().__init__(
            {
                "message": _BLOCKED_PROMPT,
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": results},
            }
        )


def prompt_filter_results(prompt_count: int = 1) -> list[dict[str, Any]]:
    return [{"prompt_index": index, "content_filter_results": SAFE_PROMPT_RESULTS} for index in range(prompt_count)]


def completion_filter_results() -> dict[str, Any]:
    return SAFE_COMPLETION_RESULTS


def cut_point(token_count: int) -> int:
    """Where the filter acts on an answer it blocks: halfway, so the client sees a partial
    answer, as it would when the service's filter catches up with generation."""
    return token_count // 2
