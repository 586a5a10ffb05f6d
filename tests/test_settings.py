"""Configuration files, built-in defaults and the command line."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from emulator.deployments import DeploymentTable
from emulator.settings import DEFAULT_DEPLOYMENTS, ConfigError, Settings, load_config_file
from support import run_cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "emulator.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "emulator.yaml"
    path.write_text(text)
    return path


def test_built_in_defaults_serve_the_common_deployments_and_infer_others() -> None:
    table = DeploymentTable(Settings.build())
    for name in DEFAULT_DEPLOYMENTS:
        assert table.resolve(name) is not None
    assert table.resolve("text-embedding-3-large").family == "embeddings"
    assert table.resolve("whisper").family == "transcription"
    assert table.resolve("gpt-4o").response_model == "gpt-4o-2024-08-06"
    assert table.resolve("my-team-bot").model.name == "gpt-4o-mini"


def test_the_example_file_loads_with_only_its_deployments() -> None:
    settings = Settings.build(EXAMPLE)
    table = DeploymentTable(settings)
    assert settings.region == "West Europe"
    assert settings.api_keys == {"local-dev-key", "ci-key"}
    assert table.resolve("chat").tpm == 30000 and table.resolve("chat").rpm == 180
    assert table.resolve("chat").enforce_quota and not table.resolve("chat-mini").enforce_quota
    assert table.resolve("gpt-4o") is None


def test_a_file_may_opt_into_inference(tmp_path: Path) -> None:
    path = write(tmp_path, "infer_deployments: true\ndeployments:\n  chat:\n    model: gpt-4o\n")
    assert DeploymentTable(Settings.build(path)).resolve("gpt-4.1-eu").model.name == "gpt-4.1"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("deployments:\n  chat:\n    model: gpt-4o\n    qouta: {tpm: 1}\n", 4, "deployments.chat.qouta"),
        ("deployments:\n  chat:\n    model: gpt-9000\n", 3, "unknown model 'gpt-9000'"),
        ("region: East US\nauth: maybe\n", 2, "auth"),
        ("deployments:\n  chat:\n    model: gpt-4o\n    reply_tokens: lots\n", 4, "reply_tokens"),
        ("deployments: [\n", 2, "invalid YAML"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        (
            "deployments:\n  c2e:\n    model: gpt-4o\n    family: embeddings\n",
            2,
            "deployments.c2e: family 'embeddings' does not fit model 'gpt-4o'",
        ),
    ],
    ids=["unknown-key", "unknown-model", "bad-auth", "bad-number", "broken-yaml", "not-a-mapping", "family-misfit"],
)
def test_a_bad_file_names_the_file_line_and_problem(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line {line}:")
    assert fragment in message


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config_file(tmp_path / "absent.yaml")


def test_cli_stops_on_a_bad_config_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "regoin: nowhere\n")
    process = run_cli("--config", str(path))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"{path}: line 1: regoin" in err


def test_cli_prints_the_endpoint_and_a_snippet_then_serves(tmp_path: Path) -> None:
    config = write(tmp_path, "region: Japan East\napi_keys: [cli-key]\n")
    process = run_cli("--port", "0", "--seed", "3", env={"AOAI_EMULATOR_CONFIG": str(config)})
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("aoai-emulator ") and " listening on http://127.0.0.1:" in first
        endpoint = first.split(" listening on ")[1].strip()
        snippet = "".join(process.stdout.readline() for _ in range(4))
        assert f'AzureOpenAI(azure_endpoint="{endpoint}", api_key="cli-key"' in snippet
        response = httpx.get(f"{endpoint}/_emulator/health", timeout=10)
        assert response.json()["status"] == "ok"
        chat = httpx.post(
            f"{endpoint}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "cli-key"},
            json={"messages": [{"role": "user", "content": "hi"}]},
            timeout=10,
        )
        assert chat.status_code == 200
        assert chat.headers["x-ms-region"] == "Japan East"
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_run_seed_changes_generated_content(endpoint: str) -> None:
    from support import running_emulator

    body = {"messages": [{"role": "user", "content": "Describe a quiet harbour"}]}
    url = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    headers = {"api-key": "k"}
    default = httpx.post(endpoint + url, json=body, headers=headers).json()
    with running_emulator(Settings.build(seed=99)) as other:
        seeded = httpx.post(other + url, json=body, headers=headers).json()
        again = httpx.post(other + url, json=body, headers=headers).json()
    assert seeded["choices"][0]["message"]["content"] == again["choices"][0]["message"]["content"]
    assert seeded["choices"][0]["message"]["content"] != default["choices"][0]["message"]["content"]


def test_the_snippet_names_a_deployment_that_exists() -> None:
    from emulator.cli import banner

    assert 'model="gpt-4o"' in banner("http://x", Settings.build())
    assert 'model="chat"' in banner("http://x", Settings.build(EXAMPLE))
