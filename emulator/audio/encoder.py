"""Speech encoded as a file in each format the service writes, carrying its text (tags.py)
where the format has room for it. soundfile (libsndfile) writes mp3, flac and Ogg/Opus; WAV
is written here, with its own chunk for the tag; AAC needs the optional ``av`` package."""

from __future__ import annotations

import io
import struct

import numpy as np
import soundfile

from ..errors import InvalidRequest
from .tags import WAV_TEXT_CHUNK, tag

AAC_EXTRA = "pip install 'aoai-emulator[aac]'"
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
# format -> libsndfile's container, subtype and compression level (None: its default). Opus at
# 0.8 encodes about three times faster than at the default, at about 50 kbps instead of 28.
_SOUNDFILE_FORMATS: dict[str, tuple[str, str, float | None]] = {
    "mp3": ("MP3", "MPEG_LAYER_III", None),
    "flac": ("FLAC", "PCM_16", None),
    "opus": ("OGG", "OPUS", 0.8),
}


def encode(samples: np.ndarray, sample_rate: int, fmt: str, text: str) -> bytes:
    """``samples`` (mono int16) as a file of ``fmt``, carrying ``text`` where it can."""
    if fmt == "pcm":
        return samples.astype("<i2").tobytes()
    if fmt == "wav":
        return _wav(samples, sample_rate, text)
    if fmt == "aac":
        return _aac(samples, sample_rate)
    container, subtype, level = _SOUNDFILE_FORMATS[fmt]
    out = io.BytesIO()
    options = {} if level is None else {"compression_level": level}
    with soundfile.SoundFile(out, "w", sample_rate, 1, format=container, subtype=subtype, **options) as sound:
        sound.comment = tag(text)
        sound.write(samples)
    return out.getvalue()


def aac_available() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _wav(samples: np.ndarray, sample_rate: int, text: str) -> bytes:
    data = samples.astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, sample_rate, sample_rate * 2, 2, 16)
    text_tag = tag(text).encode("ascii")
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    if len(data) % 2:
        chunks += b"\0"
    chunks += WAV_TEXT_CHUNK + struct.pack("<I", len(text_tag)) + text_tag + (b"\0" if len(text_tag) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def _aac(samples: np.ndarray, sample_rate: int) -> bytes:
    try:
        import av
    except ImportError:
        raise InvalidRequest(
            f"response_format 'aac' needs the optional AAC encoder, which this emulator was installed without: "
            f"{AAC_EXTRA}",
            param="response_format",
            code="unsupported_value",
        ) from None
    out = io.BytesIO()
    with av.open(out, "w", format="adts") as container:
        stream = container.add_stream("aac", rate=sample_rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
