"""The Node openai client (AzureOpenAI, 6.x for Node 20) and the @azure/openai types, against
the emulator: tests/clients/node/check.mjs, its dependencies pinned by package-lock.json."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from programs import HERE, Secure, verdicts

NODE = HERE / "node"
CASES = [
    "chat",
    "stream",
    "embeddings",
    "image",
    "speech",
    "transcription",
    "audio_chat",
    "prediction",
    "completions",
    "error",
    "throttled",
    "responses",
    "realtime_text",
    "realtime_audio",
]

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="Node.js is not installed")


def install() -> None:
    """npm ci, only when the lock file changed since the last install on this machine."""
    lock = hashlib.sha256((NODE / "package-lock.json").read_bytes()).hexdigest()
    stamp = NODE / "node_modules" / ".installed-from"
    if stamp.exists() and stamp.read_text() == lock:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
        cwd=NODE,
        check=True,
        capture_output=True,
        timeout=600,
    )
    stamp.write_text(lock)


@pytest.fixture(scope="module")
def results(client_endpoint: str, tls_endpoint: Secure) -> dict[str, str]:
    install()
    # The realtime cases dial wss:// whatever the endpoint says (buildRealtimeURL), so they
    # use the emulator over TLS and trust its local CA.
    secure = {"EMULATOR_TLS_ENDPOINT": tls_endpoint.endpoint, "NODE_EXTRA_CA_CERTS": str(tls_endpoint.ca)}
    return verdicts(["node", "check.mjs"], NODE, client_endpoint, env=secure)


@pytest.mark.parametrize("case", CASES)
def test_node_openai(results: dict[str, str], case: str) -> None:
    assert results.get(case) == "PASS", results.get(case, "not reported")


def test_every_case_is_known(results: dict[str, str]) -> None:
    assert sorted(results) == sorted(CASES)
