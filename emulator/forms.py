"""Multipart request bodies (image edits, audio uploads): parsed into the same kind of dict
a JSON body gives, so the rest of the pipeline treats both alike.

Text parts become strings and file parts ``Upload``s (a part is a file when it has a
filename or a content type other than text), or, for uploads read as they stream in,
``SpooledUpload``s on disk; a name sent more than once (the ``image[]`` of several images)
becomes a list. The parsing itself is python-multipart's, the parser Starlette uses.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
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


class SpooledUpload:
    """A file part written to disk as it arrived (large uploads never sit in memory)."""

    def __init__(self, filename: str, content_type: str, path: Path) -> None:
        self.filename = filename
        self.content_type = content_type
        self.path = path
        self.size = 0

    def __repr__(self) -> str:
        return f"SpooledUpload({self.filename!r}, {self.content_type!r}, {self.size} bytes)"


class FormReader:
    """A multipart form fed chunk by chunk. File parts are kept in memory as ``Upload``s, or,
    given ``spool_dir``, written straight to files there as ``SpooledUpload``s."""

    def __init__(self, content_type: str | None, spool_dir: Path | None = None) -> None:
        kind, options = parse_options_header(content_type or "")
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            shown = content_type or "none"
            raise InvalidRequest(
                f"Invalid Content-Type header ({shown}), expected multipart/form-data. (HINT: If you're using "
                "curl, you can pass form parameters with `-F 'name=value'`)",
                param=None,
            )
        self.spool_dir = spool_dir
        self.parts: list[tuple[str, Any]] = []
        self.spooled: list[SpooledUpload] = []
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._data: list[bytes] = []
        self._sink: Any = None  # the open file of a part being spooled
        self._current: SpooledUpload | None = None
        callbacks = {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }
        self._parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]

    def feed(self, chunk: bytes) -> FormReader:
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            self.discard()
            raise InvalidRequest("The multipart form in the request body could not be parsed.", param=None) from None
        return self

    def finish(self) -> dict[str, Any]:
        """The form's parts by name; a name sent more than once becomes a list."""
        try:
            self._parser.finalize()
        except MultipartParseError:
            self.discard()
            raise InvalidRequest("The multipart form in the request body could not be parsed.", param=None) from None
        form: dict[str, Any] = {}
        for name, value in self.parts:
            if name in form:
                previous = form[name]
                form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                form[name] = value
        return form

    def discard(self) -> None:
        """Remove what was spooled (the upload was refused)."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        for upload in self.spooled:
            upload.path.unlink(missing_ok=True)

    # -- python-multipart's callbacks --------------------------------------------------------

    def _begin(self) -> None:
        self._headers, self._field, self._data = {}, b"", []

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        key = self._field.lower()
        self._headers[key] = self._headers.get(key, b"") + data[start:end]

    def _header_end(self) -> None:
        self._field = b""

    def _headers_finished(self) -> None:
        name, filename, part_type = self._describe()
        if filename is not None and self.spool_dir is not None:
            handle = tempfile.NamedTemporaryFile(dir=self.spool_dir, prefix="upload-", delete=False)
            self._current = SpooledUpload(filename, part_type, Path(handle.name))
            self._sink = handle
            self.spooled.append(self._current)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._sink is not None and self._current is not None:
            self._sink.write(data[start:end])
            self._current.size += end - start
        else:
            self._data.append(data[start:end])

    def _part_end(self) -> None:
        name, filename, part_type = self._describe()
        if self._sink is not None and self._current is not None:
            self._sink.close()
            self.parts.append((name, self._current))
            self._sink, self._current = None, None
            return
        data = b"".join(self._data)
        value: Any = Upload(filename, part_type, data) if filename is not None else data.decode("utf-8", "replace")
        self.parts.append((name, value))

    def _describe(self) -> tuple[str, str | None, str]:
        _, disposition = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        declared = self._headers.get(b"content-type")
        # A part is a file when it names one, or declares a type other than text: clients
        # that upload bare bytes (openai-java) send no filename.
        if filename is None and declared is not None and not declared.lower().startswith(b"text/plain"):
            filename = b"file"
        part_type = (declared or b"application/octet-stream").decode("latin-1")
        return name, filename.decode("utf-8", "replace") if filename is not None else None, part_type


def parse_form(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """A whole multipart body's parts by name; Azure's 400 when it is not a multipart form."""
    return FormReader(content_type).feed(raw).finish()
