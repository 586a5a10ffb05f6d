"""Log-probabilities for generated tokens: structurally what the API returns, and repeatable."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from .. import tokens

# Common tokens offered as the "other candidates" in top_logprobs.
_CANDIDATE_WORDS = (
    " the",
    " a",
    " and",
    " to",
    " of",
    " is",
    " it",
    " that",
    " in",
    " for",
    " you",
    " this",
    " can",
    " with",
    " be",
    " on",
    " as",
    " are",
    " or",
    " an",
    ".",
    ",",
    " not",
    " more",
)


@lru_cache(maxsize=4)
def _candidates(encoding_name: str) -> tuple[bytes, ...]:
    found: list[bytes] = []
    for word in _CANDIDATE_WORDS:
        ids = tokens.encode(word, encoding_name)
        if len(ids) == 1:
            found.extend(tokens.decode_bytes(ids, encoding_name))
    return tuple(found)


def _entry(token: bytes, logprob: float) -> dict[str, Any]:
    return {
        "bytes": list(token),
        "logprob": logprob,
        "token": token.decode("utf-8", errors="backslashreplace"),
    }


def for_tokens(token_bytes: list[bytes], seed: int, top: int, encoding_name: str) -> list[dict[str, Any]]:
    """One logprob entry per token, each with ``top`` alternatives in falling order, the
    chosen token first."""
    rng = random.Random(seed)
    pool = _candidates(encoding_name)
    out: list[dict[str, Any]] = []
    for token in token_bytes:
        logprob = round(-rng.expovariate(6.0), 6)
        entry = _entry(token, logprob)
        alternatives = [_entry(token, logprob)] if top else []
        others = [c for c in pool if c != token]
        current = logprob
        for candidate in rng.sample(others, min(max(top - 1, 0), len(others))):
            current = round(current - rng.uniform(0.5, 3.0), 6)
            alternatives.append(_entry(candidate, current))
        entry["top_logprobs"] = alternatives
        out.append(entry)
    return out
