"""Transcripts as timed text: the segments a transcript is spread over, and the plain-text
answers written from them (text, SubRip, WebVTT)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: list[tuple[str, float, float]]


def _clock(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _srt(segments: list[Segment]) -> str:
    return "".join(
        f"{index}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n{s.text}\n\n"
        for index, s in enumerate(segments, start=1)
    )


def _vtt(segments: list[Segment]) -> str:
    cues = "".join(f"{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n{s.text}\n\n" for s in segments)
    return "WEBVTT\n\n" + cues


# The answers in plain text, each from the text and its timed segments.
PLAIN_FORMATS: dict[str, Callable[[str, list[Segment]], str]] = {
    "text": lambda text, _: f"{text}\n",
    "srt": lambda _, segments: _srt(segments),
    "vtt": lambda _, segments: _vtt(segments),
}
