"""Uploads recognised by their content (not their name): their format, their real duration
and, for speech the emulator wrote, its text (tags.py) or its samples' digest (what
``SpeechMemory`` keeps for raw PCM, which has nowhere to carry a tag)."""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass

import numpy as np
import soundfile

from .durations import mp4_duration, mpeg_ps_duration, webm_duration
from .tags import WAV_TEXT_CHUNK, untag

SPEECH_RATE = 24_000
_MAX_FRAMES = SPEECH_RATE * 60 * 30  # longer uploads are not read sample by sample


@dataclass(frozen=True)
class Probe:
    """What an uploaded file is."""

    kind: str  # wav, flac, ogg, mp3, mp4, webm, mpeg
    duration_s: float
    text: str | None  # the text of speech the emulator wrote, when it carries one
    samples_digest: bytes | None = None  # lossless 24 kHz mono uploads: what SpeechMemory knows


class NotAudio(Exception):
    """The upload is not audio in a format the service takes, or is damaged."""


def probe(data: bytes) -> Probe:
    """The upload's format and duration, judged from its bytes."""
    kind = _sniff(data)
    if kind is None:
        raise NotAudio("unrecognised format")
    if kind in ("mp4", "webm"):
        duration = mp4_duration(data) if kind == "mp4" else webm_duration(data)
        if duration is None:
            raise NotAudio(f"damaged {kind} file")
        return Probe(kind, duration, None)
    if kind == "mpeg":
        duration = mpeg_ps_duration(data)
        if duration is None:
            raise NotAudio("damaged MPEG program stream")
        return Probe(kind, duration, None)
    # The rest libsndfile reads, durations included.
    digest = None
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as sound:
            frames, rate = sound.frames, sound.samplerate
            comment = sound.comment
            if kind in ("wav", "flac") and sound.channels == 1 and rate == SPEECH_RATE and 0 < frames <= _MAX_FRAMES:
                digest = samples_digest(sound.read(dtype="int16"))
    except (RuntimeError, soundfile.LibsndfileError, TypeError, ValueError) as exc:
        raise NotAudio(str(exc)) from None
    if rate <= 0 or frames <= 0:
        raise NotAudio("no audio in the file")
    text = untag(comment) if kind != "wav" else _wav_text(data)
    return Probe(kind, frames / rate, text, digest)


def samples_digest(samples: np.ndarray) -> bytes:
    """The digest of the sound between its first and last non-zero sample: the silence
    around speech (a realtime turn's padding) does not change what it says."""
    voiced = np.flatnonzero(samples)
    if len(voiced):
        samples = samples[voiced[0] : voiced[-1] + 1]
    return hashlib.sha256(samples.astype("<i2").tobytes()).digest()


def _sniff(data: bytes) -> str | None:
    head = data[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _wav_text(data: bytes) -> str | None:
    position = 12
    while position + 8 <= len(data):
        name, size = data[position : position + 4], struct.unpack_from("<I", data, position + 4)[0]
        if name == WAV_TEXT_CHUNK:
            return untag(data[position + 8 : position + 8 + size])
        position += 8 + size + (size % 2)
    return None
