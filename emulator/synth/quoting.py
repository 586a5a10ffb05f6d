"""Quoted text in a prompt: what the instruction layer and the tool arguments both read as
one literal value, in straight or curly quotes."""

from __future__ import annotations

QUOTED = r"\"[^\"]+\"|'[^']+'|“[^”]+”|‘[^’]+’"
_PAIRS = ('""', "''", "“”", "‘’")


def unquote(value: str) -> str:
    """``value`` without the quotes around it, if it has a matching pair."""
    value = value.strip()
    if len(value) >= 2 and value[0] + value[-1] in _PAIRS:
        return value[1:-1]
    return value
