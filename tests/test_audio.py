"""Text to speech and transcription through the official client: real files that round-trip."""

from __future__ import annotations

import io
import re
import sys
import wave
from collections.abc import Callable
from typing import Any

import av
import httpx
import numpy as np
import pytest
import soundfile
from openai import AzureOpenAI, OpenAI

from emulator.synth import speech as voice_synth
from support import assert_valid_component, refused

PREVIEW = "2025-04-01-preview"
GA = "2024-10-21"
TEXT = "The quick brown fox jumps over the lazy dog. Then it rests in the shade of an old oak tree."
# The name a client would give each format's file when uploading it.
UPLOAD_NAMES = {"mp3": "speech.mp3", "opus": "speech.ogg", "flac": "speech.flac", "wav": "speech.wav"}


def speak(client: AzureOpenAI, text: str = TEXT, **kwargs: Any) -> Any:
    options = {"model": "tts", "voice": "alloy", **kwargs}
    return client.audio.speech.create(input=text, **options)


def decode(data: bytes, fmt: str) -> tuple[int, float]:
    """Sample rate and duration, read by a standard decoder."""
    if fmt == "pcm":
        return 24_000, len(data) / 2 / 24_000
    if fmt == "aac":
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.audio[0]
            samples = sum(frame.samples for frame in container.decode(stream))
            return stream.sample_rate, samples / stream.sample_rate
    with soundfile.SoundFile(io.BytesIO(data)) as sound:
        return sound.samplerate, sound.frames / sound.samplerate


def fundamental_hz(data: bytes) -> float:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = (freqs > 60) & (freqs < 400)
    return float(freqs[band][np.argmax(spectrum[band])])


def wav_bytes(samples: np.ndarray, rate: int = 24_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def tone(seconds: float, hz: float = 330.0, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * 9000).astype(np.int16)


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


# -- text to speech ----------------------------------------------------------------------


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
    rate, seconds = decode(response.content, fmt)
    assert rate == 24_000
    expected = voice_synth.duration_s(TEXT, 1.0)
    assert abs(seconds - expected) <= 0.1 * expected
    assert 5 < expected < 9  # about 14 characters a second: a natural pace


def test_mp3_is_the_default(azure: Callable[..., AzureOpenAI]) -> None:
    response = speak(azure(PREVIEW))
    assert response.response.headers["content-type"] == "audio/mpeg"
    assert decode(response.content, "mp3")[0] == 24_000


@pytest.mark.parametrize("speed", [0.5, 2.0, 4.0])
def test_speed_changes_the_duration(azure: Callable[..., AzureOpenAI], speed: float) -> None:
    _, normal = decode(speak(azure(PREVIEW), response_format="wav").content, "wav")
    _, faster = decode(speak(azure(PREVIEW), response_format="wav", speed=speed).content, "wav")
    expected = voice_synth.duration_s(TEXT, speed)
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
    assert abs(decode(plain, "wav")[1] - decode(cheerful, "wav")[1]) < 0.01


def test_the_v1_route_speaks(v1_client: OpenAI) -> None:
    response = v1_client.audio.speech.create(model="tts-hd", voice="echo", input="Hello there.", response_format="flac")
    assert decode(response.content, "flac")[0] == 24_000


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


def test_aac_without_its_extra_names_the_extra(
    azure: Callable[..., AzureOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # as if the extra were not installed
    error = refused(lambda: speak(azure(PREVIEW), response_format="aac"))
    assert error["param"] == "response_format"
    assert "aoai-emulator[aac]" in error["message"]


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
    assert abs(decode(response.content, "wav")[1] - voice_synth.duration_s("Hello.", 2.0)) < 0.05


# -- transcription -----------------------------------------------------------------------


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


def test_verbose_json_times_segments_and_words_over_the_audio(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, response_format="wav").content
    _, duration = decode(spoken, "wav")
    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper",
        file=("speech.wav", spoken),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    body = raw.http_response.json()
    assert_valid_component("2025-03-01-preview", "audioVerboseResponse", body)
    result = raw.parse()
    assert result.text == TEXT and result.task == "transcribe" and result.language == "english"
    assert abs(result.duration - duration) < 0.01
    segments, words = result.segments or [], result.words or []
    assert [s.text.strip() for s in segments] == [
        "The quick brown fox jumps over the lazy dog.",
        "Then it rests in the shade of an old oak tree.",
    ]
    assert [w.word for w in words] == TEXT.split()
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
    _, duration = decode(spoken, "flac")
    answers = {}
    for fmt in ("text", "srt", "vtt"):
        raw = client.audio.transcriptions.with_raw_response.create(
            model="whisper", file=("speech.flac", spoken), response_format=fmt
        )
        assert raw.http_response.headers["content-type"].startswith("text/plain")
        answers[fmt] = raw.http_response.text
    assert answers["text"].strip() == TEXT
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


def test_the_v1_route_transcribes(azure: Callable[..., AzureOpenAI], v1_client: OpenAI) -> None:
    spoken = speak(azure(PREVIEW), "Version one.", response_format="wav").content
    result = v1_client.audio.transcriptions.create(model="whisper", file=("a.wav", spoken), response_format="text")
    assert result.strip() == "Version one."


def test_the_file_is_judged_by_its_content_not_its_name(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    spoken = speak(client, "Named wrongly.", response_format="flac").content
    assert client.audio.transcriptions.create(model="whisper", file=("notes.txt", spoken)).text == "Named wrongly."
    error = refused(lambda: client.audio.transcriptions.create(model="whisper", file=("a.mp3", b"ID3 not really")))
    assert error["param"] == "file"


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
