"""Input audio transcription: the ``conversation.item.input_audio_transcription`` events of
a committed turn, the words in the pieces the model streams them in (whisper-1 all at once,
the gpt-4o transcribe models word by word), and their usage as each model bills it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import tokens

if TYPE_CHECKING:
    from .session import Session


def pieces(words: str, model: str) -> list[str]:
    if model == "whisper-1":
        return [words]
    split = words.split(" ")
    return [w + " " for w in split[:-1]] + split[-1:]


def usage(words: str, seconds: float, model: str, heard_per_second: float, encoding: str) -> dict[str, Any]:
    """whisper-1 is billed by the second; the others by the tokens heard and written."""
    if model == "whisper-1":
        return {"type": "duration", "seconds": round(seconds, 3)}
    heard = round(seconds * heard_per_second)
    written = tokens.count(words, encoding)
    return {
        "type": "tokens",
        "input_tokens": heard,
        "output_tokens": written,
        "total_tokens": heard + written,
        "input_token_details": {"text_tokens": 0, "audio_tokens": heard},
    }


async def send(session: Session, item: dict[str, Any], words: str, seconds: float, model: str) -> None:
    """The transcript of ``item`` (a committed turn), as deltas then the whole; the item keeps it."""
    for piece in pieces(words, model):
        await session.emit(
            "conversation.item.input_audio_transcription.delta", item_id=item["id"], content_index=0, delta=piece
        )
    item["content"][0]["transcript"] = words
    billed = usage(words, seconds, model, session.abilities.heard_tokens_per_second, session.deployment.model.encoding)
    await session.emit(
        "conversation.item.input_audio_transcription.completed",
        item_id=item["id"],
        content_index=0,
        transcript=words,
        usage=billed,
    )
