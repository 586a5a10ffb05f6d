"""Fixtures of the fault tests: an emulator of their own, scenarios added through the admin API
with fresh names, and clients that ask for a scenario."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI

from emulator.settings import Settings
from support import running_emulator


@pytest.fixture(scope="module")
def fault_endpoint() -> Iterator[str]:
    with running_emulator(Settings.build()) as url:
        yield url


@pytest.fixture
def scenario(fault_endpoint: str) -> Callable[..., str]:
    """Add a scenario with a fresh name through the admin API; returns the name."""

    def add(*rules: dict[str, Any]) -> str:
        name = f"test-{uuid.uuid4().hex[:8]}"
        response = httpx.post(f"{fault_endpoint}/_emulator/scenarios", json={"name": name, "rules": list(rules)})
        assert response.status_code == 201, response.text
        return name

    return add


@pytest.fixture
def client_for(fault_endpoint: str) -> Iterator[Callable[..., AzureOpenAI]]:
    made: list[AzureOpenAI] = []

    def make(scenario: str, max_retries: int = 2, headers: dict[str, str] | None = None, **kwargs: Any) -> AzureOpenAI:
        made.append(
            AzureOpenAI(
                azure_endpoint=fault_endpoint,
                api_key="k",
                api_version="2024-10-21",
                max_retries=max_retries,
                default_headers={"x-emulator-scenario": scenario, **(headers or {})},
                **kwargs,
            )
        )
        return made[-1]

    yield make
    for c in made:
        c.close()
