"""The emulator the client programs run against: fixed deployments, one key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from programs import HERE

from emulator.settings import Settings
from support import running_emulator


@pytest.fixture(scope="session")
def client_endpoint() -> Iterator[str]:
    with running_emulator(Settings.build(HERE / "emulator.yaml")) as url:
        yield url
