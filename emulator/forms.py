"""Multipart request bodies (image edits, audio uploads): parsed into the same kind of dict
a JSON body gives, so the rest of the pipeline treats both alike.

Text parts become strings and file parts ``Upload``s (a part is a file when it has a
filename or a content type other than text); a name sent more than once (the
``image[]`` of several images) becomes a list. The parsing itself is python-multipart's,
the parser Starlette uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .errors import InvalidRequest


@dataclass(frozen=True)
class Upload:
    """A file part of a form."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:  # the bytes would flood logs and error messages
        return f"Upload({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


def is_form(content_type: str | None) -> bool:
    return bool(content_type) and parse_options_header(content_type)[0] == b"multipart/form-data"


def parse_form(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The form's parts by name; Azure's 400 when the body is not a multipart form."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        shown = content_type or "none"
        raise InvalidRequest(
            f"Invalid Content-Type header ({shown}), expected multipart/form-data. (HINT: If you're using curl, "
            "you can pass form parameters with `-F 'name=value'`)",
            param=None,
        )
    parts: list[tuple[str, str | None, str, bytes]] = []
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state.update(headers={}, data=[], name=b"")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        key = state["name"].lower()
        state["headers"][key] = state["headers"].get(key, b"") + data[start:end]

    def on_header_end() -> None:
        state["name"] = b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["data"].append(data[start:end])

    def on_part_end() -> None:
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        declared = state["headers"].get(b"content-type")
        # A part is a file when it names one, or declares a type other than text: clients
        # that upload bare bytes (openai-java) send no filename.
        if filename is None and declared is not None and not declared.lower().startswith(b"text/plain"):
            filename = b"file"
        part_type = (declared or b"application/octet-stream").decode("latin-1")
        parts.append(
            (
                name,
                filename.decode("utf-8", "replace") if filename is not None else None,
                part_type,
                b"".join(state["data"]),
            )
        )

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        parser.write(raw)
        parser.finalize()
    except MultipartParseError:
        raise InvalidRequest("The multipart form in the request body could not be parsed.", param=None) from None
    form: dict[str, Any] = {}
    for name, filename, part_type, data in parts:
        value: Any = Upload(filename, part_type, data) if filename is not None else data.decode("utf-8", "replace")
        if name in form:
            previous = form[name]
            form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            form[name] = value
    return form
