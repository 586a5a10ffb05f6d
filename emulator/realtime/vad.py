"""Server voice activity detection: where speech starts and stops in the appended audio,
worked out from the samples themselves.

The audio is read in 10 ms frames. A frame's loudness (its RMS in dBFS) is mapped onto the
0-1 scale the service's ``threshold`` uses: -60 dBFS and below is 0, -20 dBFS and above is
1, so the default 0.5 hears anything louder than -40 dBFS as speech (quiet room noise is
well below it; speech is well above). Speech starts at the first loud frame, and the turn
starts ``prefix_padding_ms`` before it; it stops once ``silence_duration_ms`` of quiet
frames follow the last loud one. Positions are milliseconds of audio since the session
began, as the service counts them, whatever the format's rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_MS = 10
_FLOOR_DB = -60.0
_SPAN_DB = 40.0

# semantic_vad waits for the end of a thought; without a model of meaning, its eagerness is
# how long a pause must be (the service's "high" answers soonest, "low" lets users finish).
EAGERNESS_SILENCE_MS = {"high": 250, "medium": 500, "auto": 500, "low": 1000}


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500


@dataclass(frozen=True)
class SpeechStarted:
    audio_start_ms: int  # where the turn starts (the padding before the first loud frame)
    start_sample: int


@dataclass(frozen=True)
class SpeechStopped:
    audio_end_ms: int  # the end of the last loud frame
    end_sample: int  # where the turn is committed: after the silence that ended it


def loud_frames(samples: np.ndarray, frame: int, threshold: float) -> np.ndarray:
    """Whether each whole frame's loudness reaches ``threshold`` on the 0-1 scale (all frames
    at once). Compared as energy, not decibels: the threshold is turned into the sum of
    squares it means, so a frame costs one dot product (a session appends 50 times a second)."""
    frames = samples[: len(samples) - len(samples) % frame].reshape(-1, frame).astype(np.float64)
    if threshold <= 0:  # 0 on the scale is -60 dBFS and below: everything, silence too
        return np.ones(len(frames), dtype=bool)
    energy = np.einsum("ij,ij->i", frames, frames)
    rms = 32768.0 * 10 ** ((_FLOOR_DB + threshold * _SPAN_DB) / 20)
    loud: np.ndarray = energy >= frame * rms * rms
    return loud


class Detector:
    """Feeds on a session's input audio, in whatever chunks it comes, and says where turns
    start and stop. ``position`` counts every sample fed so far."""

    def __init__(self, settings: VadSettings, rate: int) -> None:
        self.settings = settings
        self.rate = rate
        self._frame = rate * FRAME_MS // 1000
        self._pending = np.zeros(0, dtype=np.int16)
        self.position = 0  # samples fed
        self._framed = 0  # samples judged, in whole frames
        self.in_speech = False
        self._last_loud_end = 0
        self._quiet_ms = 0

    def ms(self, sample: int) -> int:
        return sample * 1000 // self.rate

    def feed(self, samples: np.ndarray) -> list[SpeechStarted | SpeechStopped]:
        self.position += len(samples)
        pending = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        found: list[SpeechStarted | SpeechStopped] = []
        whole = len(pending) - len(pending) % self._frame
        for loud in loud_frames(pending[:whole], self._frame, self.settings.threshold).tolist():
            frame_start = self._framed
            self._framed += self._frame
            if loud:
                self._last_loud_end = self._framed
                self._quiet_ms = 0
                if not self.in_speech:
                    self.in_speech = True
                    padding = self.rate * self.settings.prefix_padding_ms // 1000
                    begin = max(frame_start - padding, 0)
                    found.append(SpeechStarted(self.ms(begin), begin))
            elif self.in_speech:
                self._quiet_ms += FRAME_MS
                if self._quiet_ms >= self.settings.silence_duration_ms:
                    self.in_speech = False
                    found.append(SpeechStopped(self.ms(self._last_loud_end), self._framed))
        self._pending = pending[whole:].copy()
        return found

    def reset(self) -> None:
        """The buffer was cleared: a turn in progress is forgotten (the position stays)."""
        self.in_speech = False
        self._quiet_ms = 0
