"""One emulator for the realtime tests: the built-in deployments, one realtime deployment
paced as the service is (its audio goes out as fast as it plays), and one whose content
filter is strict."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai import AzureOpenAI
from realtime_support import VERSION

from emulator.settings import DEFAULT_DEPLOYMENTS, DeploymentConfig, Settings
from support import running_emulator


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    deployments = {name: DeploymentConfig(model=name) for name in DEFAULT_DEPLOYMENTS}
    deployments["paced-realtime"] = DeploymentConfig(model="gpt-realtime", timing="realistic")
    deployments["strict-realtime"] = DeploymentConfig(model="gpt-realtime", content_filter="strict")
    with running_emulator(Settings.build(deployments=deployments)) as url:
        yield url


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    ws = endpoint.replace("http://", "ws://") + "/openai"
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version=VERSION, websocket_base_url=ws) as made:
        yield made
