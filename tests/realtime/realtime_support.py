"""What the realtime tests share: the SDK's model of every server event, and audio as a
client records and sends it."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import numpy as np
from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter

from emulator.realtime import formats

VERSION = "2025-04-01-preview"
SERVER_EVENT: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def checked(event: Any) -> Any:
    """The event, after validating its JSON against the SDK's model of that server event."""
    SERVER_EVENT.validate_python(event.model_dump(mode="json", exclude_unset=True))
    return event


def until(conn: Any, kind: str) -> list[Any]:
    """Every event up to and including the first of ``kind``, each validated."""
    seen = []
    for event in conn:
        seen.append(checked(event))
        if event.type == kind:
            return seen
    raise AssertionError(f"the socket closed before {kind}")


def spoken(endpoint: str, text: str) -> np.ndarray:
    """The emulator's own speech of ``text`` (24 kHz PCM), as a client would record it."""
    answer = httpx.post(
        f"{endpoint}/openai/deployments/tts/audio/speech?api-version=2025-03-01-preview",
        headers={"api-key": "k"},
        json={"model": "tts", "input": text, "voice": "alloy", "response_format": "pcm"},
    )
    assert answer.status_code == 200
    return np.frombuffer(answer.content, dtype="<i2")


def append_in_chunks(conn: Any, data: bytes, fmt: str = "audio/pcm", chunk_ms: int = 20) -> None:
    """Audio bytes appended as a microphone sends them, ``chunk_ms`` at a time."""
    step = formats.rate(fmt) * chunk_ms // 1000 * formats.bytes_per_sample(fmt)
    for start in range(0, len(data), step):
        conn.input_audio_buffer.append(audio=base64.b64encode(data[start : start + step]).decode())


def pcm(samples: np.ndarray) -> bytes:
    return samples.astype("<i2").tobytes()
