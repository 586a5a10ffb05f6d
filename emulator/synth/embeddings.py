"""Embedding vectors that behave like embeddings, without a model.

A text becomes a bag of features taken from its tokens (which the request needs counted
anyway): each token's word, lower-cased and stripped of spaces and punctuation (weight 1.0,
stop words left out), and the byte trigrams of that word with a space on either side (weight
0.35, so inflections, plurals and typos still overlap). Each feature is hashed to a signed
position and the vector is L2-normalised: texts that share words or phrases point the same
way, unrelated texts are near orthogonal.

Every feature is placed once in each block of a doubling layout, [0, 64), [64, 128),
[128, 256) ... up to the model's size, so any prefix of the vector holds every feature: a
vector truncated to ``dimensions`` (and renormalised, as OpenAI defines it) keeps the
neighbour order of the full one as well as its length allows. (A prefix shorter than the
first block may miss every feature of a short text; such a row becomes a fixed unit vector
rather than zeros.)

Hashes are blake2b and splitmix64 on fixed-width integers, never Python's salted ``hash``:
the same text gives bit-identical vectors in any process on any platform. Everything per
token is computed once per vocabulary (``_Vocabulary``); a request is a few array lookups.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from functools import lru_cache

import numpy as np

from .. import tokens

_STOPWORDS = frozenset(
    """a about an and are as at be been but by can could did do does for from had has have
    how i if in into is it its me my no not of on or our so than that the their them then
    there these they this those to too us was we were what when where which while who why
    will with would you your yours very just also only any some such each other more most
    should s t""".split()
)
STOPWORDS = _STOPWORDS  # what a rewritten search query leaves out (vector_stores/search.py)
_NON_WORD = re.compile(r"[\W_]+")
_TRIGRAM_WEIGHT = 0.35
_TRIGRAM_SALT = np.uint64(0x5DEECE66D1234567)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SIGN_BIT = np.uint64(1 << 63)
_FIRST_BLOCK = 64
# Positions come from 11 hash bits, so no block may be wider than 2048 (sizes up to 4096),
# and the doubling layout makes every width a power of two.
_MAX_SIZE = 4096


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _blake(text: str) -> int:
    return _blake_bytes(text.encode("utf-8", "surrogatepass"))


def _blake_bytes(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


@lru_cache(maxsize=16)
def blocks(size: int) -> tuple[tuple[int, int], ...]:
    """The doubling layout: (start, width) pairs covering [0, size)."""
    out: list[tuple[int, int]] = []
    start, width = 0, _FIRST_BLOCK
    while start < size:
        out.append((start, min(width, size - start)))
        start += width
        width = start
    return tuple(out)


class _Vocabulary:
    """Per token id of one encoding: its word's hash and weight, and its trigram hashes
    (stored flat, with offsets, like a sparse matrix's rows)."""

    def __init__(self, encoding_name: str) -> None:
        enc = tokens.encoding(encoding_name)
        count = enc.n_vocab
        self.word_hash = np.zeros(count, dtype=np.uint64)
        self.word_weight = np.zeros(count, dtype=np.float64)
        self.is_word = np.zeros(count, dtype=bool)
        spans: list[bytes] = []
        for token_id in range(count):
            try:
                raw = enc.decode_single_token_bytes(token_id)
            except KeyError:  # ids between the ranks and the special tokens
                raw = b""
            text = raw.decode("utf-8", errors="ignore")
            if not text.isascii():
                text = unicodedata.normalize("NFKC", text)
            word = _NON_WORD.sub("", text.lower())
            if word:
                self.is_word[token_id] = True
                self.word_hash[token_id] = _blake(word)
                self.word_weight[token_id] = 0.0 if word in _STOPWORDS else 1.0
            spans.append(f" {word} ".encode() if word and word not in _STOPWORDS else b"")
        lengths = np.array([max(len(s) - 2, 0) for s in spans], dtype=np.int64)
        self.trigram_offset = np.concatenate([[0], np.cumsum(lengths)])
        joined = b"".join(s for s in spans)
        codes: list[np.ndarray] = []
        if joined:
            wide = np.frombuffer(joined, dtype=np.uint8).astype(np.uint64)
            every = (wide[:-2] << np.uint64(16)) | (wide[1:-1] << np.uint64(8)) | wide[2:]
            # Keep the trigrams that lie inside one token's span, not across two.
            span_lengths = np.array([len(s) for s in spans], dtype=np.int64)
            starts = np.concatenate([[0], np.cumsum(span_lengths)])[:-1]
            inside = np.concatenate([np.arange(start, start + n) for start, n in zip(starts, lengths) if n])
            codes.append(every[inside])
        self.trigram_hash = _splitmix64(np.concatenate(codes) ^ _TRIGRAM_SALT) if codes else np.zeros(0, np.uint64)


_vocabularies: dict[str, _Vocabulary] = {}
_lock = threading.Lock()


def vocabulary(encoding_name: str) -> _Vocabulary:
    """Built once per encoding (about a second for cl100k) and shared."""
    found = _vocabularies.get(encoding_name)
    if found is None:
        with _lock:
            found = _vocabularies.get(encoding_name)
            if found is None:
                found = _vocabularies[encoding_name] = _Vocabulary(encoding_name)
    return found


def embed(token_ids: list[list[int]], encoding_name: str, size: int) -> np.ndarray:
    """Unit vectors, one row per input, float32, shape (len(token_ids), size)."""
    if not 0 < size <= _MAX_SIZE:
        raise ValueError(f"embedding size {size} is outside 1..{_MAX_SIZE}")
    vocab = vocabulary(encoding_name)
    count = len(token_ids)
    lengths = np.fromiter((len(ids) for ids in token_ids), dtype=np.int64, count=count)
    ids = np.fromiter((t for row in token_ids for t in row), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(count, dtype=np.int64), lengths)

    weights = vocab.word_weight[ids]
    # A text made only of stop words ("to be or not to be") still deserves its own vector.
    per_row = np.bincount(rows, weights=weights, minlength=count)
    only_stopwords = (per_row == 0)[rows] & vocab.is_word[ids]
    weights = np.where(only_stopwords, 1.0, weights)
    hashes = vocab.word_hash[ids]

    # Each token's trigrams, gathered from the flat table.
    tri_start = vocab.trigram_offset[ids]
    tri_count = vocab.trigram_offset[ids + 1] - tri_start
    total = int(tri_count.sum())
    if total:
        first = np.repeat(tri_start - np.concatenate([[0], np.cumsum(tri_count)[:-1]]), tri_count)
        gathered = vocab.trigram_hash[first + np.arange(total)]
        rows = np.concatenate([rows, np.repeat(rows, tri_count)])
        hashes = np.concatenate([hashes, gathered])
        weights = np.concatenate([weights, np.full(total, _TRIGRAM_WEIGHT)])

    # Inputs with no word at all ("", "!!!", an emoji): one feature from their bytes, the
    # same whether they came as text or as token ids.
    empty = np.flatnonzero(np.bincount(rows, weights=weights, minlength=count) == 0)
    if empty.size:
        extra = [_blake_bytes(b"\x00" + b"".join(tokens.decode_bytes(token_ids[i], encoding_name))) for i in empty]
        rows = np.concatenate([rows, empty])
        hashes = np.concatenate([hashes, np.array(extra, dtype=np.uint64)])
        weights = np.concatenate([weights, np.ones(empty.size)])
    return _project(rows, hashes, weights, count, size)


def _project(rows: np.ndarray, hashes: np.ndarray, weights: np.ndarray, count: int, size: int) -> np.ndarray:
    starts, masks, words, shifts = _layout_arrays(size)
    # Each block takes 12 bits of a feature's hash: 11 for the position (block widths are
    # powers of two up to 2048), 1 for the sign. Two 64-bit hashes cover ten blocks, more
    # than the largest layout (3072: seven). All blocks at once, as (blocks x features).
    mixed = np.stack([_splitmix64(hashes ^ np.uint64(n)) for n in (1, 2)])
    source = mixed[words] >> shifts
    # Positions are below 2**11, so reading them as int64 costs nothing.
    flat = (source & masks).view(np.int64) + (rows * size)[None, :] + starts
    # The sign: hash bit 11 moved onto the float's sign bit, flipped with one XOR.
    signed = (weights.view(np.uint64)[None, :] ^ ((source << np.uint64(52)) & _SIGN_BIT)).view(np.float64)
    summed = np.bincount(flat.ravel(), weights=signed.ravel(), minlength=count * size).reshape(count, size)
    return normalise(summed.astype(np.float32))


@lru_cache(maxsize=16)
def _layout_arrays(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per block, as columns: its start, its position mask, and which hash word and bit
    offset feed it."""
    layout = blocks(size)
    starts = np.array([[start] for start, _ in layout], dtype=np.int64)
    masks = np.array([[width - 1] for _, width in layout], dtype=np.uint64)
    words = np.array([index // 5 for index in range(len(layout))], dtype=np.int64)
    shifts = np.array([[(index % 5) * 12] for index in range(len(layout))], dtype=np.uint64)
    return starts, masks, words, shifts


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in place (float32 in, float32 out). A row of zeros (a very
    short prefix of a very short text) becomes the first axis: still a unit vector."""
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    zero = norms == 0
    if zero.any():
        vectors[zero, 0] = 1.0
        norms[zero] = 1.0
    vectors /= norms[:, None].astype(vectors.dtype)
    return vectors


def truncate(vectors: np.ndarray, dimensions: int) -> np.ndarray:
    """OpenAI's ``dimensions``: the first ``dimensions`` values, renormalised."""
    return normalise(np.array(vectors[:, :dimensions], dtype=np.float32))


def warm_up() -> None:
    """Build the embedding models' vocabulary and run one full-size batch, so the first
    request pays neither (the batch also settles the allocator on large arrays)."""
    ids = [[1000 + (i * 7 + j) % 5000 for j in range(64)] for i in range(MAX_BATCH)]
    embed(ids, "cl100k_base", 3072)


MAX_BATCH = 2048
