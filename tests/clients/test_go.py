"""The Go clients against the emulator: openai-go (v3) with its Azure options, and the Azure
SDK's azopenai. openai-go sends credentials only over HTTPS, so it runs against the
emulator's TLS mode, trusting the local CA. Dependencies are pinned by go.mod and go.sum;
builds are cached by Go itself between runs."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from programs import HERE, Secure, verdicts

GO = HERE / "go"
CASES = ["chat", "stream", "embeddings", "image", "speech", "transcription", "completions", "error", "throttled"]
# The Responses API, where the library has it.
OPENAI_GO_CASES = [*CASES, "responses"]

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="Go is not installed")


def build(program: str) -> str:
    binary = GO / "bin" / program
    subprocess.run(
        ["go", "build", "-o", str(binary), f"./{program}"], cwd=GO, check=True, capture_output=True, timeout=600
    )
    return str(binary)


@pytest.fixture(scope="module")
def openai_go(tls_endpoint: Secure) -> dict[str, str]:
    return verdicts([build("openaigo")], GO, tls_endpoint.endpoint, env={"SSL_CERT_FILE": str(tls_endpoint.ca)})


@pytest.mark.parametrize("case", OPENAI_GO_CASES)
def test_openai_go(openai_go: dict[str, str], case: str) -> None:
    assert openai_go.get(case) == "PASS", openai_go.get(case, "not reported")


def test_openai_go_reports_every_case(openai_go: dict[str, str]) -> None:
    assert sorted(openai_go) == sorted(OPENAI_GO_CASES)


@pytest.fixture(scope="module")
def azopenai(tls_endpoint: Secure) -> dict[str, str]:
    return verdicts([build("azopenai")], GO, tls_endpoint.endpoint, env={"SSL_CERT_FILE": str(tls_endpoint.ca)})


@pytest.mark.parametrize("case", CASES)
def test_azopenai(azopenai: dict[str, str], case: str) -> None:
    assert azopenai.get(case) == "PASS", azopenai.get(case, "not reported")


def test_azopenai_reports_every_case(azopenai: dict[str, str]) -> None:
    assert sorted(azopenai) == sorted(CASES)
