"""Speech to text and translation through the official client: every response format, timed
segments and words, uploads of any kind, and Azure's 400s."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI, OpenAI

from support import SPEECH_TEXT, assert_valid_component, decode_audio, refused, speak, tone, wav_bytes

PREVIEW = "2025-04-01-preview"
GA = "2024-10-21"


def test_verbose_json_times_segments_and_words_over_the_audio(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, response_format="wav").content
    _, duration = decode_audio(spoken, "wav")
    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper",
        file=("speech.wav", spoken),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    body = raw.http_response.json()
    assert_valid_component("2025-03-01-preview", "audioVerboseResponse", body)
    result = raw.parse()
    assert result.text == SPEECH_TEXT and result.task == "transcribe" and result.language == "english"
    assert abs(result.duration - duration) < 0.01
    segments, words = result.segments or [], result.words or []
    assert [s.text.strip() for s in segments] == [
        "The quick brown fox jumps over the lazy dog.",
        "Then it rests in the shade of an old oak tree.",
    ]
    assert [w.word for w in words] == SPEECH_TEXT.split()
    starts = [w.start for w in words]
    assert starts == sorted(starts) and 0 <= starts[0] < 0.5
    assert duration - 0.5 < segments[-1].end <= duration
    assert all(w.start < w.end for w in words)


def test_word_timestamps_alone_leave_out_segments(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, "Just words.", response_format="wav").content
    result = client.audio.transcriptions.create(
        model="whisper", file=("a.wav", spoken), response_format="verbose_json", timestamp_granularities=["word"]
    )
    assert result.segments is None and [w.word for w in result.words or []] == ["Just", "words."]


def test_text_srt_and_vtt_are_plain_text_files(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, response_format="flac").content
    _, duration = decode_audio(spoken, "flac")
    answers = {}
    for fmt in ("text", "srt", "vtt"):
        raw = client.audio.transcriptions.with_raw_response.create(
            model="whisper", file=("speech.flac", spoken), response_format=fmt
        )
        assert raw.http_response.headers["content-type"].startswith("text/plain")
        answers[fmt] = raw.http_response.text
    assert answers["text"].strip() == SPEECH_TEXT
    cue = r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d) --> (\d\d):(\d\d):(\d\d)[,.](\d\d\d)"
    blocks = answers["srt"].strip().split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == ["1", "2"]
    assert all(re.fullmatch(cue.replace("[,.]", ","), b.split("\n")[1]) for b in blocks)
    assert answers["vtt"].startswith("WEBVTT\n\n")
    times = re.findall(cue.replace("[,.]", r"\."), answers["vtt"])
    ends = [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for *_, h, m, s, ms in times]
    assert abs(ends[-1] - duration) < 0.5


def test_json_is_the_default_and_validates(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(GA)
    raw = client.audio.transcriptions.with_raw_response.create(model="whisper", file=("a.wav", wav_bytes(tone(2))))
    assert raw.http_response.headers["content-type"] == "application/json"
    assert_valid_component(GA, "audioResponse", raw.http_response.json())


def test_other_audio_gets_deterministic_text_as_long_as_it_lasts(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(GA)

    def words(upload: bytes, prompt: str | None = None) -> str:
        options: dict[str, Any] = {"prompt": prompt} if prompt else {}
        return client.audio.transcriptions.create(model="whisper", file=("a.wav", upload), **options).text

    short, long = wav_bytes(tone(2), 16_000), wav_bytes(tone(20), 16_000)
    assert words(short) == words(short)
    assert words(short) != words(wav_bytes(tone(2, hz=440), 16_000))
    # About 2.5 words a second, on the prompt's topics where it gives any.
    assert len(words(short).split()) == 5 and len(words(long).split()) == 50
    assert {"overdue", "invoices"} & set(words(long, prompt="A call about overdue invoices").split())


def test_the_v1_route_transcribes(azure: Callable[..., AzureOpenAI], v1_client: OpenAI) -> None:
    spoken = speak(azure(PREVIEW), "Version one.", response_format="wav").content
    result = v1_client.audio.transcriptions.create(model="whisper", file=("a.wav", spoken), response_format="text")
    assert result.strip() == "Version one."


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the client marks translations deprecated
def test_translation_answers_in_english(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    english = speak(client, "Good morning, everyone.", response_format="mp3").content
    assert client.audio.translations.create(model="whisper", file=("a.mp3", english)).text == "Good morning, everyone."
    german = speak(client, "Guten Morgen! Wie geht es Ihnen heute? Grüße aus München.", response_format="mp3").content
    translated = client.audio.translations.create(
        model="whisper", file=("a.mp3", german), response_format="verbose_json"
    )
    assert translated.task == "translate" and translated.language == "english"
    assert translated.text.isascii() and "Morgen" not in translated.text


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the client marks translations deprecated
def test_gpt_4o_transcribe_writes_json_and_text_only(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, "Short and sweet.", response_format="wav").content
    assert client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("a.wav", spoken)).text == (
        "Short and sweet."
    )
    error = refused(
        lambda: client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=("a.wav", spoken), response_format="srt"
        )
    )
    assert error["param"] == "response_format"
    error = refused(lambda: client.audio.translations.create(model="gpt-4o-mini-transcribe", file=("a.wav", spoken)))
    assert error["code"] == "OperationNotSupported"
    error = refused(lambda: azure(GA).audio.transcriptions.create(model="gpt-4o-transcribe", file=("a.wav", spoken)))
    assert "2025-03-01-preview" in error["message"]


@pytest.mark.parametrize(
    ("version", "kwargs", "param"),
    [
        (PREVIEW, {"response_format": "xml"}, "response_format"),
        (PREVIEW, {"temperature": 1.5}, "temperature"),
        (PREVIEW, {"language": "English"}, "language"),
        (PREVIEW, {"timestamp_granularities": ["word"]}, "timestamp_granularities[]"),  # needs verbose_json
        (
            PREVIEW,
            {"timestamp_granularities": ["sentence"], "response_format": "verbose_json"},
            "timestamp_granularities[]",
        ),
        (PREVIEW, {"file": ("a.txt", b"plain text, not audio")}, "file"),
        (PREVIEW, {"file": ("a.wav", b"RIFF\x00\x00\x00\x00WAVEbroken")}, "file"),
    ],
)
def test_transcription_errors(
    azure: Callable[..., AzureOpenAI], version: str, kwargs: dict[str, Any], param: str
) -> None:
    options = {"model": "whisper", "file": ("a.wav", wav_bytes(tone(1))), **kwargs}
    error = refused(lambda: azure(version).audio.transcriptions.create(**options))
    assert error["param"] == param


def test_timestamp_granularities_are_not_on_ga_versions(azure: Callable[..., AzureOpenAI]) -> None:
    call = lambda: azure(GA).audio.transcriptions.create(  # noqa: E731
        model="whisper",
        file=("a.wav", wav_bytes(tone(1))),
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert refused(call)["message"] == "Unrecognized request argument supplied: timestamp_granularities[]"


def test_a_missing_file_is_refused(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/whisper/audio/transcriptions", params={"api-version": GA}, files={"language": (None, "en")}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_required_parameter"
    assert response.json()["error"]["param"] == "file"


def test_a_file_over_the_limit_gets_413(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/whisper/audio/transcriptions",
        params={"api-version": GA},
        files={"file": ("big.wav", b"\0" * (25 * 1024 * 1024 + 1))},
    )
    assert response.status_code == 413


def test_a_file_part_without_a_filename_is_still_a_file(http: httpx.Client, azure: Callable[..., AzureOpenAI]) -> None:
    # openai-java uploads bare bytes this way: a content type, no filename.
    spoken = speak(azure(PREVIEW), "No name given.", response_format="wav").content
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + spoken
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = http.post(
        "/openai/deployments/whisper/audio/transcriptions",
        params={"api-version": GA},
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 200
    assert response.json()["text"] == "No name given."
