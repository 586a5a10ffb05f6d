"""Chat that hears and speaks: ``input_audio`` content parts, ``modalities: ["text", "audio"]``
with ``audio: {voice, format}``, and assistant turns that name an earlier spoken answer.

Audio in the conversation is heard as the transcription operation hears it: speech the
emulator wrote comes back exactly (its tag, or the samples it remembers), anything else as
prose as long as the audio. The model then reads the conversation with each sound replaced by
its words (``Heard.messages``), so literal instructions, tools and scripted replies work on
speech as on text. A spoken answer is the text answer said by the voice (the speech synthesis
of ``audio/speech``), as ``message.audio`` with its transcript, and kept (its words, not its
sound) for an hour so a later turn may name it by id.

Usage bills audio by its duration at the model's rates (data/models.yaml ``chat_audio``), in
``prompt_tokens_details.audio_tokens`` and ``completion_tokens_details.audio_tokens``.

Refusals: "This model requires that either input content or output modality contain audio."
and "'audio.format' does not support 'wav' when stream=true" are the service's sentences; the
others follow its wording.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import audio as audio_files
from ... import ids
from ...errors import InvalidRequest
from ...models import ChatAudioAbilities, ModelInfo, check_api_version
from ...stores.chat_audio import SpokenAnswer
from ...synth import speech as voice_synth
from ...wording import invalid_value, missing_parameter, unsupported_parameter
from ..transcriptions import recognise
from .request import ChatMessage, ChatRequest, ContentPart

if TYPE_CHECKING:
    from ...context import Services

KEPT_S = 3600  # how long a spoken answer can be named again (its expires_at)
STREAM_FORMAT = "pcm16"
# The chat formats as the speech encoder names them.
_ENCODER_FORMATS = {"wav": "wav", "aac": "aac", "mp3": "mp3", "flac": "flac", "opus": "opus", "pcm16": "pcm"}
_INPUT_KINDS = {"wav": ("wav",), "mp3": ("mp3",)}
# Streamed audio comes in pieces of a quarter of a second (24 kHz, 16-bit mono).
_STREAM_PIECE_BYTES = voice_synth.SAMPLE_RATE // 4 * 2


@dataclass(frozen=True)
class Heard:
    """The conversation as the model reads it, and what its audio costs."""

    messages: list[ChatMessage]
    audio_tokens: int


@dataclass
class Spoken:
    """A choice's answer as sound (``message.audio``)."""

    id: str
    data: bytes
    expires_at: int
    transcript: str
    audio_tokens: int

    def body(self) -> dict[str, Any]:
        return {
            "data": base64.b64encode(self.data).decode("ascii"),
            "expires_at": self.expires_at,
            "id": self.id,
            "transcript": self.transcript,
        }

    def pieces(self) -> list[str]:
        """The sound as streamed: base64 pieces of a quarter of a second each."""
        size = _STREAM_PIECE_BYTES
        return [base64.b64encode(self.data[i : i + size]).decode("ascii") for i in range(0, len(self.data), size)]


def speaks(req: ChatRequest) -> bool:
    return req.modalities is not None and "audio" in req.modalities


def check(req: ChatRequest, model: ModelInfo, api_version: str) -> None:
    if req.modalities is not None and sorted(set(req.modalities)) not in (["text"], ["audio", "text"]):
        raise InvalidRequest(
            f"Invalid modalities: {req.modalities}. Supported combinations are: ['text'] and ['audio', 'text'].",
            param="modalities",
            code="invalid_value",
        )
    abilities = model.chat_audio
    parts = list(_audio_parts(req.messages))
    if abilities is None:
        if speaks(req):
            raise InvalidRequest(
                "Unsupported value: 'modalities' does not support 'audio' with this model. "
                "Supported values are: 'text'.",
                param="modalities",
                code="unsupported_value",
            )
        if req.audio is not None:
            raise unsupported_parameter("audio")
        if parts:
            m, p, _ = parts[0]
            raise InvalidRequest(
                "Invalid content type. input_audio is only supported by certain models.",
                param=f"messages[{m}].content[{p}].type",
                code="invalid_value",
            )
        return
    check_api_version(model, api_version)
    named = any(message.audio is not None for message in req.messages)
    if not speaks(req) and not parts and not named:
        raise InvalidRequest(
            "This model requires that either input content or output modality contain audio.",
            param="model",
            code="invalid_value",
        )
    for m, p, part in parts:
        if req.messages[m].role != "user":
            raise InvalidRequest(
                "Audio content parts are only allowed for messages with role 'user', but this message with role "
                f"'{req.messages[m].role}' contains audio.",
                param=f"messages[{m}].content[{p}].type",
                code="invalid_value",
            )
        if part.input_audio is None:
            raise missing_parameter(f"messages[{m}].content[{p}].input_audio")
    if speaks(req):
        _check_output(req, abilities)
    elif req.audio is not None:
        raise InvalidRequest("The 'audio' parameter is only allowed when 'modalities' includes 'audio'.", param="audio")


def _check_output(req: ChatRequest, abilities: ChatAudioAbilities) -> None:
    if req.audio is None:
        raise missing_parameter("audio")
    if req.audio.voice not in abilities.voices:
        raise invalid_value("audio.voice", req.audio.voice, abilities.voices)
    if req.stream and req.audio.format != STREAM_FORMAT:
        raise InvalidRequest(
            f"Unsupported value: 'audio.format' does not support '{req.audio.format}' when stream=true. "
            f"Supported values are: '{STREAM_FORMAT}'.",
            param="audio.format",
            code="unsupported_value",
        )
    if req.audio.format == "aac" and not audio_files.aac_available():
        raise InvalidRequest(
            f"audio.format 'aac' needs the optional AAC encoder, which this emulator was installed without: "
            f"{audio_files.AAC_EXTRA}",
            param="audio.format",
            code="unsupported_value",
        )


def hear(req: ChatRequest, model: ModelInfo, services: Services) -> Heard | None:
    """The conversation with its sounds as words (None when it has none), and their tokens."""
    abilities = model.chat_audio
    if abilities is None:  # most models: no need to look through the messages
        return None
    if not any(_audio_parts(req.messages)) and all(m.audio is None for m in req.messages):
        return None
    messages: list[ChatMessage] = []
    audio_tokens = 0
    now = int(time.time())
    for m, message in enumerate(req.messages):
        if message.audio is not None:
            answer = services.chat_audio.get(message.audio.id)
            if answer is None or answer.expires_at <= now:
                raise InvalidRequest(
                    f"Audio with id '{message.audio.id}' not found or expired.",
                    param=f"messages[{m}].audio.id",
                    code="invalid_value",
                )
            audio_tokens += answer.audio_tokens
            message = message.model_copy(update={"content": answer.transcript, "audio": None})
        elif isinstance(message.content, list) and any(part.type == "input_audio" for part in message.content):
            content = []
            for p, part in enumerate(message.content):
                if part.type != "input_audio" or part.input_audio is None:
                    content.append(part)
                    continue
                words, seconds = _listen(part, f"messages[{m}].content[{p}].input_audio", model, services)
                audio_tokens += round(seconds * abilities.heard_tokens_per_second)
                # Parts are read joined: the words stand apart from the text before them.
                content.append(ContentPart(type="text", text=words if p == 0 else " " + words))
            message = message.model_copy(update={"content": content})
        messages.append(message)
    return Heard(messages, audio_tokens)


def _listen(part: ContentPart, where: str, model: ModelInfo, services: Services) -> tuple[str, float]:
    assert part.input_audio is not None
    try:
        data = base64.b64decode(part.input_audio.data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"Invalid base64 data in '{where}.data'.", param=f"{where}.data", code="invalid_value")
    try:
        found = audio_files.probe(data)
    except audio_files.NotAudio:
        found = None
    if found is None or found.kind not in _INPUT_KINDS[part.input_audio.format]:
        raise InvalidRequest(
            f"The audio in '{where}.data' is not valid {part.input_audio.format} audio.",
            param=f"{where}.data",
            code="invalid_value",
        )
    original = found.text or services.speech_memory.recall(found.samples_digest)
    return recognise(data, found, original, model.encoding), found.duration_s


def speak(req: ChatRequest, transcript: str, abilities: ChatAudioAbilities, services: Services) -> Spoken:
    """The answer said in the asked voice and format, kept so a later turn may name it."""
    assert req.audio is not None
    samples = voice_synth.synthesize(transcript, req.audio.voice)
    fmt = _ENCODER_FORMATS[req.audio.format]
    data = audio_files.encode(samples, voice_synth.SAMPLE_RATE, fmt, transcript)
    services.speech_memory.remember(audio_files.samples_digest(samples), transcript)
    seconds = len(samples) / voice_synth.SAMPLE_RATE
    spoken = Spoken(
        id=f"audio_{ids.hex32()}",
        data=data,
        expires_at=int(time.time()) + KEPT_S,
        transcript=transcript,
        audio_tokens=round(seconds * abilities.spoken_tokens_per_second),
    )
    services.chat_audio.put(spoken.id, SpokenAnswer(transcript, spoken.audio_tokens, spoken.expires_at))
    return spoken


def _audio_parts(messages: list[ChatMessage]) -> Any:
    for m, message in enumerate(messages):
        if isinstance(message.content, list):
            for p, part in enumerate(message.content):
                if part.type == "input_audio":
                    yield m, p, part
