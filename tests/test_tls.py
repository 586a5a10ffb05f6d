"""--tls: HTTPS with a certificate from the emulator's own local CA, trusted by real clients."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openai import AzureOpenAI

from support import run_cli, wait_until


def start_tls(out: Path, *args: str) -> tuple[subprocess.Popen[str], str, str]:
    """The emulator with ``args``, its output to a file; its endpoint, and what it printed
    before serving (read once it answers, so nothing waits on a line that never comes)."""
    with out.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", *args], stdout=sink, stderr=subprocess.STDOUT, text=True
        )

    def printed_or_exited() -> bool:
        # A process that has exited will never print the line: stop waiting for it.
        return " listening on " in out.read_text() or process.poll() is not None

    def answering() -> bool:
        try:
            httpx.get(f"{endpoint}/_emulator/health", verify=False, timeout=2)  # noqa: S501 - only waiting for it
        except httpx.TransportError:
            return False
        return True

    try:
        wait_until(printed_or_exited, timeout_s=30)
        assert " listening on " in out.read_text(), f"the emulator did not start: {out.read_text()}"
        endpoint = out.read_text().split(" listening on ", 1)[1].split()[0]
        wait_until(answering, timeout_s=30)
    except AssertionError:
        stop(process)
        raise
    return process, endpoint, out.read_text()


def trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.communicate(timeout=30)


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


# The SDK's sync realtime client opens its socket outside a with block, which websockets 17
# warns about; the warning is the SDK's, not the emulator's.
@pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager:DeprecationWarning")
def test_the_openai_client_trusting_the_local_ca_talks_https(tls_dir: Path, tmp_path: Path) -> None:
    process, endpoint, printed = start_tls(tmp_path / "out.txt", "--tls", "--tls-dir", str(tls_dir))
    try:
        ca = tls_dir / "ca.pem"
        assert endpoint.startswith("https://127.0.0.1:")
        # The banner says where the CA is and how each language trusts it.
        for hint in (str(ca), "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "keytool -importcert"):
            assert hint in printed
        with httpx.Client(verify=trusting(ca)) as http:
            # Entra tokens: the Azure SDKs send them only over HTTPS.
            client = AzureOpenAI(
                azure_endpoint=endpoint,
                azure_ad_token="a-token",
                api_version="2024-10-21",
                http_client=http,
                max_retries=0,
            )
            answer = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
            assert answer.choices[0].message.content
            # The Realtime API (a preview version: 2024-10-21 has none): the Azure client dials
            # wss:// on its own, with the token as a bearer.
            voice = AzureOpenAI(
                azure_endpoint=endpoint, azure_ad_token="a-token", api_version="2025-04-01-preview", http_client=http
            )
            with voice.realtime.connect(model="gpt-realtime", websocket_connection_options={"ssl": trusting(ca)}) as rt:
                assert rt.recv().type == "session.created"
        # Without the CA the certificate is refused: it really is a private authority.
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{endpoint}/_emulator/health", verify=ssl.create_default_context())
    finally:
        stop(process)


def test_the_ca_is_kept_across_restarts(tls_dir: Path, tmp_path: Path) -> None:
    from emulator.tls import local_certificate

    made = local_certificate(tls_dir, "127.0.0.1").ca
    assert made is not None
    ca_before = made.read_bytes()
    process, endpoint, _ = start_tls(tmp_path / "out.txt", "--tls", "--tls-dir", str(tls_dir))
    try:
        assert httpx.get(f"{endpoint}/_emulator/health", verify=trusting(tls_dir / "ca.pem")).status_code == 200
    finally:
        stop(process)
    assert (tls_dir / "ca.pem").read_bytes() == ca_before


def test_a_certificate_of_your_own(tls_dir: Path, tmp_path: Path) -> None:
    from emulator.tls import local_certificate

    own = local_certificate(tmp_path / "own", "127.0.0.1")
    assert own.ca is not None
    process, endpoint, printed = start_tls(tmp_path / "out.txt", "--tls-cert", str(own.cert), "--tls-key", str(own.key))
    try:
        assert endpoint.startswith("https://")
        assert "SSL_CERT_FILE" not in printed  # no CA of ours to explain
        assert httpx.get(f"{endpoint}/_emulator/health", verify=trusting(own.ca)).status_code == 200
    finally:
        stop(process)


def test_a_key_without_a_certificate_is_refused(tmp_path: Path) -> None:
    process = run_cli("--port", "0", "--tls-key", str(tmp_path / "key.pem"))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--tls-cert and --tls-key go together" in err
