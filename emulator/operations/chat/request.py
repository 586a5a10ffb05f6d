"""The chat completions request body, parsed once at the edge.

Strict types, as the service has them: "0.5" is not a number and 1 is not a boolean. Bounds
come from the spec (temperature 0-2, top_p 0-1, n 1-128, penalties -2..2, top_logprobs 0-20,
at most 4 stop sequences; up to 2,048 messages, shared/reference/service.md 4.8). Fields
that other modules interpret (tools, data_sources) are accepted with their JSON type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ..fields import Strict as _Strict
from ..fields import stop_sequences


class ImageUrl(_Strict):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class InputAudio(_Strict):
    data: str  # base64
    format: Literal["wav", "mp3"]


class ContentPart(_Strict):
    type: Literal["text", "image_url", "input_audio", "refusal", "file"]
    text: str | None = None
    image_url: ImageUrl | None = None
    input_audio: InputAudio | None = None
    refusal: str | None = None


class AudioReference(_Strict):
    """An earlier answer's audio, which an assistant turn may name instead of its content."""

    id: str


class FunctionCall(_Strict):
    name: str
    arguments: str


class ToolCall(_Strict):
    id: str
    type: Literal["function"]
    function: FunctionCall


class ChatMessage(_Strict):
    role: str
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    function_call: FunctionCall | None = None
    audio: AudioReference | None = None

    def text(self) -> str:
        """The message's text, its parts joined."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "".join(part.text or part.refusal or "" for part in self.content)


class ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: dict[str, Any] | None = None


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class Prediction(_Strict):
    """Predicted outputs: text the answer is expected to repeat, mostly."""

    type: Literal["content"]
    content: str | Annotated[list[TextPart], Field(min_length=1)]

    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(part.text for part in self.content)


class AudioOutput(_Strict):
    voice: str
    format: Literal["wav", "aac", "mp3", "flac", "opus", "pcm16"]


class StreamOptions(_Strict):
    include_usage: bool | None = None


Penalty = Annotated[float, Field(ge=-2, le=2)]
Bias = Annotated[int, Field(ge=-100, le=100)]


class ChatRequest(_Strict):
    messages: list[ChatMessage] = Field(min_length=1, max_length=2048)
    model: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=128)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    logit_bias: dict[str, Bias] | None = None
    user: str | None = None
    seed: int | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    response_format: ResponseFormat | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    tools: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=128)
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    reasoning_effort: Literal["low", "medium", "high"] | None = None
    functions: list[dict[str, Any]] | None = Field(default=None, max_length=128)
    data_sources: list[dict[str, Any]] | None = None  # On Your Data (data_sources.py)
    function_call: str | dict[str, Any] | None = None
    store: bool | None = None  # keep the completion (operations/stored_completions.py)
    metadata: dict[str, str] | None = None
    prediction: Prediction | None = None  # prediction.py
    modalities: list[Literal["text", "audio"]] | None = None  # audio.py
    audio: AudioOutput | None = None

    @property
    def completion_limit(self) -> int | None:
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens

    def stop_sequences(self) -> list[str]:
        return stop_sequences(self.stop)
