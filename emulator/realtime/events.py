"""The client events of the Realtime API (its GA protocol), parsed once at the edge.

Each event type has a model here, strict as the service is (unknown fields are refused,
types are not coerced). ``parse`` turns one WebSocket message into its model, or raises a
``ClientEventError`` worded as the service words it, which the session sends back as an
``error`` event naming the client's ``event_id`` and the parameter; the socket stays open.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidRequest
from ..validation import map_validation_errors
from ..wording import invalid_value, kind_of


class ClientEventError(Exception):
    """A client event the session cannot act on: an ``error`` event, not a closed socket."""

    def __init__(self, message: str, *, code: str | None, param: str | None, event_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.event_id = event_id

    @classmethod
    def of(cls, error: InvalidRequest, event_id: str | None) -> ClientEventError:
        # A tagged union's branch is named by its tag in pydantic's path, not in the service's.
        param, message = error.param, error.message
        for tag in _TAGS:
            if param is not None and tag in param:
                param, message = param.replace(tag, ""), message.replace(tag, "")
        return cls(message, code=error.code, param=param, event_id=event_id)

    def body(self) -> dict[str, Any]:
        return {
            "type": "invalid_request_error",
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "event_id": self.event_id,
        }


_TAGS = (".server_vad", ".semantic_vad")


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# -- the session ------------------------------------------------------------------------------


class AudioFormat(_Model):
    type: Literal["audio/pcm", "audio/pcmu", "audio/pcma"] = "audio/pcm"
    rate: Literal[24000] | None = None


class ServerVad(_Model):
    type: Literal["server_vad"]
    threshold: float | None = Field(default=None, ge=0, le=1)
    prefix_padding_ms: int | None = Field(default=None, ge=0, le=10_000)
    silence_duration_ms: int | None = Field(default=None, ge=0, le=10_000)
    idle_timeout_ms: int | None = Field(default=None, ge=5_000, le=30_000)
    create_response: bool | None = None
    interrupt_response: bool | None = None


class SemanticVad(_Model):
    type: Literal["semantic_vad"]
    eagerness: Literal["low", "medium", "high", "auto"] | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None


class Transcription(_Model):
    model: Literal["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"]
    language: str | None = None
    prompt: str | None = None


class NoiseReduction(_Model):
    type: Literal["near_field", "far_field"]


class AudioInput(_Model):
    format: AudioFormat | None = None
    transcription: Transcription | None = None
    noise_reduction: NoiseReduction | None = None
    turn_detection: Annotated[ServerVad | SemanticVad, Field(discriminator="type")] | None = None


class AudioOutput(_Model):
    format: AudioFormat | None = None
    voice: str | None = None
    speed: float | None = Field(default=None, ge=0.25, le=1.5)


class Audio(_Model):
    input: AudioInput | None = None
    output: AudioOutput | None = None


class FunctionTool(_Model):
    type: Literal["function"]
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")
    description: str | None = None
    parameters: dict[str, Any] | None = None


class NamedFunction(_Model):
    type: Literal["function"]
    name: str


ToolChoice = Literal["none", "auto", "required"] | NamedFunction
Modalities = Annotated[list[Literal["text", "audio"]], Field(min_length=1, max_length=1)]
MaxTokens = Annotated[int, Field(ge=1, le=4096)] | Literal["inf"]


class SessionConfig(_Model):
    type: Literal["realtime"]
    model: str | None = None
    instructions: str | None = None
    output_modalities: Modalities | None = None
    audio: Audio | None = None
    tools: Annotated[list[FunctionTool], Field(max_length=128)] | None = None
    tool_choice: ToolChoice | None = None
    max_output_tokens: MaxTokens | None = None
    parallel_tool_calls: bool | None = None
    include: list[Literal["item.input_audio_transcription.logprobs"]] | None = None
    tracing: Literal["auto"] | dict[str, Any] | None = None
    truncation: Literal["auto", "disabled"] | dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None


# -- conversation items ----------------------------------------------------------------------


class ContentPart(_Model):
    type: Literal["input_text", "input_audio", "input_image", "output_text", "output_audio"]
    text: str | None = None
    audio: str | None = None  # base64, in the session's input format
    transcript: str | None = None
    image_url: str | None = None
    detail: Literal["auto", "low", "high"] | None = None


class Item(_Model):
    type: Literal["message", "function_call", "function_call_output"]
    id: str | None = Field(default=None, max_length=64)
    object: Literal["realtime.item"] | None = None
    status: Literal["completed", "incomplete", "in_progress"] | None = None
    role: Literal["user", "assistant", "system"] | None = None
    content: list[ContentPart] | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None


class ItemReference(_Model):
    type: Literal["item_reference"]
    id: str


class ResponseAudioOutput(_Model):
    format: AudioFormat | None = None
    voice: str | None = None


class ResponseAudio(_Model):
    output: ResponseAudioOutput | None = None


class ResponseParams(_Model):
    conversation: Literal["auto", "none"] | None = None
    input: list[Annotated[Item | ItemReference, Field(union_mode="left_to_right")]] | None = None
    instructions: str | None = None
    output_modalities: Modalities | None = None
    audio: ResponseAudio | None = None
    tools: Annotated[list[FunctionTool], Field(max_length=128)] | None = None
    tool_choice: ToolChoice | None = None
    max_output_tokens: MaxTokens | None = None
    metadata: Annotated[dict[str, str], Field(max_length=16)] | None = None
    prompt: dict[str, Any] | None = None


# -- the events ------------------------------------------------------------------------------


class ClientEvent(_Model):
    type: str
    event_id: str | None = Field(default=None, max_length=512)


class SessionUpdate(ClientEvent):
    session: SessionConfig


class BufferAppend(ClientEvent):
    audio: str


class ItemCreate(ClientEvent):
    item: Item
    previous_item_id: str | None = None


class ItemRetrieve(ClientEvent):
    item_id: str


class ItemTruncate(ClientEvent):
    item_id: str
    content_index: int = Field(ge=0)
    audio_end_ms: int = Field(ge=0)


class ItemDelete(ClientEvent):
    item_id: str


class ResponseCreate(ClientEvent):
    response: ResponseParams | None = None


class ResponseCancel(ClientEvent):
    response_id: str | None = None


EVENTS: dict[str, type[ClientEvent]] = {
    "session.update": SessionUpdate,
    "input_audio_buffer.append": BufferAppend,
    "input_audio_buffer.commit": ClientEvent,
    "input_audio_buffer.clear": ClientEvent,
    "conversation.item.create": ItemCreate,
    "conversation.item.retrieve": ItemRetrieve,
    "conversation.item.truncate": ItemTruncate,
    "conversation.item.delete": ItemDelete,
    "response.create": ResponseCreate,
    "response.cancel": ResponseCancel,
    "output_audio_buffer.clear": ClientEvent,
}


def parse(message: str | bytes) -> ClientEvent:
    """One WebSocket message as its client event, or the service's complaint about it."""
    try:
        data = json.loads(message)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ClientEventError(
            "We could not parse the JSON body of your event: it is not valid JSON.", code="invalid_json", param=None
        ) from None
    if not isinstance(data, dict):
        raise ClientEventError(
            f"Invalid type for event: expected an object, but got {kind_of(data)} instead.",
            code="invalid_type",
            param=None,
        )
    event_id = data.get("event_id") if isinstance(data.get("event_id"), str) else None
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ClientEventError(
            "Missing required parameter: 'type'.", code="missing_required_parameter", param="type", event_id=event_id
        )
    model = EVENTS.get(kind)
    if model is None:
        raise ClientEventError.of(invalid_value("type", kind, list(EVENTS)), event_id)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ClientEventError.of(map_validation_errors(exc), event_id) from None
