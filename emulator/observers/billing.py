"""What Azure would bill a request for, read from the answer the emulator made: tokens in,
cached and out, images, characters spoken and seconds of audio heard or spoken.

The answer says it in one of the usage forms the operations send (chat and completions,
the Responses API, embeddings, images), or, where the client is not shown a count (a stream
without ``include_usage``, speech, transcripts), in the reply's own ``usage``. Read once per
request, when it is recorded.
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

    def plus(self, other: Billed) -> Billed:
        return Billed(
            self.input_tokens + other.input_tokens,
            self.cached_tokens + other.cached_tokens,
            self.output_tokens + other.output_tokens,
            self.images + other.images,
            self.characters + other.characters,
            round(self.audio_seconds + other.audio_seconds, 3),
        )


def billed(reply: Reply | None) -> Billed | None:
    """What the reply bills, or None for answers that bill nothing (errors, stored resources)."""
    if reply is None or getattr(reply, "status", 200) >= 400:
        return None
    usage = getattr(reply, "usage", None)
    body = getattr(reply, "body", None)
    if usage is None and isinstance(body, dict):
        usage = body.get("usage")
    images = _images(body)
    if not isinstance(usage, dict):
        return Billed(images=images) if images else None
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
    return Billed(
        input_tokens=_int(usage.get("prompt_tokens", usage.get("input_tokens"))),
        cached_tokens=_int(details.get("cached_tokens") if isinstance(details, dict) else 0),
        output_tokens=_int(usage.get("completion_tokens", usage.get("output_tokens"))),
        images=images,
        characters=_int(usage.get("characters")),
        audio_seconds=float(usage.get("seconds") or 0.0),
    )


def _images(body: Any) -> int:
    # Image generations and edits: a list of images under "data", each a url or b64_json.
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return 0
    return sum(1 for item in body["data"] if isinstance(item, dict) and ("b64_json" in item or "url" in item))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
