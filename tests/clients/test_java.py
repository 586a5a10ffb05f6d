"""The Java clients against the emulator: the Azure SDK's azure-ai-openai and openai-java with
its Azure settings, over the emulator's TLS (both send keys only over HTTPS), trusting the
local CA through a trust store made with keytool. Versions are pinned in pom.xml; Maven's
local repository and incremental compile keep reruns fast."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from programs import HERE, Secure, verdicts

JAVA = HERE / "java"
CASES = ["chat", "stream", "embeddings", "image", "speech", "transcription", "completions", "error", "throttled"]
# The Responses API, where the library has it.
OPENAI_JAVA_CASES = [*CASES, "responses"]

pytestmark = pytest.mark.skipif(
    shutil.which("mvn") is None or shutil.which("java") is None, reason="Java and Maven are not installed"
)


@pytest.fixture(scope="module")
def java_command(tls_endpoint: Secure, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Compile the programs; the java command line that runs one, trusting the local CA."""
    subprocess.run(
        ["mvn", "-q", "-B", "compile", "dependency:build-classpath", "-Dmdep.outputFile=target/classpath.txt"],
        cwd=JAVA,
        check=True,
        capture_output=True,
        timeout=900,
    )
    store: Path = tmp_path_factory.mktemp("java") / "truststore.p12"
    subprocess.run(
        [
            "keytool",
            "-importcert",
            "-noprompt",
            "-alias",
            "aoai-emulator",
            "-file",
            str(tls_endpoint.ca),
            "-keystore",
            str(store),
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    classpath = f"{JAVA / 'target' / 'classes'}{os.pathsep}{(JAVA / 'target' / 'classpath.txt').read_text().strip()}"
    return [
        "java",
        f"-Djavax.net.ssl.trustStore={store}",
        "-Djavax.net.ssl.trustStorePassword=changeit",
        "-Djavax.net.ssl.trustStoreType=PKCS12",
        "-cp",
        classpath,
    ]


@pytest.fixture(scope="module")
def azure_ai_openai(java_command: list[str], tls_endpoint: Secure) -> dict[str, str]:
    return verdicts([*java_command, "emulator.clients.AzureAiOpenAiCheck"], JAVA, tls_endpoint.endpoint)


@pytest.mark.parametrize("case", CASES)
def test_azure_ai_openai(azure_ai_openai: dict[str, str], case: str) -> None:
    assert azure_ai_openai.get(case) == "PASS", azure_ai_openai.get(case, "not reported")


def test_azure_ai_openai_reports_every_case(azure_ai_openai: dict[str, str]) -> None:
    assert sorted(azure_ai_openai) == sorted(CASES)


@pytest.fixture(scope="module")
def openai_java(java_command: list[str], tls_endpoint: Secure) -> dict[str, str]:
    return verdicts([*java_command, "emulator.clients.OpenAiJavaCheck"], JAVA, tls_endpoint.endpoint)


@pytest.mark.parametrize("case", OPENAI_JAVA_CASES)
def test_openai_java(openai_java: dict[str, str], case: str) -> None:
    assert openai_java.get(case) == "PASS", openai_java.get(case, "not reported")


def test_openai_java_reports_every_case(openai_java: dict[str, str]) -> None:
    assert sorted(openai_java) == sorted(OPENAI_JAVA_CASES)
