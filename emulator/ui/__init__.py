"""The dashboard at /_emulator/ui: one page, its scripts (ES modules, one per view) and its
style sheet, served from this package (emulator/ui/static/, plain files: there is no build
step, so what ships is the source). The page reads the admin API (the live feed, the journal, quotas, costs,
scenarios) as any client would; it holds no state of its own on the server.

The files hold no secrets and are served without the admin key; the page asks for the key
when the API does, and sends it with each call.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..admin import admin_error

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_HEADERS = {
    # Everything the page uses comes from the emulator itself: no CDN, no inline script.
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}


@lru_cache(maxsize=1)
def _assets() -> dict[str, bytes]:
    """The files, read once: every name the dashboard serves, and nothing else."""
    folder = resources.files("emulator.ui").joinpath("static")
    return {
        item.name: item.read_bytes()
        for item in folder.iterdir()
        if item.is_file() and any(item.name.endswith(suffix) for suffix in _TYPES)
    }


async def page(request: Request) -> Response:
    """GET /_emulator/ui: the page (a trailing slash is sent to the name without it, so the
    page's relative links resolve under /_emulator/ui/)."""
    if request.url.path.endswith("/"):
        return RedirectResponse(request.url.path.rstrip("/"), status_code=308)
    return asset_response("index.html")


async def asset(request: Request) -> Response:
    return asset_response(request.path_params["name"])


def asset_response(name: str) -> Response:
    data = _assets().get(name)
    if data is None:
        return admin_error(404, f"the dashboard has no file {name!r}")
    suffix = name[name.rindex(".") :]
    return Response(data, media_type=_TYPES[suffix].split(";")[0], headers={**_HEADERS, "content-type": _TYPES[suffix]})
