"""A realtime session's input audio buffer and its turn detection: the samples appended and
not yet committed, where the current turn began, and the turns server VAD finds in them.
It sends nothing; the session turns what it reports into events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..audio import Probe, samples_digest
from ..operations.transcriptions import recognise
from ..synth import speech
from . import formats
from .conversation import new_item_id
from .vad import EAGERNESS_SILENCE_MS, FRAME_MS, Detector, SpeechStarted, VadSettings, loud_frames

if TYPE_CHECKING:
    from ..context import Services


@dataclass(frozen=True)
class Started:
    audio_start_ms: int
    item_id: str


@dataclass(frozen=True)
class Turn:
    """A turn server VAD ended: its samples, to be committed as ``item_id``."""

    audio_end_ms: int
    item_id: str
    samples: np.ndarray


class Listener:
    def __init__(self, input_config: dict[str, Any]) -> None:
        # The buffer as the chunks appended (joined only when a turn or a commit takes from
        # it): a microphone's 20 ms appends would otherwise copy all that is held, each time.
        self._chunks: list[np.ndarray] = []
        self._held = 0  # samples in the chunks
        self._start = 0  # the sample (since the session began) the buffer starts at
        self._turn_start: int | None = None
        self._turn_item: str | None = None
        self.detector: Detector | None = None
        self.format = "audio/pcm"
        self.configure(input_config)

    def configure(self, input_config: dict[str, Any]) -> None:
        """The session's input format and turn detection, as ``session.update`` left them."""
        self.format = str(input_config["format"].get("type", "audio/pcm"))
        detection = input_config["turn_detection"]
        if detection is None:
            self.detector = None
            return
        if detection["type"] == "server_vad":
            settings = VadSettings(
                detection["threshold"], detection["prefix_padding_ms"], detection["silence_duration_ms"]
            )
        else:
            settings = VadSettings(silence_duration_ms=EAGERNESS_SILENCE_MS[detection.get("eagerness") or "auto"])
        detector = Detector(settings, self.rate)
        detector.position = detector._framed = self.position
        self.detector = detector

    @property
    def rate(self) -> int:
        return formats.rate(self.format)

    @property
    def position(self) -> int:
        """Samples written since the session began."""
        return self._start + self._held

    @property
    def position_ms(self) -> int:
        return self.position * 1000 // self.rate

    @property
    def held_ms(self) -> float:
        return self._held * 1000 / self.rate

    def _joined(self) -> np.ndarray:
        if len(self._chunks) != 1:
            self._chunks = [np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)]
        return self._chunks[0]

    def append(self, samples: np.ndarray) -> list[Started | Turn]:
        self._chunks.append(samples)
        self._held += len(samples)
        if self.detector is None:
            return []
        found: list[Started | Turn] = []
        for event in self.detector.feed(samples):
            if isinstance(event, SpeechStarted):
                self._turn_start = event.start_sample
                self._turn_item = new_item_id()
                found.append(Started(event.audio_start_ms, self._turn_item))
                continue
            begin = max((self._turn_start or self._start) - self._start, 0)
            end = event.end_sample - self._start
            held = self._joined()
            found.append(Turn(event.audio_end_ms, self._turn_item or new_item_id(), held[begin:end]))
            self._chunks = [held[end:]]
            self._held = len(self._chunks[0])
            self._start = event.end_sample
            self._turn_start = self._turn_item = None
        return found

    def take(self) -> tuple[np.ndarray, str]:
        """Everything held, to be committed, and the item it becomes; the buffer is then empty."""
        samples, item_id = self._joined(), self._turn_item or new_item_id()
        self.clear()
        return samples, item_id

    def clear(self) -> None:
        self._start += self._held
        self._chunks, self._held = [], 0
        self._turn_start = self._turn_item = None
        if self.detector is not None:
            self.detector.reset()


def words_in(samples: np.ndarray, rate: int, services: Services, encoding: str) -> str:
    """What the audio says: the emulator's own speech word for word, silence nothing, other
    sound as prose."""
    frame = rate * FRAME_MS // 1000
    if not loud_frames(samples, frame, VadSettings.threshold).any():
        return ""
    seconds = len(samples) / rate
    original = services.speech_memory.recall(samples_digest(samples)) if rate == speech.SAMPLE_RATE else None
    data = samples.astype("<i2").tobytes()
    return recognise(data, Probe("wav", max(seconds, 0.1), None), original, encoding)
