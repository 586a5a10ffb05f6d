"""The pytest plugin: an emulator for your test session, and a fixture to use it.

Installed with the package and idle until a test asks for the ``aoai_emulator`` fixture::

    def test_summary(aoai_emulator):
        client = aoai_emulator.client()            # an AzureOpenAI pointed at the emulator
        aoai_emulator.script_reply("Three bullet points.")
        answer = client.chat.completions.create(model="gpt-4o", messages=[...])
        assert answer.choices[0].message.content == "Three bullet points."
        assert len(aoai_emulator.requests(operation="chat_completions")) == 1

    @pytest.mark.aoai_scenario("throttled")         # a fault scenario for this test only
    def test_retries(aoai_emulator): ...

One emulator serves the session (each pytest-xdist worker has its own), in a thread of the
test process, so nothing outlives the session. ``--aoai-emulator-endpoint`` (or
``AOAI_EMULATOR_ENDPOINT``) uses one that is already running instead; ``--aoai-emulator-config``
(or the ``aoai_emulator_config`` ini value) configures the one the plugin starts. After each
test the scenario, its counters and the scripted replies are put back.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DEFAULT_KEY = "test-key"
DEFAULT_API_VERSION = "2024-10-21"
TEST_HEADER = "x-emulator-test"
# The test's own name, readable: the dashboard's costs and retry timeline group by it, and
# scenarios counted per x-test-id (retry-then-succeed) count per test.
TEST_ID_HEADER = "x-test-id"
ADMIN_KEY_HEADER = "x-emulator-admin-key"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aoai-emulator", "Azure OpenAI emulator")
    group.addoption(
        "--aoai-emulator-endpoint",
        default=os.environ.get("AOAI_EMULATOR_ENDPOINT"),
        help="use this running emulator instead of starting one (env AOAI_EMULATOR_ENDPOINT)",
    )
    group.addoption("--aoai-emulator-config", default=None, help="configuration file for the emulator started")
    group.addoption("--aoai-emulator-key", default=os.environ.get("AOAI_EMULATOR_KEY", DEFAULT_KEY), help="api key")
    group.addoption(
        "--aoai-emulator-admin-key",
        default=os.environ.get("AOAI_EMULATOR_ADMIN_KEY"),
        help="the admin key of an emulator that asks for one (env AOAI_EMULATOR_ADMIN_KEY)",
    )
    parser.addini("aoai_emulator_config", "configuration file for the emulator started", default="")
    parser.addini("aoai_emulator_api_version", "api-version of the ready-made clients", default=DEFAULT_API_VERSION)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "aoai_scenario(name): run the test under this emulator fault scenario")
    config.addinivalue_line(
        "markers", "aoai_reply(text=None, **rule): a scripted chat reply for this test (see the README's replies)"
    )


class EmulatorServer:
    """The session's emulator: its endpoint, and whether this session started it."""

    def __init__(self, endpoint: str, owned: bool, key: str, api_version: str, admin_key: str | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.owned = owned
        self.key = key
        self.api_version = api_version
        self.admin_key = admin_key

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.endpoint}/_emulator/{path}", data=data, method=method)
        request.add_header("content-type", "application/json")
        if self.admin_key:
            request.add_header(ADMIN_KEY_HEADER, self.admin_key)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise RuntimeError(f"emulator admin API {method} /_emulator/{path}: {exc.code} {detail}") from None


@pytest.fixture(scope="session")
def aoai_emulator_server(pytestconfig: pytest.Config) -> Iterator[EmulatorServer]:
    """Start the session's emulator (or find the one given)."""
    key = pytestconfig.getoption("aoai_emulator_key")
    api_version = pytestconfig.getini("aoai_emulator_api_version")
    given = pytestconfig.getoption("aoai_emulator_endpoint")
    admin_key = pytestconfig.getoption("aoai_emulator_admin_key")
    if given:
        yield EmulatorServer(given, owned=False, key=key, api_version=api_version, admin_key=admin_key)
        return
    from ..settings import Settings
    from .server import serve_in_thread

    config = pytestconfig.getoption("aoai_emulator_config") or pytestconfig.getini("aoai_emulator_config")
    path = Path(config) if config else None
    if path is not None and not path.is_absolute():
        path = pytestconfig.rootpath / path
    settings = Settings.build(path)
    with serve_in_thread(settings) as served:
        yield EmulatorServer(served.endpoint, True, key, api_version, admin_key or settings.admin_key)


class AoaiEmulator:
    """The emulator as one test sees it."""

    def __init__(self, server: EmulatorServer, test_id: str) -> None:
        self.server = server
        self.endpoint = server.endpoint
        self.api_key = server.key
        self.api_version = server.api_version
        # Requests from the ready-made clients carry this, so a shared emulator's journal
        # can be read per test.
        self.tag = hashlib.sha1(test_id.encode("utf-8")).hexdigest()[:16]
        self.test_id = urllib.parse.quote(test_id, safe="/:[]-_.,=()@+ ")  # a header value: ASCII
        self._clients: list[Any] = []

    # -- clients ---------------------------------------------------------------------------

    def _headers(self, extra: Any) -> dict[str, str]:
        return {TEST_HEADER: self.tag, TEST_ID_HEADER: self.test_id, **(extra or {})}

    def client(self, api_version: str | None = None, **kwargs: Any) -> Any:
        """An ``openai.AzureOpenAI`` for the emulator (kwargs go to the client)."""
        from openai import AzureOpenAI

        headers = self._headers(kwargs.pop("default_headers", None))
        made = AzureOpenAI(
            azure_endpoint=self.endpoint,
            api_key=self.api_key,
            api_version=api_version or self.api_version,
            default_headers=headers,
            **kwargs,
        )
        self._clients.append(made)
        return made

    def async_client(self, api_version: str | None = None, **kwargs: Any) -> Any:
        """An ``openai.AsyncAzureOpenAI`` for the emulator."""
        from openai import AsyncAzureOpenAI

        headers = self._headers(kwargs.pop("default_headers", None))
        return AsyncAzureOpenAI(
            azure_endpoint=self.endpoint,
            api_key=self.api_key,
            api_version=api_version or self.api_version,
            default_headers=headers,
            **kwargs,
        )

    def v1_client(self, **kwargs: Any) -> Any:
        """An ``openai.OpenAI`` for the v1 routes (``/openai/v1/``)."""
        from openai import OpenAI

        headers = self._headers(kwargs.pop("default_headers", None))
        made = OpenAI(base_url=f"{self.endpoint}/openai/v1/", api_key=self.api_key, default_headers=headers, **kwargs)
        self._clients.append(made)
        return made

    # -- the journal -----------------------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The requests made during this test, in the order they arrived (journal entries),
        filtered by ``operation``, ``deployment``, ``status`` or ``outcome``. A request is
        listed once it is over (a stream once its last event is sent). On an emulator this
        session started that is every request since the test began; on a shared one, those
        of the ready-made clients."""
        query = {k: str(v) for k, v in filters.items() if v is not None}
        if not self.server.owned:
            query["header"] = f"{TEST_HEADER}:{self.tag}"
        found: list[dict[str, Any]] = self.server.admin("GET", "requests?" + urllib.parse.urlencode(query))["requests"]
        return found

    def assert_requested(self, times: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """This test's requests matching ``filters``; fails unless there are ``times`` of them
        (at least one when ``times`` is not given)."""
        found = self.requests(**filters)
        if times is None:
            assert found, f"no request matching {filters} was made"
        else:
            assert len(found) == times, f"{len(found)} requests matching {filters} were made, not {times}"
        return found

    # -- behaviour for this test -------------------------------------------------------------

    def use_scenario(self, scenario: str | dict[str, Any]) -> None:
        """Make a fault scenario active until the test ends: a built-in name or a scenario
        in its JSON form (as the admin API takes it)."""
        if isinstance(scenario, dict):
            self.server.admin("POST", "scenarios", scenario)
            scenario = str(scenario["name"])
        self.server.admin("POST", f"scenarios/reset?name={urllib.parse.quote(scenario)}")
        self.server.admin("PUT", "scenarios/active", {"name": scenario})

    def script_reply(self, text: str | None = None, **rule: Any) -> None:
        """A scripted chat reply until the test ends: fixed ``text``, or a whole rule as the
        configuration file writes one (``match``, ``when``, ``reply``)."""
        if text is not None:
            rule.setdefault("reply", {"text": text})
        rule.setdefault("name", f"test-{self.tag}")
        self.server.admin("POST", "replies", rule)

    def reset(self) -> None:
        """No scenario, fresh counters, the configured replies; on an emulator this session
        started, an empty journal."""
        self.server.admin("PUT", "scenarios/active", {"name": None})
        self.server.admin("POST", "scenarios/reset")
        self.server.admin("DELETE", "replies")
        if self.server.owned:
            self.server.admin("DELETE", "requests")

    def close(self) -> None:
        for made in self._clients:
            made.close()
        self._clients.clear()


@pytest.fixture
def aoai_emulator(aoai_emulator_server: EmulatorServer, request: pytest.FixtureRequest) -> Iterator[AoaiEmulator]:
    emulator = AoaiEmulator(aoai_emulator_server, request.node.nodeid)
    emulator.reset()
    for marker in request.node.iter_markers("aoai_scenario"):
        emulator.use_scenario(marker.args[0] if marker.args else marker.kwargs["name"])
    for marker in request.node.iter_markers("aoai_reply"):
        emulator.script_reply(*marker.args, **marker.kwargs)
    try:
        yield emulator
    finally:
        emulator.close()
        emulator.reset()
