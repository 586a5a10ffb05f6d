"""What every Azure error is: a status, an ``{"error": {...}}`` body and headers; and the
service's messages (data/errors.yaml) the errors are worded with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..yamlfiles import packaged


class AzureError(Exception):
    """An error as Azure sends it: a status, an ``{"error": {...}}`` body and headers."""

    status: int = 500

    def __init__(
        self, error: Mapping[str, Any], *, status: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(error.get("message", ""))
        if status is not None:
            self.status = status
        self.error = dict(error)
        self.headers = dict(headers or {})

    @property
    def message(self) -> str:
        return str(self.error.get("message", ""))

    @property
    def code(self) -> str | None:
        return self.error.get("code")

    @property
    def param(self) -> str | None:
        return self.error.get("param")

    def body(self) -> bytes:
        # Compact, as the service writes them (service.md 4.1: the 401 is 224 bytes). A lone
        # surrogate echoed from a client's JSON must not make the error itself fail.
        text = json.dumps({"error": self.error}, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", errors="backslashreplace")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, error={self.error!r})"


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    loaded: dict[str, Any] = packaged("errors.yaml")
    return loaded


def text(name: str, **fill: object) -> str:
    """One of the service's messages (data/errors.yaml), its ``{placeholders}`` filled."""
    found: str = texts()["messages"][name]
    return found.format(**fill) if fill else found
