"""The Dockerfile and docker-compose.yml agree with the package. No Docker engine runs here, so
the files are read and checked against what they name: paths, ports, variables, command,
health check and configurations."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from emulator.cli import ENV
from emulator.faults.engine import builtin_scenarios
from emulator.settings import load_config_file

ROOT = Path(__file__).resolve().parent.parent


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def one(keyword: str) -> str:
    (value,) = [rest for key, rest in instructions() if key == keyword]
    return value


def env_defaults() -> dict[str, str]:
    pairs = re.findall(r"(\w+)=(\S+)", " ".join(rest for key, rest in instructions() if key == "ENV"))
    return dict(pairs)


def compose() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_what_the_image_copies_exists_and_is_not_ignored() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    for key, rest in instructions():
        if key == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source not in ignored, f"{source} is copied but .dockerignore drops it"
    # pyproject names the README, so the install needs it in the image.
    readme = re.search(r'^readme = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert readme is not None
    copied = [source for key, rest in instructions() if key == "COPY" for source in rest.split()[:-1]]
    assert readme.group(1) in copied


def test_the_image_copies_every_folder_the_package_is_built_from() -> None:
    from setuptools.config.pyprojecttoml import read_configuration

    setuptools = read_configuration(ROOT / "pyproject.toml")["tool"]["setuptools"]
    # A package maps to its own folder unless package-dir says otherwise (scenarios/).
    folders = {setuptools.get("package-dir", {}).get(name, name.split(".")[0]) for name in setuptools["packages"]}
    copied = {source for key, rest in instructions() if key == "COPY" for source in rest.split()[:-1]}
    assert folders <= copied, f"not copied into the image: {sorted(folders - copied)}"


def test_the_image_runs_the_packaged_command_as_a_user() -> None:
    scripts = {e.name for e in entry_points(group="console_scripts")}
    assert json.loads(one("ENTRYPOINT")) == ["aoai-emulator"] and "aoai-emulator" in scripts
    assert one("USER") not in ("root", "0")
    assert one("FROM").startswith("python:3.11-slim")


def test_the_variables_and_port_are_the_commands_own() -> None:
    defaults = env_defaults()
    assert set(defaults) - {"PYTHONUNBUFFERED"} <= set(ENV.values())
    assert defaults["AOAI_EMULATOR_HOST"] == "0.0.0.0"  # reachable from outside the container
    assert one("EXPOSE") == defaults["AOAI_EMULATOR_PORT"]
    volumes = json.loads(one("VOLUME"))
    assert volumes == ["/config", "/scenarios"]


def test_the_health_check_passes_against_a_running_emulator(endpoint: str) -> None:
    command = json.loads(one("HEALTHCHECK").split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"] and "/_emulator/health" in command[2]
    port = str(urlparse(endpoint).port)
    result = subprocess.run(
        [sys.executable, "-c", command[2]], env={**os.environ, "AOAI_EMULATOR_PORT": port}, timeout=30
    )
    assert result.returncode == 0
    # ... and fails when nothing answers.
    failed = subprocess.run(
        [sys.executable, "-c", command[2]], env={**os.environ, "AOAI_EMULATOR_PORT": "9"}, capture_output=True
    )
    assert failed.returncode != 0


def test_compose_runs_two_regions_one_of_them_throttled() -> None:
    services = compose()["services"]
    assert isinstance(services, dict) and len(services) == 2
    exposed = one("EXPOSE")
    regions, scenarios, host_ports = set(), [], set()
    for name, service in services.items():
        assert service["build"] == ".", name
        (mapping,) = service["ports"]
        host_port, container_port = str(mapping).split(":")
        assert container_port == exposed
        host_ports.add(host_port)
        environment = service["environment"]
        assert set(environment) <= set(ENV.values()), name
        (volume,) = service["volumes"]
        source, target, *_ = volume.split(":")
        assert (ROOT / source).is_file(), source
        assert environment["AOAI_EMULATOR_CONFIG"] == target and target.startswith("/config/")
        config = load_config_file(ROOT / source)
        regions.add(config.region)
        scenario = environment.get("AOAI_EMULATOR_SCENARIO")
        if scenario is not None:
            assert scenario in builtin_scenarios()
            scenarios.append(scenario)
    assert len(regions) == 2 and len(host_ports) == 2
    assert scenarios == ["throttled"]


@pytest.mark.parametrize("text", ["docker compose up", "docker build", "8001", "8002"])
def test_the_readme_says_how_to_run_them(text: str) -> None:
    assert text in (ROOT / "README.md").read_text()
