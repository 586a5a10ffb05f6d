"""Speech-like audio for text to speech: deterministic, quick to make, paced like speech.

Each word becomes voiced syllables (a pitch contour with a few harmonics under a smooth
envelope) separated by short pauses, at a natural speaking rate of about 14 characters a
second, scaled by ``speed``. A voice is a base pitch and a timbre (the weight of its
harmonics), so voices sound different; nothing here is intelligible, and it need not be:
the emulator's transcription recognises its own audio by a tag (emulator/audio/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from . import derive_seed

SAMPLE_RATE = 24_000
CHARS_PER_SECOND = 14.0  # about 150 words a minute
EDGE_S = 0.12  # silence before the first word and after the last
_VOWELS = re.compile(r"[aeiouyAEIOUY]+|[^\x00-\x7f]")
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True)
class Voice:
    pitch_hz: float
    harmonics: tuple[float, ...]  # the weight of each harmonic, the fundamental first
    vibrato: float = 0.01


# Deeper or brighter, steadier or livelier: enough that two voices never sound alike.
VOICES: dict[str, Voice] = {
    "alloy": Voice(175, (1.0, 0.5, 0.3, 0.15)),
    "echo": Voice(118, (1.0, 0.7, 0.35, 0.2, 0.1)),
    "fable": Voice(150, (1.0, 0.4, 0.45, 0.1), vibrato=0.02),
    "onyx": Voice(95, (1.0, 0.8, 0.5, 0.3, 0.15)),
    "nova": Voice(215, (1.0, 0.35, 0.2, 0.1)),
    "shimmer": Voice(240, (1.0, 0.25, 0.3, 0.05), vibrato=0.025),
    "ash": Voice(128, (1.0, 0.6, 0.25, 0.15)),
    "ballad": Voice(140, (1.0, 0.45, 0.35, 0.25), vibrato=0.03),
    "coral": Voice(205, (1.0, 0.5, 0.15, 0.1)),
    "sage": Voice(165, (1.0, 0.3, 0.3, 0.2)),
    "verse": Voice(158, (1.0, 0.55, 0.4, 0.1), vibrato=0.015),
    "cedar": Voice(108, (1.0, 0.65, 0.45, 0.2), vibrato=0.012),
    "marin": Voice(195, (1.0, 0.4, 0.25, 0.15), vibrato=0.018),
}


def duration_s(text: str, speed: float) -> float:
    """How long ``text`` takes to say at ``speed``."""
    return len(text.strip()) / (CHARS_PER_SECOND * speed) + 2 * EDGE_S


def synthesize(text: str, voice: str, speed: float = 1.0, style: str | None = None) -> np.ndarray:
    """``text`` spoken by ``voice``: mono int16 samples at SAMPLE_RATE."""
    character = VOICES[voice]
    rng = np.random.default_rng(derive_seed("speech", text, voice, speed, style or ""))
    # Instructions ("speak cheerfully") shift the voice a little, the same way each time.
    lift = 1.0 + (derive_seed("style", style) % 21 - 10) / 100 if style else 1.0
    total = int(duration_s(text, speed) * SAMPLE_RATE)
    pitch = np.full(total, character.pitch_hz * lift, dtype=np.float32)
    loudness = np.zeros(total, dtype=np.float32)
    seconds_per_char = 1 / (CHARS_PER_SECOND * speed)
    cursor = int(EDGE_S * SAMPLE_RATE)
    words = _WORDS.findall(text) or [text]
    for word in words:
        span = int((len(word) + 1) * seconds_per_char * SAMPLE_RATE)
        voiced = int(span * 0.8)  # the rest is the pause after the word
        syllables = max(1, len(_VOWELS.findall(word)))
        edges = np.linspace(cursor, cursor + voiced, syllables + 1).astype(int)
        for start, end in zip(edges[:-1], edges[1:]):
            if end <= start or start >= total:
                continue
            end = min(end, total)
            n = end - start
            loudness[start:end] = np.hanning(n + 2)[1:-1] * rng.uniform(0.6, 1.0)
            glide = np.linspace(rng.uniform(0.9, 1.15), rng.uniform(0.85, 1.1), n, dtype=np.float32)
            pitch[start:end] *= glide
        cursor += span
    # The pitch falls a little over each sentence, as speech does.
    pitch *= np.linspace(1.05, 0.92, total, dtype=np.float32)
    t = np.arange(total, dtype=np.float32) / SAMPLE_RATE
    pitch *= 1 + character.vibrato * np.sin(2 * np.pi * 5.5 * t)
    phase = np.cumsum(2 * np.pi * pitch / SAMPLE_RATE, dtype=np.float64).astype(np.float32)
    wave = np.zeros(total, dtype=np.float32)
    for k, weight in enumerate(character.harmonics, start=1):
        wave += weight * np.sin(k * phase)
    wave *= loudness / sum(character.harmonics)
    return (wave * 0.6 * 32767).astype(np.int16)
