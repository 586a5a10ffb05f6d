"""Chat that hears and speaks (gpt-4o-audio-preview, gpt-audio and their mini versions),
through the official Python client: spoken answers in each format, streamed as audio deltas;
input_audio heard as the transcription operation hears it; earlier answers named by id; audio
tokens in usage; the service's refusals."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import soundfile
from openai import AzureOpenAI, OpenAI

from support import assert_valid_response, decode_audio, refused, tone, wav_bytes

VERSION = "2025-01-01-preview"
SPEAK = {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}}


@pytest.fixture(scope="module")
def endpoint(own_endpoint: str) -> str:
    return own_endpoint


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=VERSION, max_retries=0) as made:
        yield made


def said(text: str) -> list[dict[str, object]]:
    return [{"role": "user", "content": text}]


def heard_part(data: bytes, fmt: str = "wav") -> dict[str, object]:
    return {"type": "input_audio", "input_audio": {"data": base64.b64encode(data).decode(), "format": fmt}}


def test_a_spoken_answer_is_real_audio_of_its_transcript(client: AzureOpenAI, endpoint: str) -> None:
    answer = client.chat.completions.create(
        model="gpt-4o-audio-preview", messages=said("Reply with exactly: 'the garden gate is shut'"), **SPEAK
    )
    message = answer.choices[0].message
    assert message.content is None and message.audio is not None
    assert message.audio.transcript == "the garden gate is shut"
    assert message.audio.id.startswith("audio_")
    assert message.audio.expires_at > answer.created
    rate, seconds = decode_audio(base64.b64decode(message.audio.data), "wav")
    assert rate == 24_000 and 1.5 < seconds < 3.5
    usage = answer.usage
    assert usage is not None and usage.completion_tokens_details is not None
    # A token per 50 ms of speech, on top of the transcript's text tokens.
    audio_tokens = usage.completion_tokens_details.audio_tokens
    assert audio_tokens == round(seconds * 20)
    assert usage.completion_tokens == audio_tokens + 5
    assert_valid_response(VERSION, "chat/completions", answer.model_dump(exclude_unset=True))
    # What the emulator said comes back exactly from its own transcription.
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=VERSION) as stt:
        text = stt.audio.transcriptions.create(
            model="whisper", file=("answer.wav", base64.b64decode(message.audio.data))
        ).text
    assert text == "the garden gate is shut"


@pytest.mark.parametrize("fmt", ["mp3", "flac", "opus", "pcm16"])
def test_each_format_is_what_it_says(client: AzureOpenAI, fmt: str) -> None:
    answer = client.chat.completions.create(
        model="gpt-audio-mini",
        messages=said("Reply with exactly: 'one two three'"),
        modalities=["text", "audio"],
        audio={"voice": "marin", "format": fmt},
    )
    assert answer.choices[0].message.audio is not None
    data = base64.b64decode(answer.choices[0].message.audio.data)
    if fmt == "pcm16":
        samples = np.frombuffer(data, dtype="<i2")
        assert 0.8 < len(samples) / 24_000 < 2.5 and np.abs(samples).max() > 1000
        return
    rate, seconds = decode_audio(data, {"opus": "ogg"}.get(fmt, fmt))
    assert rate in (24_000, 48_000) and 0.8 < seconds < 2.5


def test_a_stream_sends_the_transcript_then_the_sound(client: AzureOpenAI) -> None:
    plain = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=said("Reply with exactly: bring an umbrella today"),
        modalities=["text", "audio"],
        audio={"voice": "coral", "format": "pcm16"},
    )
    stream = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=said("Reply with exactly: bring an umbrella today"),
        modalities=["text", "audio"],
        audio={"voice": "coral", "format": "pcm16"},
        stream=True,
        stream_options={"include_usage": True},
    )
    transcript, sound, names, expiries, usage = "", b"", [], [], None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        if not chunk.choices or chunk.choices[0].delta.audio is None:
            continue
        delta = chunk.choices[0].delta.audio
        assert chunk.choices[0].delta.content is None
        transcript += delta.transcript or ""
        sound += base64.b64decode(delta.data or "")
        names += [delta.id] if delta.id else []
        expiries += [delta.expires_at] if delta.expires_at else []
    assert plain.choices[0].message.audio is not None
    assert transcript == plain.choices[0].message.audio.transcript == "bring an umbrella today"
    assert sound == base64.b64decode(plain.choices[0].message.audio.data)  # the same voice says the same
    assert len(names) == 1 and names[0].startswith("audio_") and len(expiries) == 1
    assert usage is not None and plain.usage is not None
    assert usage.completion_tokens_details == plain.usage.completion_tokens_details


def test_input_audio_is_heard_and_answered(client: AzureOpenAI) -> None:
    # The emulator's own speech says exactly what it was given, so a spoken instruction is
    # followed as a written one would be.
    with_speech = client.audio.speech.create(
        model="tts", voice="echo", input="Reply with exactly: 'it is raining'", response_format="wav"
    )
    answer = client.chat.completions.create(
        model="gpt-4o-audio-preview",
        modalities=["text"],
        messages=[{"role": "user", "content": [heard_part(with_speech.content)]}],
    )
    assert answer.choices[0].message.content == "it is raining"
    assert answer.choices[0].message.audio is None
    usage = answer.usage
    assert usage is not None and usage.prompt_tokens_details is not None
    _, seconds = decode_audio(with_speech.content, "wav")
    assert usage.prompt_tokens_details.audio_tokens == round(seconds * 10)  # a token per 100 ms heard
    # Audio the emulator did not write is heard as prose, the same for the same sound.
    unknown = heard_part(wav_bytes((tone(1.5, rate=24_000) * 8000).astype(np.int16)))
    texts = {
        client.chat.completions.create(model="gpt-4o-audio-preview", messages=[{"role": "user", "content": [unknown]}])
        .choices[0]
        .message.content
        for _ in range(2)
    }
    assert len(texts) == 1 and texts.pop()


def test_pcm_the_emulator_spoke_is_recognised_when_wrapped_in_wav(client: AzureOpenAI) -> None:
    spoken = client.chat.completions.create(
        model="gpt-audio",
        messages=said("Reply with exactly: meet me at noon"),
        modalities=["text", "audio"],
        audio={"voice": "cedar", "format": "pcm16"},
    )
    assert spoken.choices[0].message.audio is not None
    samples = np.frombuffer(base64.b64decode(spoken.choices[0].message.audio.data), dtype="<i2")
    out = io.BytesIO()
    soundfile.write(out, samples, 24_000, format="WAV", subtype="PCM_16")
    question = [{"type": "text", "text": "Reply with exactly:"}, heard_part(out.getvalue())]
    answer = client.chat.completions.create(model="gpt-audio", messages=[{"role": "user", "content": question}])
    assert answer.choices[0].message.content == "meet me at noon"


def test_a_later_turn_names_an_earlier_answer_by_id(endpoint: str) -> None:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as v1:
        first = v1.chat.completions.create(model="gpt-4o-audio-preview", messages=said("Hello"), **SPEAK)
        assert first.choices[0].message.audio is not None and first.usage is not None
        spoken = first.usage.completion_tokens_details
        assert spoken is not None
        follow = v1.chat.completions.create(
            model="gpt-4o-audio-preview",
            messages=[
                *said("Hello"),
                {"role": "assistant", "audio": {"id": first.choices[0].message.audio.id}},
                *said("Reply with exactly: and goodbye"),
            ],
            **SPEAK,
        )
        assert follow.choices[0].message.audio is not None
        assert follow.choices[0].message.audio.transcript == "and goodbye"
        assert follow.usage is not None and follow.usage.prompt_tokens_details is not None
        # The model hears its earlier answer again: its audio tokens are in the prompt.
        assert follow.usage.prompt_tokens_details.audio_tokens == spoken.audio_tokens
        error = refused(
            lambda: v1.chat.completions.create(
                model="gpt-4o-audio-preview",
                messages=[*said("Hi"), {"role": "assistant", "audio": {"id": "audio_unknown"}}, *said("Again")],
                **SPEAK,
            )
        )
        assert error["param"] == "messages[1].audio.id" and "audio_unknown" in error["message"]


def test_a_repeated_spoken_request_gets_a_new_answer_id(client: AzureOpenAI) -> None:
    first, second = (
        client.chat.completions.create(model="gpt-4o-audio-preview", messages=said("Tell me about rain"), **SPEAK)
        for _ in range(2)
    )
    assert first.choices[0].message.audio is not None and second.choices[0].message.audio is not None
    assert first.choices[0].message.audio.id != second.choices[0].message.audio.id
    assert first.choices[0].message.audio.transcript == second.choices[0].message.audio.transcript


def test_the_service_refusals(client: AzureOpenAI) -> None:
    def error(**kwargs: object) -> dict[str, object]:
        options = {"model": "gpt-4o-audio-preview", "messages": said("hi"), **kwargs}
        return refused(lambda: client.chat.completions.create(**options))  # type: ignore[arg-type]

    # An audio model asked for neither audio in nor audio out.
    found = error()
    assert found == {
        "message": "This model requires that either input content or output modality contain audio.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "invalid_value",
    }
    assert error(modalities=["text", "audio"])["message"] == "Missing required parameter: 'audio'."
    streamed = error(stream=True, **SPEAK)
    assert streamed["message"] == (
        "Unsupported value: 'audio.format' does not support 'wav' when stream=true. Supported values are: 'pcm16'."
    )
    assert streamed["param"] == "audio.format"
    assert error(modalities=["text", "audio"], audio={"voice": "fable", "format": "wav"})["param"] == "audio.voice"
    assert error(modalities=["audio"], audio={"voice": "alloy", "format": "wav"})["param"] == "modalities"
    # A model that neither hears nor speaks.
    assert error(model="gpt-4o", **SPEAK)["code"] == "unsupported_value"
    heard = error(model="gpt-4o", messages=[{"role": "user", "content": [heard_part(b"RIFF")]}])
    assert heard["param"] == "messages[0].content[0].type"
    # Broken audio and audio in the wrong place.
    not_base64 = {"type": "input_audio", "input_audio": {"data": "@@", "format": "wav"}}
    assert "base64" in str(error(messages=[{"role": "user", "content": [not_base64]}])["message"])
    assert error(messages=[{"role": "user", "content": [heard_part(b"not audio at all")]}])["param"] == (
        "messages[0].content[0].input_audio.data"
    )
    mp3_said_wav = error(
        messages=[{"role": "user", "content": [heard_part(wav_bytes(np.zeros(2400, np.int16)), "mp3")]}]
    )
    assert mp3_said_wav["param"] == "messages[0].content[0].input_audio.data"
    from_assistant = [{"role": "assistant", "content": [heard_part(b"RIFF")]}, *said("hi")]
    assert error(messages=from_assistant)["param"] == "messages[0].content[0].type"


def test_versions_before_2025_01_01_preview_know_neither_the_models_nor_the_parameters(endpoint: str) -> None:
    url = f"{endpoint}/openai/deployments/gpt-4o-audio-preview/chat/completions"
    old = httpx.post(f"{url}?api-version=2024-10-21", json={"messages": said("hi"), **SPEAK}, headers={"api-key": "k"})
    assert old.status_code == 400
    assert old.json()["error"]["message"] == "Unrecognized request arguments supplied: audio, modalities"
    plain = httpx.post(f"{url}?api-version=2024-10-21", json={"messages": said("hi")}, headers={"api-key": "k"})
    assert plain.status_code == 400
    assert "enabled only for api versions 2025-01-01-preview and later" in plain.json()["error"]["message"]
