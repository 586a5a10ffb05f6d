"""Audio files in and out (emulator/audio/): speech encoded in every format as a real file,
and uploads recognised by their content, with their real length."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import av
import numpy as np
import pytest
from openai import AzureOpenAI

from emulator.synth import speech as voice_synth
from support import SPEECH_TEXT, decode_audio, refused, speak, tone, wav_bytes

PREVIEW = "2025-04-01-preview"
GA = "2024-10-21"
# The name a client would give each format's file when uploading it.
UPLOAD_NAMES = {"mp3": "speech.mp3", "opus": "speech.ogg", "flac": "speech.flac", "wav": "speech.wav"}


def container(samples: np.ndarray, fmt: str, codec: str, options: dict[str, str] | None = None) -> bytes:
    """``samples`` (16 kHz) in an MP4, WebM or MPEG file, as a phone, a browser or a camera
    records them."""
    out = io.BytesIO()
    with av.open(out, "w", format=fmt, options=options or {}) as file:
        stream = file.add_stream(codec, rate={"libopus": 48_000, "mp2": 44_100}.get(codec, 16_000))
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 16_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            file.mux(packet)
    return out.getvalue()


# -- speech out -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("mp3", "audio/mpeg"),
        ("opus", "audio/ogg"),
        ("aac", "audio/aac"),
        ("flac", "audio/flac"),
        ("wav", "audio/wav"),
        ("pcm", "audio/pcm"),
    ],
)
def test_every_format_is_a_real_file_of_the_right_length(
    azure: Callable[..., AzureOpenAI], fmt: str, content_type: str
) -> None:
    response = speak(azure(PREVIEW), response_format=fmt)
    assert response.response.headers["content-type"] == content_type
    rate, seconds = decode_audio(response.content, fmt)
    assert rate == 24_000
    expected = voice_synth.duration_s(SPEECH_TEXT, 1.0)
    assert abs(seconds - expected) <= 0.1 * expected
    assert 5 < expected < 9  # about 14 characters a second: a natural pace


def test_aac_without_its_extra_names_the_extra(
    azure: Callable[..., AzureOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # as if the extra were not installed
    error = refused(lambda: speak(azure(PREVIEW), response_format="aac"))
    assert error["param"] == "response_format"
    assert "aoai-emulator[aac]" in error["message"]


# -- uploads in -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["mp3", "opus", "flac", "wav"])
def test_speech_round_trips_through_transcription(azure: Callable[..., AzureOpenAI], fmt: str) -> None:
    client = azure(PREVIEW)
    text = "Meet me at the station at nine. Bring the blue umbrella, it may rain — café crème, ça va?"
    spoken = speak(client, text, response_format=fmt).content
    heard = client.audio.transcriptions.create(model="whisper", file=(UPLOAD_NAMES[fmt], spoken))
    assert heard.text == text


def test_pcm_wrapped_in_wav_round_trips(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    pcm = speak(client, "Raw samples, wrapped by the client.", response_format="pcm").content
    upload = wav_bytes(np.frombuffer(pcm, dtype="<i2"))
    heard = client.audio.transcriptions.create(model="whisper", file=("wrapped.wav", upload))
    assert heard.text == "Raw samples, wrapped by the client."


@pytest.mark.parametrize(
    ("fmt", "codec", "name", "options"),
    [
        ("mp4", "aac", "memo.m4a", {}),
        ("webm", "libopus", "memo.webm", {}),
        ("webm", "libopus", "live.webm", {"live": "1"}),  # as a browser streams it: no duration
        ("mpeg", "mp2", "clip.mpeg", {}),
    ],
)
def test_phone_and_browser_recordings_are_read_for_their_length(
    azure: Callable[..., AzureOpenAI], fmt: str, codec: str, name: str, options: dict[str, str]
) -> None:
    upload = container(tone(6), fmt, codec, options)
    result = azure(PREVIEW).audio.transcriptions.create(
        model="whisper", file=(name, upload), response_format="verbose_json"
    )
    assert abs(result.duration - 6) < 0.3
    assert result.segments and result.segments[-1].end <= result.duration + 0.01


def test_the_file_is_judged_by_its_content_not_its_name(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, "Named wrongly.", response_format="flac").content
    assert client.audio.transcriptions.create(model="whisper", file=("notes.txt", spoken)).text == "Named wrongly."
    error = refused(lambda: client.audio.transcriptions.create(model="whisper", file=("a.mp3", b"ID3 not really")))
    assert error["param"] == "file"
