"""Server VAD's idle timeout, through the official Python client: a user silent for
``idle_timeout_ms`` after an answer gets ``input_audio_buffer.timeout_triggered``, their
silence committed as a turn, and a new response."""

from __future__ import annotations

import time

import pytest
from openai import AzureOpenAI
from realtime_support import checked, until

pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager:DeprecationWarning")


def test_a_silent_user_is_prompted_after_the_idle_timeout(client: AzureOpenAI) -> None:
    detection = {"type": "server_vad", "idle_timeout_ms": 5000}  # the shortest the service takes
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["text"],
                "audio": {"input": {"turn_detection": detection, "transcription": {"model": "whisper-1"}}},
            }
        )
        updated = until(conn, "session.updated")[-1].session
        assert updated.audio.input.turn_detection.idle_timeout_ms == 5000
        conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hello"}]}
        )
        conn.response.create()
        until(conn, "response.done")
        answered = time.monotonic()
        events = until(conn, "input_audio_buffer.timeout_triggered")
        waited = time.monotonic() - answered
        assert 4.9 <= waited < 7.0
        assert [e.type for e in events[:-1]] == ["rate_limits.updated"]
        triggered = events[-1]
        assert triggered.audio_start_ms == triggered.audio_end_ms == 0  # nothing was appended
        events = until(conn, "response.done")
        kinds = [e.type for e in events]
        assert kinds[:3] == ["input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"]
        assert events[0].item_id == triggered.item_id
        assert events[2].item.role == "user" and events[2].item.content[0].type == "input_audio"
        heard = [e for e in events if e.type == "conversation.item.input_audio_transcription.completed"]
        assert heard[0].item_id == triggered.item_id and heard[0].transcript == ""  # silence says nothing
        assert heard[0].usage.type == "duration"  # whisper-1 bills by the second
        assert events[-1].response.status == "completed"


def test_the_idle_timeout_is_refused_outside_its_range(client: AzureOpenAI) -> None:
    with client.realtime.connect(model="gpt-realtime") as conn:
        checked(conn.recv())
        conn.session.update(
            session={
                "type": "realtime",
                "audio": {"input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 1000}}},
            }
        )
        error = checked(conn.recv())
        assert error.type == "error"
        assert error.error.param == "session.audio.input.turn_detection.idle_timeout_ms"
