"""The bodies of the vector-store operations, parsed at the edge."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from ...validation import map_validation_errors, parse_json_body
from ..fields import Strict

M = TypeVar("M", bound=BaseModel)
Attributes = dict[str, str | bool | int | float]


class StaticSizes(Strict):
    max_chunk_size_tokens: int
    chunk_overlap_tokens: int


class ChunkingStrategy(Strict):
    type: Literal["auto", "static"]
    static: StaticSizes | None = None


class ExpiresAfter(Strict):
    anchor: Literal["last_active_at"]
    days: int = Field(ge=1, le=365)


class CreateStore(Strict):
    name: str | None = None
    file_ids: list[str] | None = Field(default=None, max_length=500)
    expires_after: ExpiresAfter | None = None
    chunking_strategy: ChunkingStrategy | None = None
    metadata: dict[str, Any] | None = None


class ModifyStore(Strict):
    name: str | None = None
    expires_after: ExpiresAfter | None = None
    metadata: dict[str, Any] | None = None


class AddFile(Strict):
    file_id: str
    chunking_strategy: ChunkingStrategy | None = None
    attributes: Attributes | None = Field(default=None, max_length=16)


class AddFiles(Strict):
    file_ids: list[str] = Field(min_length=1, max_length=500)
    chunking_strategy: ChunkingStrategy | None = None
    attributes: Attributes | None = Field(default=None, max_length=16)


class UpdateFile(Strict):
    attributes: Attributes = Field(max_length=16)


class RankingOptions(Strict):
    ranker: Literal["auto", "default-2024-11-15", "none"] | None = None
    score_threshold: float | None = Field(default=None, ge=0, le=1)


class Search(Strict):
    query: str | list[str]
    max_num_results: int | None = Field(default=None, ge=1, le=50)
    filters: dict[str, Any] | None = None
    ranking_options: RankingOptions | None = None
    rewrite_query: bool | None = None


def parse(model: type[M], raw: bytes) -> M:
    """The body as ``model``, or Azure's 400 for what is wrong with it."""
    try:
        return model.model_validate(parse_json_body(raw) if raw.strip() else {})
    except ValidationError as exc:
        raise map_validation_errors(exc) from None
