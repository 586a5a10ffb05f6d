"""What the operations on text share: a prompt or input's items and their tokens (legacy
completions, embeddings), and shaping a generated answer to its request (chat, legacy
completions): cut at the first stop sequence, cut to the token budget, and cut where the
content filter blocks it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import contentfilter, tokens
from ..errors import InvalidRequest


@dataclass(frozen=True)
class Shaped:
    text: str
    token_ids: list[int]
    finish_reason: str  # "stop", or "length" when the budget cut it


def shape(text: str, stops: list[str], limit: int | None, encoding: str, token_ids: list[int] | None = None) -> Shaped:
    """``text`` cut at the first of ``stops`` it holds, then to ``limit`` tokens.
    ``token_ids``, when given, are ``text``'s own (saving an encode)."""
    for stop in stops:
        at = text.find(stop)
        if at != -1:
            text = text[:at]
            token_ids = None
    if token_ids is None:
        token_ids = tokens.encode(text, encoding)
    if limit is not None and len(token_ids) > limit:
        token_ids = token_ids[:limit]
        return Shaped(tokens.decode(token_ids, encoding), token_ids, "length")
    return Shaped(text, token_ids, "stop")


@dataclass(frozen=True)
class Blocked:
    text: str
    token_ids: list[int]
    logprobs: list[dict[str, Any]] | None


def blocked(token_ids: list[int], logprobs: list[dict[str, Any]] | None, encoding: str) -> Blocked:
    """An answer the content filter blocks, cut where the filter acts (its finish_reason is
    then ``content_filter``)."""
    keep = contentfilter.cut_point(len(token_ids))
    kept = token_ids[:keep]
    return Blocked(tokens.decode(kept, encoding), kept, logprobs[:keep] if logprobs is not None else None)


def token_ids(item: str | list[int], param: str, index: int, encoding: str) -> list[int]:
    """A text's tokens, or a token array as given once each id is one the model's vocabulary
    has (Azure's 400 names the first that is not)."""
    if isinstance(item, str):
        return tokens.encode(item, encoding)
    bad = tokens.first_invalid_id(item, encoding)
    if bad is not None:
        raise InvalidRequest(
            f"Invalid '{param}[{index}]': {bad} is not a valid token id for this model.",
            param=param,
            code="invalid_value",
        )
    return item


def items_of(given: str | list[str] | list[int] | list[list[int]]) -> list[Any]:
    """The items of a prompt or input given as a string, strings, a token array or token
    arrays: one per text or token array."""
    if isinstance(given, str):
        return [given]
    if given and isinstance(given[0], int):
        return [given]  # one token array
    return list(given)
