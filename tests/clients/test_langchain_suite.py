"""langchain-openai's own Azure integration tests, run as a new user would run them against
the emulator: test_azure.py and test_azure_standard.py (the langchain-tests standard suite)
from the langchain-openai source release pinned in langchain/requirements.txt, in a virtual
environment of their own made from those pins."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from programs import HERE

from emulator.settings import Settings
from emulator.tokens import write_tiktoken_cache
from support import running_emulator

FOLDER = HERE / "langchain"
REQUIREMENTS = FOLDER / "requirements.txt"
VENV = FOLDER / ".venv"
# The downloaded source release, unpacked: a dot folder, so that pytest does not collect its
# tests itself (and ignored by git).
RELEASES = FOLDER / ".releases"
# The source release's digest, as PyPI lists it: what is run is what was read.
SDIST_SHA256 = "8fd90e41588526d990f32262447adf8e130d7ce28ed66cefa315e64cc9dd12ce"
FILES = [
    "tests/integration_tests/chat_models/test_azure.py",
    "tests/integration_tests/chat_models/test_azure_standard.py",
]

# Left out, each with its reason; every other test in the two files runs.
NEEDS_THE_INTERNET = {
    "tests/integration_tests/chat_models/test_azure_standard.py::TestAzureOpenAIStandard::test_image_inputs": (
        "downloads a picture from upload.wikimedia.org before calling the model"
    ),
    "tests/integration_tests/chat_models/test_azure_standard.py::TestAzureOpenAIResponses::test_image_inputs": (
        "downloads a picture from upload.wikimedia.org before calling the model"
    ),
}


def _pinned_version() -> str:
    found = re.search(r"^langchain-openai==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert found, "langchain/requirements.txt pins langchain-openai"
    return found.group(1)


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _install() -> None:
    """The virtual environment, made again only when the pins changed since the last time."""
    pins = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / ".installed-from"
    if stamp.exists() and stamp.read_text() == pins:
        return
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True, timeout=120)
    pip = [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True, capture_output=True, timeout=600)
    stamp.write_text(pins)


def _source() -> Path:
    """langchain-openai's source release (its tests are not in the wheel), checked against
    its digest and unpacked."""
    version = _pinned_version()
    unpacked = RELEASES / f"langchain_openai-{version}"
    if (unpacked / FILES[0]).exists():
        return unpacked
    RELEASES.mkdir(parents=True, exist_ok=True)
    download = [str(_python()), "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    download += ["--no-deps", "--no-binary", ":all:", "-d", str(RELEASES), f"langchain-openai=={version}"]
    subprocess.run(download, check=True, capture_output=True, timeout=300)
    archive = RELEASES / f"langchain_openai-{version}.tar.gz"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == SDIST_SHA256, f"{archive.name} is not the release read"
    with tarfile.open(archive) as tar:
        tar.extractall(RELEASES, filter="data")
    return unpacked


@dataclass(frozen=True)
class Run:
    collected: set[str]
    outcomes: dict[str, str]  # node id -> passed, failed, error, skipped: <reason>
    output: str


def _outcomes(report: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        module, _, cls = path.partition("/Test")
        node = f"{module}.py::" + (f"Test{cls}::" if cls else "") + case.get("name", "")
        skipped = case.find("skipped")
        if case.find("failure") is not None:
            found[node] = "failed"
        elif case.find("error") is not None:
            found[node] = "error"
        elif skipped is not None:
            found[node] = f"skipped: {skipped.get('message', '')}"
        else:
            found[node] = "passed"
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    _install()
    source = _source()
    work = tmp_path_factory.mktemp("langchain-suite")
    tiktoken = work / "tiktoken"
    write_tiktoken_cache(tiktoken)
    # An emulator on its built-in defaults, as a new user starts it: any key, any deployment.
    with running_emulator(Settings.build()) as endpoint:
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(work),
            "AZURE_OPENAI_API_BASE": endpoint,
            "AZURE_OPENAI_API_KEY": "any-non-empty-key",
            "AZURE_OPENAI_API_VERSION": "2025-04-01-preview",
            "AZURE_OPENAI_CHAT_DEPLOYMENT_NAME": "gpt-4o",
            "AZURE_OPENAI_DEPLOYMENT_NAME": "gpt-4o",
            "AZURE_OPENAI_LEGACY_CHAT_DEPLOYMENT_NAME": "gpt-35-turbo",
            "OPENAI_API_KEY": "any-non-empty-key",
            "TIKTOKEN_CACHE_DIR": str(tiktoken),
            "LANGSMITH_TRACING": "false",
        }
        pytest_run = [str(_python()), "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", *FILES]
        listed = subprocess.run(
            [*pytest_run, "--collect-only", "-q"],
            cwd=source,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        report = work / "report.xml"
        deselect = [f"--deselect={node}" for node in NEEDS_THE_INTERNET]
        ran = subprocess.run(
            [*pytest_run, *deselect, f"--junitxml={report}", "-q", "-rfE"],
            cwd=source,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
    collected = {line for line in listed.stdout.splitlines() if "::" in line}
    yield Run(collected, _outcomes(report), ran.stdout[-6000:] + ran.stderr[-2000:])


def test_every_test_but_those_needing_the_internet_passes(run: Run) -> None:
    broken = {node: outcome for node, outcome in run.outcomes.items() if outcome in ("failed", "error")}
    assert not broken, run.output
    passed = [node for node, outcome in run.outcomes.items() if outcome == "passed"]
    assert len(passed) > 100, run.output


def test_what_is_left_out_is_named_and_exists(run: Run) -> None:
    assert set(NEEDS_THE_INTERNET) <= run.collected
    assert set(run.outcomes) == run.collected - set(NEEDS_THE_INTERNET)


# Why the standard suite skips a test: a feature the model class declares it lacks (audio or PDF
# input, JSON mode on the Responses class, ...), a model override or VCR cassettes it was not
# given. A skip for any other reason (a setting the run lacks, say) would hide a test.
DECLARED = re.compile(
    r"Model does not (?:explicitly )?support |Test requires \w+ (?:mode )?support|model_override_value not specified"
    r"|VCR not set up"
)


def test_what_the_suite_skips_it_skips_for_what_the_model_class_declares(run: Run) -> None:
    skipped = {node: outcome for node, outcome in run.outcomes.items() if outcome.startswith("skipped")}
    assert skipped  # the standard suite always leaves some out
    assert {node: reason for node, reason in skipped.items() if not DECLARED.search(reason)} == {}
