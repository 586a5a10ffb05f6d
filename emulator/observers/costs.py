"""What the requests so far would have cost on Azure: billed usage summed per deployment and
per test (the ``x-test-id`` header the pytest plugin sends), priced from the price table.

Each request adds its counts to plain lists (on every request's path, so nothing more); the
prices are applied when the report is asked for. A test's sums are kept per model, since a
test may call several.
"""

from __future__ import annotations

from typing import Any

from ..prices import PriceTable
from .billing import Billed
from .result import Result

# Tests come and go (an id per test): the oldest are forgotten past this many.
MAX_TESTS = 10_000

# requests, then Billed's fields in order
Sums = list[float]


def _add(sums: Sums, billed: Billed) -> None:
    # Unrolled (this runs for every request): one line per field of Billed, in its order.
    sums[0] += 1
    sums[1] += billed.input_tokens
    sums[2] += billed.cached_tokens
    sums[3] += billed.output_tokens
    sums[4] += billed.images
    sums[5] += billed.characters
    sums[6] += billed.audio_seconds


assert Billed._fields == (
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "images",
    "characters",
    "audio_seconds",
), "_add adds each field of Billed: add a line there for a new one"


def _billed(sums: Sums) -> Billed:
    counts = [round(v, 3) if isinstance(default, float) else int(v) for v, default in zip(sums[1:], Billed())]
    return Billed._make(counts)


def _empty() -> Sums:
    return [0.0] * (1 + len(Billed._fields))


class Costs:
    def __init__(self, prices: PriceTable) -> None:
        self.prices = prices
        self._deployments: dict[tuple[str, str | None], Sums] = {}
        self._tests: dict[str, dict[str | None, Sums]] = {}

    def observe(self, result: Result) -> None:
        billed = result.billed
        if billed is None or result.deployment is None:
            return
        key = (result.deployment, result.model)
        sums = self._deployments.get(key)
        if sums is None:
            sums = self._deployments[key] = _empty()
        _add(sums, billed)
        if result.test_id:
            models = self._tests.get(result.test_id)
            if models is None:
                if len(self._tests) >= MAX_TESTS:
                    del self._tests[next(iter(self._tests))]
                models = self._tests[result.test_id] = {}
            sums = models.get(result.model)
            if sums is None:
                sums = models[result.model] = _empty()
            _add(sums, billed)

    def report(self) -> dict[str, Any]:
        deployments = [
            {"deployment": name, "model": model, **self._view({model: sums})}
            for (name, model), sums in sorted(
                self._deployments.items(), key=lambda item: (item[0][0], item[0][1] or "")
            )
        ]
        return {
            "currency": self.prices.currency,
            "prices": {
                "as_of": self.prices.as_of,
                "source": self.prices.source,
                "deployment_type": self.prices.deployment_type,
                "notes": self.prices.notes,
                "models": {name: p.model_dump(exclude_none=True) for name, p in sorted(self.prices.models.items())},
            },
            "total": sum(d["cost"] for d in deployments),
            "deployments": deployments,
            "tests": [{"test_id": test_id, **self._view(models)} for test_id, models in self._tests.items()],
        }

    def _view(self, models: dict[str | None, Sums]) -> dict[str, Any]:
        """Sums over ``models``, and their cost: each model's at its own price."""
        totals = [0.0] * 7
        cost, unpriced = 0.0, 0
        for model, sums in models.items():
            totals = [a + b for a, b in zip(totals, sums)]
            priced = self.prices.cost(model, _billed(sums))
            if priced is None:
                unpriced += int(sums[0])
            else:
                cost += priced
        return {
            "requests": int(totals[0]),
            **_billed(totals)._asdict(),
            "cost": cost,
            "unpriced_requests": unpriced,
        }

    def clear(self) -> None:
        self._deployments.clear()
        self._tests.clear()
