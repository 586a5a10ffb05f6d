"""The wheel holds what an installed emulator needs: every package, the catalogs, and the
ready-made scenarios from the repository's scenarios/ folder, so ``aoai-emulator --scenario
throttled`` works from an installed package, not only from a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import wait_until

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_list_names_every_package_folder() -> None:
    from setuptools.config.pyprojecttoml import read_configuration

    listed = set(read_configuration(ROOT / "pyproject.toml")["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "emulator").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert listed == folders | {"emulator.scenarios"}


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The wheel built from this checkout, unpacked where nothing else of the project is."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("aoai_emulator-*.whl")
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    yield target


def test_the_wheel_carries_the_scenarios_catalogs_and_entry_points(unpacked: Path) -> None:
    shipped = {path.name for path in (unpacked / "emulator" / "scenarios").glob("*.yaml")}
    assert shipped == {path.name for path in (ROOT / "scenarios").glob("*.yaml")}
    assert (unpacked / "emulator" / "data" / "api_versions.yaml").is_file()
    assert (unpacked / "emulator" / "data" / "errors.yaml").is_file()
    assert any((unpacked / "emulator" / "data" / "tokenizers").glob("*.gz"))
    [info] = unpacked.glob("aoai_emulator-*.dist-info")
    entry_points = (info / "entry_points.txt").read_text()
    assert "aoai-emulator = emulator.cli:main" in entry_points
    assert "aoai_emulator = emulator.testing.plugin" in entry_points


def test_an_installed_emulator_runs_a_ready_made_scenario(unpacked: Path, tmp_path: Path) -> None:
    # Run from an empty folder with only the unpacked wheel on the path: the checkout's own
    # scenarios/ folder cannot be what is found.
    env = {"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"}
    where = subprocess.run(
        [sys.executable, "-c", "import emulator; print(emulator.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(unpacked / "emulator" / "__init__.py")
    output = tmp_path / "out.txt"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--scenario", "throttled"],
            env=env,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:

        def banner() -> str:
            assert process.poll() is None, output.read_text()
            text = output.read_text()
            return text if " listening on " in text else ""

        endpoint = wait_until(banner, timeout_s=30).split(" listening on ", 1)[1].split()[0]
        response = httpx.post(
            f"{endpoint}/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k"},
            json={"messages": [{"role": "user", "content": "Hi"}]},
            timeout=10,
        )
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "429"
    finally:
        process.terminate()
        process.wait(timeout=10)
