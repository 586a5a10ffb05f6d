"""Test support: a real emulator on a free port, waiting and timing, speech to upload and to
decode, and validation against the official specs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
import wave
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import av
import httpx
import numpy as np
import openai
import pytest
import soundfile
from jsonschema import validators
from openai import AzureOpenAI
from openapi_schema_validator import OAS30Validator

from emulator.settings import Settings
from emulator.testing import serve_in_thread

SPECS = Path(__file__).parent / "specs" / "azure-openai"
# The app behind each running endpoint, for the few tests that look inside.
APPS: dict[str, Any] = {}

T = TypeVar("T")


@contextlib.contextmanager
def running_emulator(settings: Settings) -> Iterator[str]:
    """Serve ``settings`` on a free loopback port in a thread; yield the endpoint."""
    with serve_in_thread(settings) as served:
        APPS[served.endpoint] = served.app
        try:
            yield served.endpoint
        finally:
            APPS.pop(served.endpoint, None)


def refused(call: Callable[[], Any], status: int = 400) -> dict[str, Any]:
    """The error object of the Azure error ``call`` raises, checking its status."""
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    assert caught.value.status_code == status
    error: dict[str, Any] = caught.value.response.json()["error"]
    return error


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The error object of an Azure error response, checking the envelope around it."""
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == response.headers["apim-request-id"]
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``python -m emulator`` with ``args``, its output piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def rule_counts(endpoint: str, name: str) -> list[dict[str, Any]]:
    """The rules of scenario ``name`` as the admin API describes them, with how many requests
    each matched and was applied to."""
    return httpx.get(f"{endpoint}/_emulator/scenarios/{name}").json()["rules"]


def wait_until(predicate: Callable[[], T], timeout_s: float = 10.0, interval_s: float = 0.05) -> T:
    """Call ``predicate`` every ``interval_s`` until it returns something truthy, and return
    that; fail if ``timeout_s`` passes first. Tests wait for a state this way, never for a
    fixed time that is too long on a quiet machine and too short on a busy one."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            # A named predicate (``def expired(): ...``) makes the message say what was awaited.
            name = getattr(predicate, "__qualname__", repr(predicate)).replace(".<locals>.", ": ")
            raise AssertionError(f"waited {timeout_s} s for {name}; it last gave {value!r}")
        time.sleep(interval_s)


def assert_close(actual: float, expected: float, tolerance: float) -> None:
    """Timings are asserted within a tolerance, never by equality (Toxiproxy's AssertDeltaTime)."""
    assert abs(actual - expected) <= tolerance, f"{actual:.4f} is not within {tolerance} of {expected:.4f}"


# -- audio: speech to hear and to upload, read back by standard decoders --------------------


# What speak() says unless told otherwise.
SPEECH_TEXT = "The quick brown fox jumps over the lazy dog. Then it rests in the shade of an old oak tree."


def speak(client: AzureOpenAI, text: str = SPEECH_TEXT, **kwargs: Any) -> Any:
    options = {"model": "tts", "voice": "alloy", **kwargs}
    return client.audio.speech.create(input=text, **options)


def decode_audio(data: bytes, fmt: str) -> tuple[int, float]:
    """Sample rate and duration, read by a standard decoder."""
    if fmt == "pcm":
        return 24_000, len(data) / 2 / 24_000
    if fmt == "aac":
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.audio[0]
            samples = sum(frame.samples for frame in container.decode(stream))
            return stream.sample_rate, samples / stream.sample_rate
    with soundfile.SoundFile(io.BytesIO(data)) as sound:
        return sound.samplerate, sound.frames / sound.samplerate


def wav_bytes(samples: np.ndarray, rate: int = 24_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def tone(seconds: float, hz: float = 330.0, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * 9000).astype(np.int16)


@lru_cache(maxsize=None)
def spec(version: str) -> dict[str, Any]:
    name = "openapi.json" if version == "v1" else "inference.json"
    return json.loads((SPECS / version / name).read_text("utf-8"))


def spec_versions() -> list[str]:
    return sorted(p.name for p in SPECS.iterdir() if p.is_dir())


def _enum_allowing_nullable(validator: Any, enums: Any, instance: Any, schema: dict[str, Any]) -> Any:
    # The specs write nullable enums ({"enum": [...], "nullable": true}) without null among the
    # values; OpenAPI 3.0.3 reads that as "null not allowed", but the intent (and the
    # service) send null, e.g. a chunk's finish_reason.
    if instance is None and schema.get("nullable"):
        return
    yield from OAS30Validator.VALIDATORS["enum"](validator, enums, instance, schema)


def _nullable_too(keyword: str) -> Any:
    """``nullable: true`` beside ``allOf``/``anyOf``/``oneOf``/``$ref`` (as the v1 spec writes
    `error`, `instructions`, `reasoning.effort`) admits null; the 3.0 validator only honours
    it beside ``type``."""
    original = OAS30Validator.VALIDATORS[keyword]

    def check(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Any:
        if instance is None and schema.get("nullable"):
            return
        yield from original(validator, value, instance, schema)

    return check


SpecValidator = validators.extend(
    OAS30Validator,
    {"enum": _enum_allowing_nullable, **{k: _nullable_too(k) for k in ("allOf", "anyOf", "oneOf", "$ref")}},
)


def _validator(version: str, schema: dict[str, Any]) -> Any:
    document = spec(version)
    root = {**schema, "components": document["components"]}
    # The 3.1 documents (2025-03-01-preview on) still mark optional values with 3.0's
    # `nullable`, which only the 3.0 validator honours.
    return SpecValidator(root)


def response_schema(version: str, path: str, status: str = "200") -> dict[str, Any]:
    document = spec(version)
    key = f"/{path}" if version == "v1" else f"/deployments/{{deployment-id}}/{path}"
    content = document["paths"][key]["post"]["responses"][status]["content"]
    return content["application/json"]["schema"]


def assert_valid_response(version: str, path: str, body: dict[str, Any]) -> None:
    """Raise if ``body`` breaks the official 200 schema of ``path`` in ``version``."""
    validator = _validator(version, response_schema(version, path))
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{version} {path}: " + "; ".join(_explain(e) for e in errors[:5])


def assert_valid_component(version: str, component: str, body: dict[str, Any]) -> None:
    validator = _validator(version, {"$ref": f"#/components/schemas/{component}"})
    errors = list(validator.iter_errors(body))
    assert not errors, f"{version} {component}: " + "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])


def _explain(error: Any) -> str:
    # For oneOf/anyOf failures the useful detail is in the branch errors.
    detail = "; ".join(f"{list(c.path)}: {c.message[:160]}" for c in (error.context or [])[:6])
    return f"{list(error.path)}: {error.message[:160]} [{detail}]"
