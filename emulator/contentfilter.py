"""Azure's content-filter annotations.

Every prompt and completion Azure serves carries these results. The default policy finds
nothing: the four severity categories are "safe" and the detectors report nothing detected.
"""

from __future__ import annotations

from typing import Any

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


def prompt_filter_results(prompt_count: int = 1) -> list[dict[str, Any]]:
    return [{"prompt_index": index, "content_filter_results": SAFE_PROMPT_RESULTS} for index in range(prompt_count)]


def completion_filter_results() -> dict[str, Any]:
    return SAFE_COMPLETION_RESULTS
