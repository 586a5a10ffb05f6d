"""Running a client program and reading its verdicts."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEY = "client-key"


@dataclass(frozen=True)
class Secure:
    """The emulator over HTTPS: its endpoint, and the local CA a client must trust."""

    endpoint: str
    ca: Path


def verdicts(
    command: list[str], cwd: Path, endpoint: str, timeout_s: float = 300, env: dict[str, str] | None = None
) -> dict[str, str]:
    """Run a client program; its "PASS case" / "FAIL case: why" lines as case -> verdict."""
    env = {**os.environ, "EMULATOR_ENDPOINT": endpoint, "EMULATOR_KEY": KEY, **(env or {})}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)
    found: dict[str, str] = {}
    for line in done.stdout.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("PASS", "FAIL"):
            case, _, why = rest.partition(": ")
            found[case] = "PASS" if status == "PASS" else f"FAIL: {why}"
    if not found:
        raise AssertionError(f"{' '.join(command)} reported nothing (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return found
