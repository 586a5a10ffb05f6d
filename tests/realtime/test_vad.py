"""Server VAD's judgement of a frame, against the scale its ``threshold`` uses: 0 is -60
dBFS and below, 1 is -20 dBFS and above, linear in decibels between."""

from __future__ import annotations

import numpy as np
import pytest

from emulator.realtime.vad import loud_frames

FRAME = 240  # 10 ms at 24 kHz


def tone(dbfs: float, frames: int = 4) -> np.ndarray:
    """A sine whose RMS is ``dbfs``."""
    amplitude = 32768 * 10 ** (dbfs / 20) * np.sqrt(2)
    t = np.arange(FRAME * frames)
    return np.round(amplitude * np.sin(2 * np.pi * t / 48)).astype(np.int16)


@pytest.mark.parametrize(("threshold", "edge_db"), [(0.25, -50.0), (0.5, -40.0), (0.75, -30.0), (1.0, -20.0)])
def test_a_frame_is_loud_from_the_level_its_threshold_names(threshold: float, edge_db: float) -> None:
    assert loud_frames(tone(edge_db + 0.5), FRAME, threshold).all()
    assert not loud_frames(tone(edge_db - 0.5), FRAME, threshold).any()


def test_threshold_zero_hears_everything_even_digital_silence() -> None:
    assert loud_frames(np.zeros(FRAME * 3, dtype=np.int16), FRAME, 0.0).tolist() == [True] * 3


def test_only_whole_frames_are_judged_and_each_on_its_own() -> None:
    samples = np.concatenate([tone(-60, 1), tone(-10, 1), tone(-60, 1)[:100]])
    assert loud_frames(samples, FRAME, 0.5).tolist() == [False, True]
