"""The model catalog (``data/models.yaml``): what each model a deployment can serve is like."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .yamlfiles import packaged

Family = Literal["chat", "completions", "embeddings", "image", "speech", "transcription"]
FAMILIES: tuple[str, ...] = ("chat", "completions", "embeddings", "image", "speech", "transcription")


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
    min_api_version: str | None = None
    image_tokens: list[int] | None = None  # [base, per tile]: the model reads images

    def response_name(self, version: str | None = None) -> str:
        """The ``model`` field Azure reports: gpt-4o-2024-08-06, or a fixed name such as
        gpt-35-turbo for the models whose responses carry no version."""
        if self.response_model is not None:
            return self.response_model
        return f"{self.name}-{version or self.version}"


@lru_cache(maxsize=1)
def load_models() -> dict[str, ModelInfo]:
    raw = packaged("models.yaml")["models"]
    return {name: ModelInfo(name=name, **fields) for name, fields in raw.items()}


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
