"""The audio answers of chat completions lately given, by their id: a later turn may name one
(``{"role": "assistant", "audio": {"id": ...}}``) instead of repeating it, until it expires."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .bounded import Bounded


@dataclass(frozen=True)
class SpokenAnswer:
    transcript: str
    audio_tokens: int  # what the model hears when the answer is named again
    expires_at: int  # Unix seconds


class ChatAudioStore(Protocol):
    def put(self, audio_id: str, answer: SpokenAnswer) -> None: ...

    def get(self, audio_id: str) -> SpokenAnswer | None: ...


class MemoryChatAudioStore:
    """In this process, the newest ``capacity`` answers (their audio is not kept: a turn that
    names one needs only what was said)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._answers: Bounded[SpokenAnswer] = Bounded(capacity)

    def put(self, audio_id: str, answer: SpokenAnswer) -> None:
        self._answers.put(audio_id, answer)

    def get(self, audio_id: str) -> SpokenAnswer | None:
        return self._answers.get(audio_id)
