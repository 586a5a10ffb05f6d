"""The access log: one line per Azure request, as JSON or text, with secrets and bodies kept out
unless asked for."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import websockets.sync.client

from emulator.settings import Settings
from support import run_cli, running_emulator, wait_until

CHAT = "/openai/deployments/{}/chat/completions"
GA = {"api-version": "2024-10-21"}
MESSAGES = {"messages": [{"role": "user", "content": "Hello"}]}


def test_an_access_line_per_request_in_json_with_the_body_when_asked(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings.build(log_format="json", log_bodies=True)
    with running_emulator(settings) as url:
        with caplog.at_level(logging.INFO, logger="emulator.access"):
            httpx.post(
                f"{url}{CHAT.format('gpt-4o')}",
                params=GA,
                json=MESSAGES,
                headers={"api-key": "secret-key-1234", "x-ms-client-request-id": "abc"},
            )
            # The line is written once the last byte is out, in the server's thread: the
            # client may read the answer a moment before it.
            wait_until(lambda: any(r.name == "emulator.access" for r in caplog.records))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "emulator.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "POST" and line["status"] == 200
    assert line["path"] == "/openai/deployments/gpt-4o/chat/completions"
    assert line["operation"] == "chat_completions" and line["api_version"] == "2024-10-21"
    assert line["client_request_id"] == "abc" and line["duration_ms"] >= line["first_byte_ms"] > 0
    assert line["outcome"] == "completed" and line["bytes_sent"] > 0
    assert json.loads(line["body"]) == MESSAGES
    assert "secret-key" not in caplog.text


def test_a_realtime_session_is_a_line_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    with running_emulator(Settings.build(log_format="json")) as url:
        with caplog.at_level(logging.INFO, logger="emulator.access"):
            realtime = url.replace("http://", "ws://") + "/openai/v1/realtime?model=gpt-realtime"
            with websockets.sync.client.connect(realtime, additional_headers={"api-key": "secret-key-1234"}) as socket:
                assert json.loads(socket.recv())["type"] == "session.created"
            wait_until(lambda: any(r.name == "emulator.access" for r in caplog.records))
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "emulator.access"]
    assert line["method"] == "GET" and line["status"] == 101 and line["operation"] == "realtime"
    assert line["path"] == "/openai/v1/realtime" and line["deployment"] == "gpt-realtime"
    assert line["events_sent"] == 1 and line["outcome"] == "completed"
    assert "secret-key" not in caplog.text


def test_the_command_line_writes_text_lines_without_bodies() -> None:
    process = run_cli("--port", "0", "--log-level", "info")
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().split(" listening on ")[1].strip()
        httpx.post(
            f"{endpoint}{CHAT.format('gpt-4o')}",
            params=GA,
            json={"messages": [{"role": "user", "content": "private words"}]},
            headers={"api-key": "secret-key-1234"},
            timeout=10,
        )
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    access = [line for line in err.splitlines() if "/chat/completions" in line]
    assert len(access) == 1
    assert '"POST /openai/deployments/gpt-4o/chat/completions" 200' in access[0]
    assert 'operation="chat_completions"' in access[0]
    assert "private words" not in err and "secret-key" not in err
