"""Record and replay, with a second emulator standing in for Azure as the upstream."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.settings import DeploymentConfig, Settings, TimingConfig
from support import run_cli, running_emulator

KEY = "very-secret-key-0001"
PREVIEW = "2025-04-01-preview"
QUESTION = [{"role": "user", "content": "Name three rivers."}]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    settings = Settings.build(
        timing_profiles={"paced": TimingConfig(ttft_ms=150, tokens_per_s=400)},
        deployments={
            "gpt-4o": DeploymentConfig(model="gpt-4o"),
            "paced": DeploymentConfig(model="gpt-4o", timing="paced", reply_tokens=20),
            "text-embedding-3-small": DeploymentConfig(model="text-embedding-3-small"),
            "dall-e-3": DeploymentConfig(model="dall-e-3"),
            "tts": DeploymentConfig(model="tts"),
            "whisper": DeploymentConfig(model="whisper"),
        },
        infer_deployments=False,
    )
    with running_emulator(settings) as url:
        yield url


def client(endpoint: str, **kwargs: Any) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=endpoint, api_key=KEY, api_version=PREVIEW, max_retries=0, **kwargs)


def session(endpoint: str, user: str = "run-1") -> dict[str, Any]:
    """The same calls, made against ``endpoint``; what came back. ``user`` differs between
    runs, as it does in real code, and does not decide a match."""
    c = client(endpoint)
    out: dict[str, Any] = {}
    out["chat"] = c.chat.completions.create(model="gpt-4o", messages=QUESTION, user=user).choices[0].message.content
    stream = c.chat.completions.create(model="gpt-4o", messages=QUESTION, stream=True)
    out["stream"] = [chunk.model_dump(exclude={"id", "created"}) for chunk in stream]
    out["embedding"] = c.embeddings.create(model="text-embedding-3-small", input="a river").data[0].embedding[:5]
    out["image_url"] = c.images.generate(model="dall-e-3", prompt="a river delta").data[0].url
    speech = c.audio.speech.create(model="tts", voice="alloy", input="Rivers run.", response_format="wav").content
    out["speech"] = speech
    out["transcript"] = c.audio.transcriptions.create(model="whisper", file=("a.wav", speech)).text
    with pytest.raises(openai.NotFoundError) as missing:
        c.chat.completions.create(model="no-such-deployment", messages=QUESTION)
    out["error"] = missing.value.response.json()
    return out


@pytest.fixture(scope="module")
def recorded(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("recordings")
    with running_emulator(Settings.build(record_upstream=upstream, record_dir=directory)) as recorder:
        seen = session(recorder)
        paced = client(recorder).chat.completions.create(model="paced", messages=QUESTION, stream=True)
        assert [c for c in paced]
    return directory, seen


def test_recording_passes_the_service_through_and_writes_readable_files(
    recorded: tuple[Path, dict[str, Any]], upstream: str
) -> None:
    directory, seen = recorded
    direct = client(upstream).chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert seen["chat"] == direct.choices[0].message.content
    files = sorted(directory.glob("*.json"))
    assert len(files) == 8
    for path in files:
        record = json.loads(path.read_text())
        assert {"request", "response"} <= set(record)
        assert record["request"]["api_version"] == PREVIEW
    stream = next(json.loads(p.read_text()) for p in files if "events" in json.loads(p.read_text())["response"])
    assert stream["response"]["events"][-1]["event"] == "data: [DONE]"


def test_no_secret_is_written_down(recorded: tuple[Path, dict[str, Any]]) -> None:
    directory, seen = recorded
    everything = "".join(p.read_text() for p in directory.glob("*.json"))
    assert KEY not in everything and KEY[-4:] not in everything
    assert "sig=REDACTED" in everything  # the image link's signature
    assert "sig=" in seen["image_url"] and "sig=REDACTED" not in seen["image_url"]  # the client got the real one


def test_replay_answers_the_same_without_the_upstream(recorded: tuple[Path, dict[str, Any]]) -> None:
    directory, seen = recorded
    with running_emulator(Settings.build(replay_dir=directory)) as replayer:
        again = session(replayer, user="run-2")
    for name in ("chat", "stream", "embedding", "speech", "transcript", "error"):
        assert again[name] == seen[name], name
    assert again["image_url"].split("?")[0] == seen["image_url"].split("?")[0]


def test_a_request_nothing_matches_says_what_was_looked_for(recorded: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = recorded
    with running_emulator(Settings.build(replay_dir=directory)) as replayer:
        with pytest.raises(openai.NotFoundError) as caught:
            client(replayer).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "New."}])
    error = caught.value.response.json()["error"]
    assert error["code"] == "RecordingNotFound"
    assert "chat_completions" in error["message"] and "'gpt-4o'" in error["message"] and PREVIEW in error["message"]


def test_a_stream_replays_at_its_recorded_pace_when_asked(recorded: tuple[Path, dict[str, Any]]) -> None:
    directory, _ = recorded

    def streamed(timing: bool) -> float:
        with running_emulator(Settings.build(replay_dir=directory, replay_timing=timing)) as replayer:
            started = time.monotonic()
            with httpx.stream(
                "POST",
                f"{replayer}/openai/deployments/paced/chat/completions",
                params={"api-version": PREVIEW},
                json={"messages": QUESTION, "stream": True},
            ) as response:
                assert response.status_code == 200
                assert response.read().endswith(b"data: [DONE]\n\n")
            return time.monotonic() - started

    assert streamed(timing=True) >= 0.15  # the recorded time to first token
    assert streamed(timing=False) < 0.15


def test_a_replay_folder_with_a_file_that_is_not_a_recording_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "stray.json").write_text('{"not": "a recording"}')
    process = run_cli("--port", "0", "--replay", str(tmp_path))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"aoai-emulator: --replay: {tmp_path / 'stray.json'}: not a recording this emulator wrote" in err
    assert "Traceback" not in err
