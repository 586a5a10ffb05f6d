"""The audio formats a realtime session speaks: 16-bit PCM at 24 kHz (``audio/pcm``), and
G.711 at 8 kHz, µ-law (``audio/pcmu``) and A-law (``audio/pcma``), as telephony sends it.

Everything inside the session is int16 samples at the format's own rate; these functions
turn a client's bytes into samples and the emulator's speech (24 kHz) into a client's bytes.
The G.711 tables follow ITU-T G.711: a sign bit, a three-bit segment and a four-bit step.
"""

from __future__ import annotations

import numpy as np

from ..synth.speech import SAMPLE_RATE

FORMATS = ("audio/pcm", "audio/pcmu", "audio/pcma")
_RATES = {"audio/pcm": SAMPLE_RATE, "audio/pcmu": 8000, "audio/pcma": 8000}
_MU_BIAS = 0x84
_MU_CLIP = 32635


def rate(fmt: str) -> int:
    return _RATES[fmt]


def bytes_per_sample(fmt: str) -> int:
    return 2 if fmt == "audio/pcm" else 1


def decode(data: bytes, fmt: str) -> np.ndarray:
    """A client's audio bytes as int16 samples at the format's rate."""
    if fmt == "audio/pcm":
        return np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2").astype(np.int16)
    codes = np.frombuffer(data, dtype=np.uint8)
    return _mu_decode(codes) if fmt == "audio/pcmu" else _a_decode(codes)


def encode(samples: np.ndarray, fmt: str) -> bytes:
    """24 kHz speech as the format's bytes (G.711 is resampled to 8 kHz first)."""
    if fmt == "audio/pcm":
        return samples.astype("<i2").tobytes()
    narrow = _to_8k(samples)
    codes = _mu_encode(narrow) if fmt == "audio/pcmu" else _a_encode(narrow)
    return codes.tobytes()


def _to_8k(samples: np.ndarray) -> np.ndarray:
    # The mean of each three samples: a low-pass and a decimation in one, enough for speech.
    whole = len(samples) - len(samples) % 3
    narrow: np.ndarray = samples[:whole].astype(np.int32).reshape(-1, 3).mean(axis=1).astype(np.int16)
    return narrow


def _segment(magnitude: np.ndarray) -> np.ndarray:
    # The position of the highest set bit above bit 7 (0 for values below 256).
    segment: np.ndarray = np.clip(np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 7, 0, 7)
    return segment


def _mu_encode(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.int32)
    sign = (x < 0).astype(np.int32) << 7
    magnitude = np.minimum(np.abs(x), _MU_CLIP) + _MU_BIAS
    exponent = _segment(magnitude)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes: np.ndarray = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return codes


def _mu_decode(codes: np.ndarray) -> np.ndarray:
    u = ~codes.astype(np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = (((u & 0x0F) << 3) + _MU_BIAS) << exponent
    value = magnitude - _MU_BIAS
    decoded: np.ndarray = np.where(u & 0x80, -value, value).astype(np.int16)
    return decoded


def _a_encode(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.int32)
    positive = x >= 0
    magnitude = np.minimum(np.where(positive, x, -x - 1), 32767)
    exponent = _segment(magnitude)
    mantissa = np.where(exponent == 0, magnitude >> 4, magnitude >> (exponent + 3)) & 0x0F
    mask = np.where(positive, 0xD5, 0x55)
    return (((exponent << 4) | mantissa) ^ mask).astype(np.uint8)


def _a_decode(codes: np.ndarray) -> np.ndarray:
    a = codes.astype(np.int32) ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    value = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    decoded: np.ndarray = np.where(a & 0x80, value, -value).astype(np.int16)
    return decoded
