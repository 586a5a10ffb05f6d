"""Reading YAML: the package's own data files, and users' files with errors that say where."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class YamlFileError(Exception):
    """A user's YAML file that cannot be read or parsed; the message names the file and line."""


def packaged(name: str) -> Any:
    """A YAML file shipped in emulator/data/."""
    return yaml.safe_load(resources.files("emulator").joinpath("data", name).read_text("utf-8"))


def read_user_file(path: Path) -> tuple[Any, yaml.Node | None]:
    """A user's YAML file: its data, and its node tree (for line numbers in later errors)."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlFileError(f"{path}: {where}invalid YAML: {problem}") from None
