"""The emulator the client programs run against: fixed deployments, one key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from programs import HERE, Secure

from emulator.settings import Settings
from emulator.testing import serve_in_thread
from emulator.tls import local_certificate
from support import running_emulator


@pytest.fixture(scope="session")
def client_endpoint() -> Iterator[str]:
    with running_emulator(Settings.build(HERE / "emulator.yaml")) as url:
        yield url


@pytest.fixture(scope="session")
def tls_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secure]:
    """The same emulator over HTTPS (--tls), for clients that send credentials only there."""
    files = local_certificate(tmp_path_factory.mktemp("tls"), "127.0.0.1")
    assert files.ca is not None
    with serve_in_thread(Settings.build(HERE / "emulator.yaml"), tls=files) as served:
        yield Secure(served.endpoint, files.ca)
