"""The model catalog (``data/models.yaml``): what each model a deployment can serve is like."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from .errors import ModelNeedsNewerApiVersion
from .yamlfiles import packaged

Family = Literal["chat", "completions", "embeddings", "image", "speech", "transcription", "realtime"]
FAMILIES: tuple[str, ...] = ("chat", "completions", "embeddings", "image", "speech", "transcription", "realtime")


@dataclass(frozen=True)
class ImageAbilities:
    """What an image model draws and which of the optional parameters it takes."""

    sizes: tuple[str, ...]
    max_n: int
    max_prompt_chars: int
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    defaults: dict[str, str] = field(default_factory=dict, hash=False)
    revises_prompt: bool = False
    edits: bool = False
    reports_usage: bool = False
    output_compression: bool = False

    @classmethod
    def from_data(cls, raw: dict[str, Any]) -> ImageAbilities:
        choices = {name: tuple(values) for name, values in raw.pop("choices", {}).items()}
        return cls(sizes=tuple(raw.pop("sizes")), choices=choices, **raw)


@dataclass(frozen=True)
class SpeechAbilities:
    voices: tuple[str, ...]
    instructions: bool = False


@dataclass(frozen=True)
class ChatAudioAbilities:
    """A model that hears and speaks (chat's gpt-4o-audio-preview and gpt-audio, the realtime
    models): its voices, and the audio tokens a second of sound costs, heard (the prompt) and
    spoken (the answer)."""

    voices: tuple[str, ...]
    heard_tokens_per_second: float
    spoken_tokens_per_second: float


@dataclass(frozen=True)
class TranscriptionAbilities:
    response_formats: tuple[str, ...]
    timestamps: bool = False
    translates: bool = False


@dataclass(frozen=True)
class ModelInfo:
    name: str
    family: Family
    version: str
    encoding: str
    context_window: int
    max_output_tokens: int
    quota_tpm: int
    rpm_per_1000_tpm: float = 6.0
    response_model: str | None = None
    embedding_size: int = 0
    dimensions: bool = False
    reasoning: bool = False
    prompt_caching: bool = False  # prompts of 1,024 tokens or more report cached tokens
    min_api_version: str | None = None
    image_tokens: list[int] | None = None  # [base, per tile]: the model reads images
    images: ImageAbilities | None = None  # image models: what they draw
    speech: SpeechAbilities | None = None  # text-to-speech models
    transcription: TranscriptionAbilities | None = None  # speech-to-text models
    chat_audio: ChatAudioAbilities | None = None  # chat models that take and give audio
    realtime: ChatAudioAbilities | None = None  # realtime models: how they hear and speak
    predicted_outputs: bool = False  # the model takes ``prediction``
    file_search: bool = False  # the model takes the Responses API's file_search tool

    def response_name(self, version: str | None = None) -> str:
        """The ``model`` field Azure reports: gpt-4o-2024-08-06, or a fixed name such as
        gpt-35-turbo for the models whose responses carry no version."""
        if self.response_model is not None:
            return self.response_model
        return f"{self.name}-{version or self.version}"


@lru_cache(maxsize=1)
def load_models() -> dict[str, ModelInfo]:
    raw = packaged("models.yaml")["models"]
    models = {}
    for name, fields in raw.items():
        if "images" in fields:
            fields = {**fields, "images": ImageAbilities.from_data(dict(fields["images"]))}
        if "speech" in fields:
            raw_speech = fields["speech"]
            fields = {**fields, "speech": SpeechAbilities(**{**raw_speech, "voices": tuple(raw_speech["voices"])})}
        if "transcription" in fields:
            raw_stt = fields["transcription"]
            formats = tuple(raw_stt["response_formats"])
            fields = {**fields, "transcription": TranscriptionAbilities(**{**raw_stt, "response_formats": formats})}
        for key in ("chat_audio", "realtime"):
            if key in fields:
                raw_audio = fields[key]
                fields = {**fields, key: ChatAudioAbilities(**{**raw_audio, "voices": tuple(raw_audio["voices"])})}
        models[name] = ModelInfo(name=name, **fields)
    return models


def check_api_version(model: ModelInfo, api_version: str) -> None:
    """Azure's 400 for a model asked on a dated api-version older than the model."""
    if model.min_api_version and api_version != "v1" and api_version[:10] < model.min_api_version[:10]:
        raise ModelNeedsNewerApiVersion(model.min_api_version)


def match_model(name: str) -> ModelInfo | None:
    """The model a name denotes: an exact catalog name, or the longest catalog name it starts
    with followed by a separator (``gpt-4o-2024-08-06`` and ``gpt-4o-prod`` are gpt-4o;
    ``gpt-4o-mini-eu`` is gpt-4o-mini)."""
    models = load_models()
    lowered = name.lower()
    if lowered in models:
        return models[lowered]
    best: ModelInfo | None = None
    for candidate in models.values():
        prefix = candidate.name
        if lowered.startswith(prefix) and lowered[len(prefix)] in "-_.:/ ":
            if best is None or len(prefix) > len(best.name):
                best = candidate
    return best
