"""What the requests so far would have cost on Azure: billed usage summed per deployment and
per test (the ``x-test-id`` header the pytest plugin sends), priced from the price table."""

from __future__ import annotations

from typing import Any

from ..prices import PriceTable
from .billing import Billed
from .result import Result

# Tests come and go (an id per test): the oldest are forgotten past this many.
MAX_TESTS = 10_000


class _Sum:
    __slots__ = ("requests", "billed", "cost", "unpriced")

    def __init__(self) -> None:
        self.requests = 0
        self.billed = Billed()
        self.cost = 0.0
        self.unpriced = 0  # requests whose model has no price in the table

    def add(self, billed: Billed, cost: float | None) -> None:
        self.requests += 1
        self.billed = self.billed.plus(billed)
        if cost is None:
            self.unpriced += 1
        else:
            self.cost += cost

    def view(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            **self.billed._asdict(),
            "cost": self.cost,
            "unpriced_requests": self.unpriced,
        }


class Costs:
    def __init__(self, prices: PriceTable) -> None:
        self.prices = prices
        self._deployments: dict[tuple[str, str], _Sum] = {}
        self._tests: dict[str, _Sum] = {}

    def observe(self, result: Result) -> None:
        billed = result.billed
        if billed is None or result.deployment is None:
            return
        cost = self.prices.cost(result.model, billed)
        key = (result.deployment, result.model or "")
        found = self._deployments.get(key)
        if found is None:
            found = self._deployments[key] = _Sum()
        found.add(billed, cost)
        if result.test_id:
            test = self._tests.get(result.test_id)
            if test is None:
                if len(self._tests) >= MAX_TESTS:
                    del self._tests[next(iter(self._tests))]
                test = self._tests[result.test_id] = _Sum()
            test.add(billed, cost)

    def report(self) -> dict[str, Any]:
        deployments = [
            {"deployment": name, "model": model or None, **found.view()}
            for (name, model), found in sorted(self._deployments.items())
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
            "total": sum(d.cost for d in self._deployments.values()),
            "deployments": deployments,
            "tests": [{"test_id": test_id, **found.view()} for test_id, found in self._tests.items()],
        }

    def clear(self) -> None:
        self._deployments.clear()
        self._tests.clear()
