"""The price table (emulator/data/prices.yaml): dated, sourced, and applied as Azure bills:
cached input tokens at their own rate, images, characters and minutes by the unit."""

from __future__ import annotations

import pytest

from emulator.models import load_models
from emulator.observers.billing import Billed
from emulator.prices import price_table


def test_cached_input_tokens_cost_their_own_rate() -> None:
    table = price_table()
    used = Billed(input_tokens=2048, cached_tokens=1024, output_tokens=100)
    assert table.cost("gpt-4o", used) == pytest.approx(1024 * 2.50 / 1e6 + 1024 * 1.25 / 1e6 + 100 * 10.00 / 1e6)
    # A model without a cached rate bills cached tokens as any other input.
    assert table.cost("gpt-4", used) == pytest.approx(2048 * 30.00 / 1e6 + 100 * 60.00 / 1e6)


def test_units_other_than_tokens() -> None:
    table = price_table()
    assert table.cost("dall-e-3", Billed(images=3)) == pytest.approx(0.12)
    assert table.cost("tts-hd", Billed(characters=1000)) == pytest.approx(0.03)
    assert table.cost("whisper", Billed(audio_seconds=90.0)) == pytest.approx(0.009)
    assert table.cost("gpt-4o-transcribe", Billed(audio_seconds=60.0)) is None  # no price: said so, not $0


def test_the_table_names_its_date_and_source_and_only_known_models() -> None:
    table = price_table()
    assert table.as_of == "2026-07-31" and "prices.azure.com" in table.source
    assert set(table.models) <= set(load_models())
