"""A file as a vector store reads it: its text (the types file_search takes, HTML without its
markup), cut into chunks of tokens by the ``auto`` strategy (800 tokens, 400 overlapping, the
service's defaults) or a ``static`` one, and each chunk's vector from the emulator's semantic
embeddings, so a question finds the chunks that share its words."""

from __future__ import annotations

import html.parser
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from ... import tokens
from ...stores.vector_stores import Chunk
from ...synth import embeddings
from ...wording import missing_parameter, out_of_range
from . import documents
from .request import ChunkingStrategy

ENCODING = "cl100k_base"
VECTOR_SIZE = 256
AUTO = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
MIN_CHUNK, MAX_CHUNK = 100, 4096
# The extensions file_search reads as text; PDF, DOCX and PPTX are read by documents.py.
TEXT_TYPES = frozenset(
    ".c .cpp .cs .css .csv .go .h .html .htm .java .js .json .jsonl .md .markdown .php .py .rb .rs .sh .sql .tex "
    ".ts .tsx .txt .xml .yaml .yml".split()
)


@dataclass(frozen=True)
class Parsed:
    chunks: list[Chunk]
    vectors: np.ndarray
    error: dict[str, str] | None = None


def strategy(given: ChunkingStrategy | None) -> dict[str, Any]:
    """The chunking strategy as the service reports it, checked: ``auto`` is reported as the
    static sizes it stands for."""
    if given is None or given.type == "auto":
        return AUTO
    if given.static is None:
        raise missing_parameter("chunking_strategy.static")
    size, overlap = given.static.max_chunk_size_tokens, given.static.chunk_overlap_tokens
    where = "chunking_strategy.static"
    if size < MIN_CHUNK:
        raise out_of_range(f"{where}.max_chunk_size_tokens", size, below=MIN_CHUNK)
    if size > MAX_CHUNK:
        raise out_of_range(f"{where}.max_chunk_size_tokens", size, above=MAX_CHUNK)
    if overlap < 0:
        raise out_of_range(f"{where}.chunk_overlap_tokens", overlap, below=0)
    if overlap > size // 2:
        # The service: the overlap may not exceed half the chunk size.
        raise out_of_range(f"{where}.chunk_overlap_tokens", overlap, above=size // 2)
    return {"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}}


def parse(data: bytes, filename: str, chunking: dict[str, Any]) -> Parsed:
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix in documents.READERS:
        try:
            text = documents.READERS[suffix](data)
        except documents.Unreadable as exc:
            return _failed("invalid_file", f"The file could not be read: {exc}.")
    elif suffix not in TEXT_TYPES:
        return _failed("unsupported_file", f"The file type {suffix or '(none)'} is not supported.")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _failed("invalid_file", "The file could not be decoded as UTF-8 text.")
    if suffix in (".html", ".htm"):
        text = _visible_text(text)
    ids = tokens.encode(text, ENCODING)
    if not text.strip() or not ids:
        return _failed("invalid_file", "The file is empty.")
    sizes = chunking["static"]
    size, overlap = sizes["max_chunk_size_tokens"], sizes["chunk_overlap_tokens"]
    windows = [ids[start : start + size] for start in range(0, max(len(ids) - overlap, 1), size - overlap)]
    chunks = [Chunk(tokens.decode(window, ENCODING), len(window)) for window in windows]
    return Parsed(chunks, embed([c.text for c in chunks]))


def embed(texts: list[str]) -> np.ndarray:
    return embeddings.embed([tokens.encode(t, ENCODING) for t in texts], ENCODING, VECTOR_SIZE)


def _failed(code: str, message: str) -> Parsed:
    return Parsed([], np.zeros((0, VECTOR_SIZE), dtype=np.float32), {"code": code, "message": message})


class _Text(html.parser.HTMLParser):
    _HIDDEN = frozenset({"script", "style", "head"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._hidden += tag in self._HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in self._HIDDEN and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible_text(markup: str) -> str:
    reader = _Text()
    reader.feed(markup)
    return " ".join(" ".join(reader.parts).split())
