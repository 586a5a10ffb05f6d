"""Content filtering: Azure's annotations, and refusals a test can trigger on purpose.

Nothing is classified by chance: markers in the messages say what the content holds.

    [[cf:hate=high]]                 the prompt carries hate at high severity
    [[cf:jailbreak]]                 the prompt is a jailbreak attempt
    [[cf:indirect_attack]]           the prompt carries an attack hidden in a document
    [[cf:profanity]]                 the prompt (or, with completion:, the answer) has profanity
    [[cf:completion:violence=low]]   the answer will carry violence at low severity
    [[cf:completion:protected_material_text]]  the answer will quote protected text
    [[cf:completion:protected_material_code]]  ... or protected code (with a citation)

A policy may also list terms per category and severity, and named blocklists of terms or
regular expressions (``re:`` prefix), matched in the prompt.

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
from typing import TYPE_CHECKING, Any

from .errors import PromptFiltered
from .yamlfiles import packaged

if TYPE_CHECKING:
    from .context import Handler, RequestContext

CATEGORIES = ("hate", "self_harm", "sexual", "violence")
_RANK = {"safe": 0, "low": 1, "medium": 2, "high": 3, "never": 4}
_MARKER = re.compile(
    r"\[\[cf:(?:(?P<target>prompt|completion):)?(?P<name>[a-z_]+)(?:=(?P<severity>low|medium|high))?\]\]"
)
_SAFE = {"filtered": False, "severity": "safe"}
_NOT_DETECTED = {"filtered": False, "detected": False}

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


_CITATION = {"URL": "https://github.com/example/protected-code", "license": "GPL-3.0"}


@dataclass(frozen=True)
class Policy:
    name: str
    prompt: dict[str, str]
    completion: dict[str, str]
    jailbreak: bool = True
    indirect_attack: bool = True
    protected_material: bool = True
    profanity: bool = False
    annotate_only: bool = False
    # Asynchronous Filter mode: streams flow unbuffered and the verdicts follow as separate
    # annotation frames (see emulator/filterstream.py).
    asynchronous: bool = False
    # Default (synchronous) mode: a paced stream is released in groups of this many events,
    # as the filter buffers content and lets it go in chunks (content-streaming docs; the
    # buffer's real size is not published).
    buffer_tokens: int = 8
    # category -> severity -> terms found in a prompt at that severity
    terms: dict[str, dict[str, list[str]]] = field(default_factory=dict, hash=False)
    # name -> terms (or "re:" regular expressions) that block a prompt
    blocklists: dict[str, list[str]] = field(default_factory=dict, hash=False)


@lru_cache(maxsize=1)
def load_policies() -> dict[str, Policy]:
    raw = packaged("content_filters.yaml")["policies"]
    return {name: Policy(name=name, **fields) for name, fields in raw.items()}


def _term_hits(texts: list[str], policy: Policy, found: dict[str, str]) -> None:
    joined = "\n".join(texts).lower()
    for category, by_severity in policy.terms.items():
        for severity, terms in by_severity.items():
            if any(re.search(rf"\b{re.escape(term.lower())}\b", joined) for term in terms):
                if _RANK[severity] > _RANK[found.get(category, "safe")]:
                    found[category] = severity


def _blocklist_hits(texts: list[str], policy: Policy) -> list[str]:
    joined = "\n".join(texts)
    hits = []
    for name, entries in policy.blocklists.items():
        for entry in entries:
            pattern = entry[3:] if entry.startswith("re:") else rf"\b{re.escape(entry)}\b"
            if re.search(pattern, joined, flags=re.IGNORECASE):
                hits.append(name)
                break
    return hits


@dataclass(frozen=True)
class Verdict:
    """What the filter found in one prompt or answer, and whether it blocks it."""

    results: dict[str, Any]
    blocked: bool = False
    found: dict[str, str] = field(default_factory=dict)  # category -> severity


def _marks(texts: list[str], target: str) -> tuple[dict[str, str], set[str]]:
    """Severities per category, and the detectors (jailbreak, profanity ...) marked."""
    found: dict[str, str] = {}
    detected: set[str] = set()
    for text in texts:
        if "[[cf:" not in text:
            continue
        for match in _MARKER.finditer(text):
            if (match["target"] or "prompt") != target:
                continue
            name, severity = match["name"], match["severity"] or "medium"
            if name in CATEGORIES:
                if _RANK[severity] > _RANK[found.get(name, "safe")]:
                    found[name] = severity
            else:
                detected.add(name)
    return found, detected


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
        blocked = blocked or bool(value.get("filtered"))
        results[key] = value
    return Verdict(dict(sorted(results.items())), blocked, found)


def _detector(detected: bool, on: bool, policy: Policy) -> dict[str, Any]:
    return {"filtered": detected and on and not policy.annotate_only, "detected": detected}


def judge_prompt(texts: list[str], policy: Policy) -> Verdict:
    """The prompt's results; ``blocked`` when the policy refuses it."""
    if not any("[[cf:" in t for t in texts) and not policy.terms and not policy.blocklists:
        return Verdict(SAFE_PROMPT_RESULTS)
    found, detected = _marks(texts, "prompt")
    _term_hits(texts, policy, found)
    extra: dict[str, Any] = {"jailbreak": _detector("jailbreak" in detected, policy.jailbreak, policy)}
    if "indirect_attack" in detected:
        extra["indirect_attack"] = _detector(True, policy.indirect_attack, policy)
    if "profanity" in detected:
        extra["profanity"] = _detector(True, policy.profanity, policy)
    hits = _blocklist_hits(texts, policy)
    if hits:
        blocked = not policy.annotate_only
        extra["custom_blocklists"] = {"details": [{"filtered": blocked, "id": h} for h in hits], "filtered": blocked}
    verdict = _verdict(found, policy.prompt, policy, extra)
    return Verdict(verdict.results, verdict.blocked, {**found, **{d: "detected" for d in detected}})


def judge_completion(texts: list[str], policy: Policy) -> Verdict:
    """What the answer will hold, from ``completion:`` markers in the prompt."""
    if not any("[[cf:" in t for t in texts):
        return Verdict(SAFE_COMPLETION_RESULTS)
    found, detected = _marks(texts, "completion")
    code = _detector("protected_material_code" in detected, policy.protected_material, policy)
    if code["detected"]:
        code["citation"] = _CITATION
    extra: dict[str, Any] = {
        "protected_material_code": code,
        "protected_material_text": _detector("protected_material_text" in detected, policy.protected_material, policy),
    }
    if "profanity" in detected:
        extra["profanity"] = _detector(True, policy.profanity, policy)
    verdict = _verdict(found, policy.completion, policy, extra)
    return Verdict(verdict.results, verdict.blocked, {**found, **{d: "detected" for d in detected}})


# What the service reports in place of the categories when its filter could not run.
FILTER_ERROR_RESULTS: dict[str, Any] = {
    "error": {"code": "content_filter_error", "message": "The contents are not filtered"}
}


def prompt_filter_results(prompt_count: int = 1) -> list[dict[str, Any]]:
    return [{"prompt_index": index, "content_filter_results": SAFE_PROMPT_RESULTS} for index in range(prompt_count)]


def completion_filter_results() -> dict[str, Any]:
    return SAFE_COMPLETION_RESULTS


def cut_point(token_count: int) -> int:
    """Where the filter acts on an answer it blocks: halfway, so the client sees a partial
    answer, as it would when the service's filter catches up with generation."""
    return token_count // 2


def custom_policy(name: str, base: Policy, changes: dict[str, Any]) -> Policy:
    """``base`` with the changes a configuration file makes (thresholds merge per category)."""
    fields = {k: v for k, v in changes.items() if v is not None and k != "base"}
    fields["prompt"] = {**base.prompt, **fields.get("prompt", {})}
    fields["completion"] = {**base.completion, **fields.get("completion", {})}
    merged = {**base.__dict__, **fields, "name": name}
    return Policy(**merged)


def screen_prompts(ctx: RequestContext, handler: Handler, parsed: Any, prepared: Any) -> None:
    """The deployment's content-filter policy on each prompt: Azure's 400 for a blocked
    one; otherwise its annotations, and what the filter will find in the answer. A
    scenario's ``filter_error`` stands in for the filter where it fails: an error object
    instead of categories, and nothing blocked."""
    prompts = handler.prompt_texts(parsed, prepared) if handler.prompt_texts else None
    if prompts is None:
        ctx.prompt_filter_results = prompt_filter_results()
        return
    assert ctx.deployment is not None
    policy = ctx.deployment.content_filter
    failing = ctx.faults.filter_error.on if ctx.faults and ctx.faults.filter_error else []
    results = []
    for index, texts in enumerate(prompts):
        if "prompt" in failing:
            results.append({"prompt_index": index, "content_filter_results": FILTER_ERROR_RESULTS})
            continue
        verdict = judge_prompt(texts, policy)
        if verdict.blocked:
            if handler.refuse_prompt is not None:
                raise handler.refuse_prompt(ctx, parsed, verdict.results)
            raise PromptFiltered(verdict.results)
        results.append({"prompt_index": index, "content_filter_results": verdict.results})
    ctx.prompt_filter_results = results
    if "completion" in failing:
        ctx.completion_verdict = Verdict(FILTER_ERROR_RESULTS, found={"error": "error"})
    else:
        ctx.completion_verdict = judge_completion([t for texts in prompts for t in texts], policy)
