"""What Azure would bill a request for, read from the answer the emulator made: tokens in,
cached and out, images, characters spoken and seconds of audio heard or spoken.

The answer says it in one of the usage forms the operations send (chat and completions,
the Responses API, embeddings), or, where the client is not shown all of it (a stream
without ``include_usage``, images, speech, transcripts), in the reply's own ``usage``. Read
once per request, when it is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..delivery import Reply


class Billed(NamedTuple):
    input_tokens: int = 0
    cached_tokens: int = 0  # of the input tokens, those read from the prompt cache
    output_tokens: int = 0
    images: int = 0
    characters: int = 0  # text turned into speech
    audio_seconds: float = 0.0  # audio heard (transcribed, translated) or spoken


# The last usage read, and what it bills: a remembered answer given again (emulator/memo.py)
# carries the same usage object each time, so repeats are read once. Holding the object
# keeps the identity check sound.
_last: tuple[object, Billed | None] = (None, None)


def billed(reply: Reply | None) -> Billed | None:
    """What the reply bills, or None for answers that bill nothing (errors, stored resources).
    On every request's path: a few dictionary reads at most."""
    global _last
    if reply is None:
        return None
    usage = getattr(reply, "usage", None)
    if usage is None:
        body = getattr(reply, "body", None)
        usage = body.get("usage") if body is not None else None
    if usage is _last[0]:
        return _last[1]
    found = _read(usage) if isinstance(usage, dict) else None
    _last = (usage, found)
    return found


def _read(usage: dict[str, Any]) -> Billed:
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details")
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    return Billed(
        prompt if prompt is not None else usage.get("input_tokens") or 0,
        (details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,
        completion if completion is not None else usage.get("output_tokens") or 0,
        usage.get("images") or 0,
        usage.get("characters") or 0,
        usage.get("seconds") or 0.0,
    )
