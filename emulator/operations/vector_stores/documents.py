"""The text of the document files file_search reads: PDF (pypdf), and DOCX and PPTX, which are
zipped XML (the paragraphs of word/document.xml; the text runs of each slide, in order)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from xml.etree import ElementTree

import pypdf
from pypdf.errors import PdfReadError

_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_MOST_XML_BYTES = 64 * 1024 * 1024  # a zip that unpacks beyond this is not read (zip bombs)
_SLIDE = re.compile(r"^ppt/slides/slide(\d+)\.xml$")


class Unreadable(Exception):
    """A damaged or encrypted document."""


def pdf(data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("it is encrypted")
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise Unreadable("it is not a readable PDF") from exc


def docx(data: bytes) -> str:
    root = _xml(data, "word/document.xml")
    paragraphs = ("".join(t.text or "" for t in p.iter(f"{_WORD}t")) for p in root.iter(f"{_WORD}p"))
    return "\n".join(p for p in paragraphs if p.strip())


def pptx(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            slides = sorted((int(m.group(1)), n) for n in archive.namelist() if (m := _SLIDE.match(n)))
    except zipfile.BadZipFile as exc:
        raise Unreadable("it is not a readable presentation") from exc
    texts = []
    for _, name in slides:
        root = _xml(data, name)
        texts.append(" ".join(t.text or "" for t in root.iter(f"{_DRAWING}t")))
    return "\n\n".join(t for t in texts if t.strip())


def _xml(data: bytes, member: str) -> ElementTree.Element:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.getinfo(member).file_size > _MOST_XML_BYTES:
                raise Unreadable(f"its {member} is too large")
            return ElementTree.fromstring(archive.read(member))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise Unreadable(f"it has no readable {member}") from exc


READERS: dict[str, Callable[[bytes], str]] = {".pdf": pdf, ".docx": docx, ".pptx": pptx}
