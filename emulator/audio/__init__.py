"""Audio files in and out: speech encoded in each format the service writes, and uploads
recognised by their content (not their name) with their real duration.

Speech the emulator writes carries its text in the file's own metadata (a Vorbis comment, an
ID3 comment, a RIFF chunk), so transcribing it gives the text back even in another emulator
process. Raw PCM has nowhere to put it: the emulator remembers the samples of the speech it
wrote (``SpeechMemory``), so PCM a client wraps in a WAV file (the only way to upload it) is
recognised too. soundfile (libsndfile) encodes mp3, flac, Ogg/Opus and wav and reads
their durations; MP4/M4A and WebM durations are read from their headers here; AAC needs the
optional ``av`` package (the ``aac`` extra).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import struct
from dataclasses import dataclass

import numpy as np
import soundfile

from ..errors import InvalidRequest

TAG = "aoai-emulator-speech:"
SPEECH_RATE = 24_000
_MAX_FRAMES = SPEECH_RATE * 60 * 30  # longer uploads are not read sample by sample
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
_WAV_TEXT_CHUNK = b"aoai"  # a private RIFF chunk: players skip chunks they do not know


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
        sound.comment = _tag(text)
        sound.write(samples)
    return out.getvalue()


def aac_available() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _tag(text: str) -> str:
    # Base64, so no container's text encoding can mangle it.
    return TAG + base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")


def _untag(comment: str | bytes | None) -> str | None:
    if isinstance(comment, bytes):
        comment = comment.decode("latin-1")
    if not comment or not comment.startswith(TAG):
        return None
    try:
        return base64.b64decode(comment[len(TAG) :], validate=True).decode("utf-8", "surrogatepass")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _wav(samples: np.ndarray, sample_rate: int, text: str) -> bytes:
    data = samples.astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, sample_rate, sample_rate * 2, 2, 16)
    tag = _tag(text).encode("ascii")
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    if len(data) % 2:
        chunks += b"\0"
    chunks += _WAV_TEXT_CHUNK + struct.pack("<I", len(tag)) + tag + (b"\0" if len(tag) % 2 else b"")
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


# -- uploads ---------------------------------------------------------------------------


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
        duration = _mp4_duration(data) if kind == "mp4" else _webm_duration(data)
        if duration is None:
            raise NotAudio(f"damaged {kind} file")
        return Probe(kind, duration, None)
    if kind == "mpeg":
        duration = _mpeg_ps_duration(data)
        if duration is None:
            raise NotAudio("damaged MPEG program stream")
        return Probe(kind, duration, None)
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
    text = _untag(comment) if kind != "wav" else _wav_text(data)
    return Probe(kind, frames / rate, text, digest)


def samples_digest(samples: np.ndarray) -> bytes:
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
        if name == _WAV_TEXT_CHUNK:
            return _untag(data[position + 8 : position + 8 + size])
        position += 8 + size + (size % 2)
    return None


def _mp4_duration(data: bytes) -> float | None:
    """From the movie header (moov/mvhd): duration / timescale."""
    box = _mp4_box(data, 0, len(data), b"moov")
    if box is None:
        return None
    header = _mp4_box(data, box[0], box[1], b"mvhd")
    if header is None:
        return None
    start = header[0]
    version = data[start]
    if version == 1:
        timescale, duration = struct.unpack_from(">IQ", data, start + 20)
    else:
        timescale, duration = struct.unpack_from(">II", data, start + 12)
    return duration / timescale if timescale else None


def _mp4_box(data: bytes, start: int, end: int, name: bytes) -> tuple[int, int] | None:
    """The body (start, end) of the first box called ``name`` between start and end."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, position + 8)[0]
            header = 16
        elif size == 0:
            size = end - position
        if size < header:
            return None
        if kind == name:
            return position + header, min(position + size, end)
        position += size
    return None


def _mpeg_ps_duration(data: bytes) -> float | None:
    """From the presentation timestamps of the audio packets (PES streams 0xC0-0xDF): the
    last minus the first, plus one packet's worth (the mean step between them)."""
    stamps = []
    position = data.find(b"\x00\x00\x01")
    while 0 <= position < len(data) - 14:
        if 0xC0 <= data[position + 3] <= 0xDF:
            at = _pts_offset(data, position + 6)
            if at is not None and at + 5 <= len(data):
                p = data[at : at + 5]
                stamps.append(((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1)
        position = data.find(b"\x00\x00\x01", position + 4)
    if len(stamps) < 2:
        return None
    first, last = min(stamps), max(stamps)
    step = (last - first) / (len(stamps) - 1)
    return (last - first + step) / 90_000  # the timestamps count a 90 kHz clock


def _pts_offset(data: bytes, at: int) -> int | None:
    """Where a PES packet's timestamp is, given where its header fields start (after the
    length): MPEG-2 headers flag it; MPEG-1 ones come after stuffing and a buffer size."""
    if data[at] & 0xC0 == 0x80:  # MPEG-2
        return at + 3 if data[at + 1] & 0x80 else None
    while at < len(data) and data[at] == 0xFF:
        at += 1
    if at < len(data) and data[at] & 0xC0 == 0x40:
        at += 2
    return at if at < len(data) and data[at] & 0xE0 == 0x20 else None


# EBML ids of the WebM (Matroska) elements the duration is read from.
_SEGMENT, _INFO, _TIMECODE_SCALE, _DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
_CLUSTER, _CLUSTER_TIME, _SIMPLE_BLOCK, _BLOCK_GROUP, _BLOCK = 0x1F43B675, 0xE7, 0xA3, 0xA0, 0xA1


def _webm_duration(data: bytes) -> float | None:
    """Segment/Info/Duration; a browser's streamed recording has none, so then the last
    block's time in its cluster."""
    scale = 1_000_000
    duration: float | None = None
    last_ms = 0
    for element, start, end in _ebml_walk(data, 0, len(data)):
        if element == _TIMECODE_SCALE:
            scale = int.from_bytes(data[start:end], "big") or scale
        elif element == _DURATION:
            duration = struct.unpack(">f" if end - start == 4 else ">d", data[start:end])[0]
    if duration is not None:
        return duration * scale / 1e9
    cluster_time = 0
    for element, start, end in _ebml_walk(data, 0, len(data)):
        if element == _CLUSTER_TIME:
            cluster_time = int.from_bytes(data[start:end], "big")
        elif element in (_SIMPLE_BLOCK, _BLOCK):
            track_size = _vint_length(data[start])
            offset = struct.unpack_from(">h", data, start + track_size)[0]
            last_ms = max(last_ms, cluster_time + offset)
    return last_ms * scale / 1e9 if last_ms else None


def _ebml_walk(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """Every element (id, body start, body end), descending into the containers that hold
    the ones read above."""
    found: list[tuple[int, int, int]] = []
    position = start
    while position < end:
        try:
            element, id_length = _vint(data, position, keep_marker=True)
            size, size_length = _vint(data, position + id_length, keep_marker=False)
        except IndexError:
            break
        body = position + id_length + size_length
        unknown = size == (1 << (7 * size_length)) - 1  # "unknown size", as streams write
        body_end = end if unknown else min(body + size, end)
        found.append((element, body, body_end))
        if element in (_SEGMENT, _INFO, _CLUSTER, _BLOCK_GROUP):
            found.extend(_ebml_walk(data, body, body_end))
            if unknown:
                break
        position = body_end
    return found


def _vint_length(first: int) -> int:
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    raise IndexError("bad EBML integer")


def _vint(data: bytes, position: int, *, keep_marker: bool) -> tuple[int, int]:
    length = _vint_length(data[position])
    value = int.from_bytes(data[position : position + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, length
