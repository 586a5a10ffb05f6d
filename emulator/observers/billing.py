"""What Azure would bill a request for, read from the answer the emulator made: tokens in,
cached and out, images, characters spoken and seconds of audio heard or spoken.

The answer says it in one of the usage forms the operations send (chat and completions,
the Responses API, embeddings), or, where the client is not shown all of it (a stream
without ``include_usage``, images, speech, transcripts), in the reply's own ``usage``. Read
once per request, when it is recorded.
"""

from __future__ import annotations

from typing import NamedTuple

from ..delivery import FileReply, JsonReply, Reply


class Billed(NamedTuple):
    input_tokens: int = 0
    cached_tokens: int = 0  # of the input tokens, those read from the prompt cache
    output_tokens: int = 0
    images: int = 0
    characters: int = 0  # text turned into speech
    audio_seconds: float = 0.0  # audio heard (transcribed, translated) or spoken


def billed(reply: Reply | None) -> Billed | None:
    """What the reply bills, or None for answers that bill nothing (errors, stored resources).
    On every request's path: a few dictionary reads, nothing more."""
    if reply is None:
        return None
    usage = reply.usage if not isinstance(reply, FileReply) else None
    body = reply.body if isinstance(reply, JsonReply) else None
    if usage is None and body is not None:
        usage = body.get("usage")
    if not isinstance(usage, dict):
        return None
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
