"""Token counting with the models' real tokenizers, fully offline.

The BPE vocabularies (OpenAI's cl100k_base and o200k_base files, MIT) ship in
``data/tokenizers`` and are checked against the sha256 that tiktoken pins for them, so a
corrupted install fails loudly instead of counting wrongly. tiktoken is only the engine:
nothing here ever asks it to download anything.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tiktoken

_ENDOFTEXT = "<|endoftext|>"

# The split patterns and special tokens are part of each encoding's definition, as
# published in tiktoken_ext/openai_public.py.
_CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

_ENCODINGS: dict[str, dict[str, Any]] = {
    "cl100k_base": {
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "pat_str": _CL100K_PATTERN,
        "special_tokens": {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    },
    "o200k_base": {
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "pat_str": _O200K_PATTERN,
        "special_tokens": {_ENDOFTEXT: 199999, "<|endofprompt|>": 200018},
    },
}

_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}
# How many ordinary (non-special) tokens each loaded encoding has: ids 0..count-1.
_ordinary_count: dict[str, int] = {}


class TokenizerIntegrityError(RuntimeError):
    """A shipped vocabulary does not match the hash OpenAI publishes for it."""


def _load(name: str) -> tiktoken.Encoding:
    spec = _ENCODINGS[name]
    packed = resources.files("emulator").joinpath(f"data/tokenizers/{name}.tiktoken.gz").read_bytes()
    raw = gzip.decompress(packed)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec["sha256"]:
        raise TokenizerIntegrityError(f"{name}: sha256 {digest} differs from the published {spec['sha256']}")
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    # Ranks run 0..len-1 without gaps; the special tokens sit above them, past unused ids.
    _ordinary_count[name] = len(ranks)
    return tiktoken.Encoding(
        name=name, pat_str=spec["pat_str"], mergeable_ranks=ranks, special_tokens=spec["special_tokens"]
    )


def encoding(name: str) -> tiktoken.Encoding:
    """The named encoding, loaded once (about 0.3 s for o200k) and shared."""
    found = _loaded.get(name)
    if found is not None:
        return found
    with _lock:
        if name not in _loaded:
            _loaded[name] = _load(name)
        return _loaded[name]


def warm_up() -> None:
    """Load every encoding, so the first request does not pay for it."""
    for name in _ENCODINGS:
        encoding(name)


# Only short texts are cached: system prompts and roles repeat, long documents rarely do and
# would make the cache hold megabytes per entry.
_CACHED_CHARS = 2048


def count(text: str, encoding_name: str) -> int:
    """Tokens in ``text``; special-token text counts as ordinary text, as in the API."""
    if len(text) <= _CACHED_CHARS:
        return _count_cached(text, encoding_name)
    return len(encoding(encoding_name).encode_ordinary(text))


@lru_cache(maxsize=8192)
def _count_cached(text: str, encoding_name: str) -> int:
    return len(encoding(encoding_name).encode_ordinary(text))


def encode(text: str, encoding_name: str) -> list[int]:
    return encoding(encoding_name).encode_ordinary(text)


@lru_cache(maxsize=8192)
def encode_cached(text: str, encoding_name: str) -> tuple[int, ...]:
    """``encode`` for text that recurs (the sentences replies are made of); immutable."""
    return tuple(encoding(encoding_name).encode_ordinary(text))


def decode_bytes(tokens: list[int], encoding_name: str) -> list[bytes]:
    """Each token's own bytes (a token may hold part of a UTF-8 character)."""
    enc = encoding(encoding_name)
    return [enc.decode_single_token_bytes(t) for t in tokens]


def decode(tokens: list[int], encoding_name: str) -> str:
    return encoding(encoding_name).decode(tokens)


def pieces(token_ids: list[int], encoding_name: str) -> Iterator[tuple[str, list[int]]]:
    """The content as the service streams it: a delta per token, except where a character's
    bytes span tokens, which are held back until the character is whole."""
    pending: list[int] = []
    buffer = b""
    for token_id, piece in zip(token_ids, decode_bytes(token_ids, encoding_name)):
        buffer += piece
        pending.append(token_id)
        try:
            decoded = buffer.decode("utf-8")
        except UnicodeDecodeError:
            continue
        yield decoded, pending
        pending, buffer = [], b""
    if pending:
        yield buffer.decode("utf-8", errors="replace"), pending


def first_invalid_id(ids: list[int], encoding_name: str) -> int | None:
    """The first id that is not an ordinary token of the encoding (special tokens included:
    a prompt of ids may not smuggle them in), or None."""
    encoding(encoding_name)
    ordinary = _ordinary_count[encoding_name]
    for token_id in ids:
        if not 0 <= token_id < ordinary:
            return token_id
    return None


# Where tiktoken downloads each vocabulary from; its cache names a file by the sha1 of this.
_SOURCE_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def write_tiktoken_cache(directory: Path) -> list[Path]:
    """The shipped vocabularies as tiktoken's own cache, for clients that tokenise before
    calling (langchain's embeddings send token arrays): point ``TIKTOKEN_CACHE_DIR`` at
    ``directory`` and they work offline."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, url in _SOURCE_URLS.items():
        raw = gzip.decompress(resources.files("emulator").joinpath(f"data/tokenizers/{name}.tiktoken.gz").read_bytes())
        if hashlib.sha256(raw).hexdigest() != _ENCODINGS[name]["sha256"]:
            raise TokenizerIntegrityError(f"{name}: the shipped vocabulary does not match its published sha256")
        path = directory / hashlib.sha1(url.encode()).hexdigest()
        path.write_bytes(raw)
        written.append(path)
    return written
