"""Azure's list prices, kept as data (emulator/data/prices.yaml, dated, its source named):
what the dashboard's cost view multiplies the billed usage by."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from . import yamlfiles

if TYPE_CHECKING:
    from .observers.billing import Billed

_MILLION = 1_000_000


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: float | None = Field(None, ge=0)  # per million input tokens
    cached_input: float | None = Field(None, ge=0)  # per million cached input tokens
    output: float | None = Field(None, ge=0)  # per million output tokens
    image: float | None = Field(None, ge=0)  # per image
    characters: float | None = Field(None, ge=0)  # per million characters spoken
    audio_minute: float | None = Field(None, ge=0)  # per minute of audio heard

    def of(self, billed: Billed) -> float:
        cached_rate = self.cached_input if self.cached_input is not None else self.input
        return (
            (billed.input_tokens - billed.cached_tokens) * (self.input or 0.0) / _MILLION
            + billed.cached_tokens * (cached_rate or 0.0) / _MILLION
            + billed.output_tokens * (self.output or 0.0) / _MILLION
            + billed.images * (self.image or 0.0)
            + billed.characters * (self.characters or 0.0) / _MILLION
            + billed.audio_seconds / 60 * (self.audio_minute or 0.0)
        )


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str
    as_of: str  # the day the figures were read
    source: str  # where they were read
    deployment_type: str  # the kind of deployment they are for (Global Standard)
    notes: list[str] = []
    models: dict[str, Price]

    def cost(self, model: str | None, billed: Billed) -> float | None:
        """What ``billed`` would cost on ``model``, or None when the table has no price for it."""
        price = self.models.get(model) if model is not None else None
        return None if price is None else price.of(billed)


@lru_cache(maxsize=1)
def price_table() -> PriceTable:
    return PriceTable.model_validate(yamlfiles.packaged("prices.yaml"))
