"""The text tag in the speech files the emulator writes: how its transcription gets the text
back from them, even in another emulator process."""

from __future__ import annotations

import base64
import binascii

TAG = "aoai-emulator-speech:"
WAV_TEXT_CHUNK = b"aoai"  # a private RIFF chunk: players skip chunks they do not know


def tag(text: str) -> str:
    # Base64, so no container's text encoding can mangle it.
    return TAG + base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


def untag(comment: str | bytes | None) -> str | None:
    """The text in a file's comment, or None when the comment is not the emulator's tag."""
    if isinstance(comment, bytes):
        comment = comment.decode("latin-1")
    if not comment or not comment.startswith(TAG):
        return None
    try:
        return base64.b64decode(comment[len(TAG) :], validate=True).decode("utf-8", "surrogatepass")
    except (binascii.Error, UnicodeDecodeError):
        return None
