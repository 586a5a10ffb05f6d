"""Stopping: SIGTERM takes the same path as SIGINT (emulator/serving.py). The real command
line process is started, given an upload and an open stream, and sent the signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from support import wait_until

CONFIG = """
timing_profiles:
  crawl: {ttft_ms: 50, tokens_per_s: 20}
deployments:
  slow: {model: gpt-4o-mini, timing: crawl, reply_tokens: 300}
"""


@dataclass
class Running:
    process: subprocess.Popen[str]
    endpoint: str
    temp: Path  # the process's temporary directory (TMPDIR)

    def stop(self, sig: int, timeout_s: float = 20) -> str:
        """Send ``sig``; what the process wrote on stderr once it has exited."""
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=timeout_s)
        return err

    def upload(self) -> str:
        response = httpx.post(
            f"{self.endpoint}/openai/v1/files",
            headers={"api-key": "k"},
            files={"file": ("lines.jsonl", b'{"custom_id": "a"}\n')},
            data={"purpose": "batch"},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["id"])


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    started: list[Running] = []

    def run(*args: str, loaded: bool = False) -> Running:
        """The command line with ``args``; ``loaded``: once its tokenizers are loaded too."""
        temp = tmp_path / f"tmp{len(started)}"
        temp.mkdir()
        config = tmp_path / "emulator.yaml"
        config.write_text(CONFIG)
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--config", str(config), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(temp)},
        )
        assert process.stdout is not None
        endpoint = process.stdout.readline().split(" listening on ")[1].strip()
        if loaded:
            wait_until(lambda: httpx.get(f"{endpoint}/_emulator/health").json()["ready"], timeout_s=30)
        started.append(Running(process, endpoint, temp))
        return started[-1]

    yield run
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.communicate()


def access_lines(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def refuses_connections(endpoint: str) -> bool:
    host, port = endpoint.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_streams_deliberately_removes_temporary_files_and_exits_0(start: Any, sig: int) -> None:
    running = start("--log-level", "info", "--log-format", "json", loaded=True)
    running.upload()
    assert [p.name for p in running.temp.iterdir()][0].startswith("aoai-emulator-files-")
    seen: list[Any] = []
    failures: list[Exception] = []

    def stream() -> None:
        with openai.OpenAI(base_url=f"{running.endpoint}/openai/v1/", api_key="k", max_retries=0) as client:
            try:
                for chunk in client.chat.completions.create(
                    model="slow", messages=[{"role": "user", "content": "Tell me a long story"}], stream=True
                ):
                    seen.append(chunk)
            except openai.APIError as exc:
                failures.append(exc)

    reader = threading.Thread(target=stream)
    reader.start()
    wait_until(lambda: len(seen) >= 3)
    stopped_at = time.monotonic()
    stderr = running.stop(sig)
    reader.join(timeout=10)
    assert running.process.returncode == 0, stderr
    assert time.monotonic() - stopped_at < 5  # nothing waited out the 5 s grace period
    # The client was told, in an error event, rather than left with a broken connection.
    [failure] = failures
    assert "temporarily unable to process your request" in str(failure)
    lines = {line["operation"]: line for line in access_lines(stderr)}
    assert (lines["files_upload"]["outcome"], lines["chat_completions"]["outcome"]) == ("completed", "server_stopped")
    assert list(running.temp.iterdir()) == []
    assert refuses_connections(running.endpoint)


def unfinished_upload(endpoint: str) -> socket.socket:
    """A connection carrying an upload whose body never finishes, once the server is reading
    it: the ``100 Continue`` it sends when the app first asks for the body is the proof, so
    a stop sent next finds the request in flight rather than an idle connection."""
    host, port = endpoint.removeprefix("http://").split(":")
    upload = socket.create_connection((host, int(port)), timeout=10)
    upload.sendall(
        b"POST /openai/v1/files HTTP/1.1\r\nHost: x\r\napi-key: k\r\nExpect: 100-continue\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
    )
    assert upload.recv(100).startswith(b"HTTP/1.1 100 Continue")
    upload.sendall(b"--b\r\n")
    return upload


def test_a_second_signal_ends_the_grace_period_at_once_and_still_cleans_up(start: Any) -> None:
    running = start("--grace-period", "60")
    running.upload()
    # An upload whose body never finishes keeps the first stop waiting.
    upload = unfinished_upload(running.endpoint)
    try:
        running.process.send_signal(signal.SIGTERM)
        with pytest.raises(subprocess.TimeoutExpired):
            running.process.wait(timeout=1)
        stopped_at = time.monotonic()
        running.stop(signal.SIGTERM)
        assert running.process.returncode == 0
        assert time.monotonic() - stopped_at < 5
        assert list(running.temp.iterdir()) == []
    finally:
        upload.close()


def test_what_is_in_flight_when_the_grace_period_ends_loses_its_connection(start: Any) -> None:
    running = start("--grace-period", "0.5")
    upload = unfinished_upload(running.endpoint)
    try:
        stopped_at = time.monotonic()
        stderr = running.stop(signal.SIGTERM)
        assert running.process.returncode == 0
        assert 0.5 <= time.monotonic() - stopped_at < 5
        assert "Traceback" not in stderr  # nothing is cancelled noisily
        upload.settimeout(5)
        try:
            assert upload.recv(100) == b""  # the server closed it ...
        except ConnectionResetError:
            pass  # ... or reset it
    finally:
        upload.close()


def test_a_files_folder_the_user_named_is_left_in_place(start: Any, tmp_path: Path) -> None:
    kept = tmp_path / "kept-files"
    config = tmp_path / "with-dir.yaml"
    config.write_text(f"files: {{dir: {kept}}}\n")
    running = start("--config", str(config))
    file_id = running.upload()
    running.stop(signal.SIGTERM)
    assert running.process.returncode == 0
    assert (kept / file_id).read_bytes() == b'{"custom_id": "a"}\n'


def test_the_folders_for_certificates_and_recordings_are_left_as_they_are(tmp_path: Path) -> None:
    tls, recordings = tmp_path / "tls", tmp_path / "recordings"
    recordings.mkdir()
    (recordings / "notes.txt").write_text("kept")
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--tls", "--tls-dir", str(tls), "--replay", str(recordings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert process.stdout is not None
    assert " listening on https://" in process.stdout.readline()
    made = sorted(p.name for p in tls.iterdir())
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    assert process.returncode == 0
    assert sorted(p.name for p in tls.iterdir()) == made and "ca.pem" in made
    assert (recordings / "notes.txt").read_text() == "kept"
