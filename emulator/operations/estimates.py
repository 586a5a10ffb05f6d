"""Counting rules for the tokens a request reserves against its deployment's quota, before
its body is validated: Azure estimates the prompt from its characters (a token per four)
and adds the completion budget (docs quota.md, shared/reference/service.md 4.5). The body is
not checked yet, so anything unexpected in it simply counts as nothing."""

from __future__ import annotations

from typing import Any

# The budget charged when a request names none, as Microsoft's simulator charges it.
DEFAULT_BUDGET = 16


def whole(value: Any, default: int, least: int = 1) -> int:
    """``value`` if it is an integer of at least ``least`` (not a boolean), else ``default``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= least else default


def characters(content: Any) -> int:
    """The characters of a message's content: a string, or parts with ``text``."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(len(p["text"]) for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return 0


def prompt_tokens(character_count: int) -> int:
    return character_count // 4


def input_tokens(item: Any) -> int:
    """An embeddings input: a token per four characters of text and one for the input (as
    Microsoft's simulator counts), a token array's length, or one for a single token."""
    if isinstance(item, str):
        return len(item) // 4 + 1
    if isinstance(item, list):
        return len(item)
    return 1 if isinstance(item, int) and not isinstance(item, bool) else 0
