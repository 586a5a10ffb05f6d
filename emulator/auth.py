"""Who may call: an ``api-key`` header or ``Authorization: Bearer <key or token>``."""

from __future__ import annotations

from typing import Protocol

from .errors import AuthenticationFailed
from .settings import Settings


def _looks_like_entra_token(value: str) -> bool:
    # Entra ID access tokens are JWTs: three base64url segments. The emulator cannot verify
    # them offline, so it takes their shape as proof, the way a test double should.
    parts = value.split(".")
    return len(parts) == 3 and all(parts)


class HeaderLookup(Protocol):
    def get(self, name: str, default: str | None = None) -> str | None: ...


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self._off = settings.auth == "none"
        self._keys = settings.api_keys

    def check(self, headers: HeaderLookup) -> None:
        """Raise Azure's 401 unless the request carries an accepted credential."""
        if self._off:
            return
        key = headers.get("api-key")
        if key is not None:
            if self._accepts(key):
                return
            raise AuthenticationFailed()
        authorization = headers.get("authorization", "") or ""
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and (self._accepts(token) or (token and _looks_like_entra_token(token))):
            return
        raise AuthenticationFailed()

    def _accepts(self, key: str) -> bool:
        if not key:
            return False
        return not self._keys or key in self._keys
