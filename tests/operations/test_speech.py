"""Text to speech through the official client: formats, speeds, voices and Azure's 400s."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile
from openai import AzureOpenAI, OpenAI

from emulator.synth import speech as voice_synth
from support import SPEECH_TEXT, decode_audio, refused, speak

PREVIEW = "2025-04-01-preview"
GA = "2024-10-21"


def fundamental_hz(data: bytes) -> float:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = (freqs > 60) & (freqs < 400)
    return float(freqs[band][np.argmax(spectrum[band])])


def test_mp3_is_the_default(azure: Callable[..., AzureOpenAI]) -> None:
    response = speak(azure(PREVIEW))
    assert response.response.headers["content-type"] == "audio/mpeg"
    assert decode_audio(response.content, "mp3")[0] == 24_000


@pytest.mark.parametrize("speed", [0.5, 2.0, 4.0])
def test_speed_changes_the_duration(azure: Callable[..., AzureOpenAI], speed: float) -> None:
    _, normal = decode_audio(speak(azure(PREVIEW), response_format="wav").content, "wav")
    _, faster = decode_audio(speak(azure(PREVIEW), response_format="wav", speed=speed).content, "wav")
    expected = voice_synth.duration_s(SPEECH_TEXT, speed)
    assert abs(faster - expected) <= 0.1 * expected
    assert (faster < normal) == (speed > 1)


def test_voices_sound_different_and_the_same_request_sounds_the_same(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    onyx = speak(client, voice="onyx", response_format="wav").content
    shimmer = speak(client, voice="shimmer", response_format="wav").content
    assert fundamental_hz(shimmer) > 1.5 * fundamental_hz(onyx)
    assert speak(client, voice="onyx", response_format="wav").content == onyx


def test_gpt_4o_mini_tts_takes_its_voices_and_instructions(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    plain = speak(client, model="gpt-4o-mini-tts", voice="coral", response_format="wav").content
    cheerful = speak(
        client, model="gpt-4o-mini-tts", voice="coral", response_format="wav", instructions="Sound cheerful."
    ).content
    assert plain != cheerful
    assert abs(decode_audio(plain, "wav")[1] - decode_audio(cheerful, "wav")[1]) < 0.01


def test_the_v1_route_speaks(v1_client: OpenAI) -> None:
    response = v1_client.audio.speech.create(model="tts-hd", voice="echo", input="Hello there.", response_format="flac")
    assert decode_audio(response.content, "flac")[0] == 24_000


@pytest.mark.parametrize(
    ("version", "kwargs", "param"),
    [
        (PREVIEW, {"voice": "robot"}, "voice"),
        (PREVIEW, {"voice": "coral"}, "voice"),  # a gpt-4o-mini-tts voice
        (PREVIEW, {"response_format": "ogg"}, "response_format"),
        ("2024-02-15-preview", {"response_format": "wav"}, "response_format"),  # wav came later
        (PREVIEW, {"speed": 0.2}, "speed"),
        (PREVIEW, {"speed": 4.5}, "speed"),
        (PREVIEW, {"text": ""}, "input"),
        (PREVIEW, {"text": "x" * 4097}, "input"),
        (PREVIEW, {"instructions": "Whisper."}, "instructions"),  # tts takes none
    ],
)
def test_values_outside_the_sets_are_refused(
    azure: Callable[..., AzureOpenAI], version: str, kwargs: dict[str, Any], param: str
) -> None:
    error = refused(lambda: speak(azure(version), **kwargs))
    assert error["param"] == param and error["type"] == "invalid_request_error"


def test_speech_is_not_on_ga_versions(azure: Callable[..., AzureOpenAI]) -> None:
    assert refused(lambda: speak(azure(GA)))["message"] == "API version not supported"


def test_instructions_need_a_version_that_has_them(azure: Callable[..., AzureOpenAI]) -> None:
    call = lambda: speak(azure("2025-03-01-preview"), model="gpt-4o-mini-tts", instructions="Calm.")  # noqa: E731
    assert refused(call)["message"] == "Unrecognized request argument supplied: instructions"


def test_a_multipart_speech_request_as_the_spec_describes_it(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/tts/audio/speech",
        params={"api-version": PREVIEW},
        files={
            "input": (None, "Hello."),
            "voice": (None, "nova"),
            "response_format": (None, "wav"),
            "speed": (None, "2"),
        },
    )
    assert response.status_code == 200
    assert abs(decode_audio(response.content, "wav")[1] - voice_synth.duration_s("Hello.", 2.0)) < 0.05
