from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from openai import AsyncAzureOpenAI, AzureOpenAI, OpenAI

from emulator.settings import DeploymentConfig, Settings
from support import running_emulator

KEY = "test-key"


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """One emulator on its built-in defaults for the whole session."""
    with running_emulator(Settings.build()) as url:
        yield url


@pytest.fixture(scope="module")
def own_endpoint() -> Iterator[str]:
    """An emulator on its built-in defaults for one module alone: its journal, costs and
    caches start empty, whatever other modules sent."""
    with running_emulator(Settings.build()) as url:
        yield url


@pytest.fixture(scope="session")
def locked_endpoint() -> Iterator[str]:
    """An emulator with fixed deployments, one accepted key and a small body limit."""
    settings = Settings.build(
        region="Sweden Central",
        api_keys=frozenset({"right-key"}),
        infer_deployments=False,
        deployments={
            "gpt-4o": DeploymentConfig(model="gpt-4o"),
            "team chat": DeploymentConfig(model="gpt-35-turbo", reply_tokens=12),
            "embedder": DeploymentConfig(model="text-embedding-3-small"),
            # Quotas small enough to hit: 2 requests per 10 s; 100 tokens per minute.
            "tight-calls": DeploymentConfig(model="gpt-4o-mini", quota={"rpm": 12}),
            "tight-calls-sdk": DeploymentConfig(model="gpt-4o-mini", quota={"rpm": 12}),
            "tight-tokens": DeploymentConfig(model="gpt-4o-mini", quota={"tpm": 100, "rpm": 600}),
            "no-quota": DeploymentConfig(model="gpt-4o-mini", quota={"tpm": 0}),
        },
        max_body_bytes=4096,
    )
    with running_emulator(settings) as url:
        yield url


@pytest.fixture
def azure(endpoint: str) -> Iterator[Callable[..., AzureOpenAI]]:
    """Make AzureOpenAI clients for the default emulator; each is closed after the test."""
    made: list[AzureOpenAI] = []

    def make(api_version: str = "2024-10-21", **kwargs: object) -> AzureOpenAI:
        options: dict[str, object] = {"azure_endpoint": endpoint, "api_key": KEY, "max_retries": 0, **kwargs}
        made.append(AzureOpenAI(api_version=api_version, **options))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(azure: Callable[..., AzureOpenAI]) -> AzureOpenAI:
    return azure()


@pytest.fixture
async def async_client(endpoint: str) -> AsyncIterator[AsyncAzureOpenAI]:
    async with AsyncAzureOpenAI(azure_endpoint=endpoint, api_key=KEY, api_version="2024-10-21", max_retries=0) as c:
        yield c


@pytest.fixture
def v1_client(endpoint: str) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key=KEY, max_retries=0) as c:
        yield c


@pytest.fixture
def http(endpoint: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=endpoint, headers={"api-key": KEY}, timeout=10) as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
