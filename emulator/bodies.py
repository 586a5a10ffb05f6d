"""Request bodies: read from the ASGI channel within the size Azure's front door takes, and
parsed as the operation takes them (JSON, or a multipart form)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from .errors import RequestTooLarge
from .forms import is_form, parse_form
from .validation import parse_json_body
from .wording import invalid_type, missing_parameter


async def read(request: Request, declared_length: str | None, limit: int) -> bytes:
    """The whole body, or ``RequestTooLarge`` as soon as it is known to pass ``limit``."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise RequestTooLarge(limit)
    # Straight from the ASGI channel: Starlette's stream() adds a generator per request.
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse(raw: bytes, content_type: str | None, takes: tuple[str, ...]) -> tuple[dict[str, Any], bool]:
    """The body as a dict, and whether it came as a form: an operation that takes both JSON
    and forms (``takes``) is given whichever the Content-Type says."""
    form = "form" in takes and ("json" not in takes or is_form(content_type))
    return (parse_form(raw, content_type) if form else parse_json_body(raw)), form


def model_of(body: dict[str, Any] | None) -> str:
    """The ``model`` a body names: on v1 and the dated root it is the deployment."""
    assert body is not None
    model = body.get("model")
    if model is None:
        raise missing_parameter("model")
    if not isinstance(model, str):
        raise invalid_type("model", "a string", model)
    return model
