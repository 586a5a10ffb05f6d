"""Searching vector stores: the query's vector against every ready chunk's, filtered by the
files' attributes, best first. Scores are the cosine of the two vectors (the emulator's
embeddings are unit vectors), clipped to 0..1; the same files and query give the same
results to the last digit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...stores.vector_stores import StoreFile, VectorStore
from ...synth import embeddings
from ...wording import invalid_type, invalid_value, missing_parameter
from . import chunking

_COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
_COMPOUNDS = ("and", "or")


def rewritten(query: str) -> str:
    """``rewrite_query``: the query as a search engine wants it, its content words only ("Which
    river flows through Vienna?" -> "river flows through Vienna"). The emulator's vectors give stop
    words no weight, so the scores are the same; the rewritten query is what the results say
    was searched."""
    words = [w.strip(".,;:!?\"'()") for w in query.split()]
    kept = [w for w in words if w and w.lower() not in embeddings.STOPWORDS]
    return " ".join(kept) or query


@dataclass(frozen=True)
class Hit:
    store_id: str
    file: StoreFile
    chunk: int
    score: float


def check_filter(given: Any, where: str = "filters") -> None:
    """A comparison (``{"type": "eq", "key": ..., "value": ...}``) or a compound of them
    (``{"type": "and", "filters": [...]}``), refused with the part that is wrong."""
    if not isinstance(given, dict):
        raise invalid_type(where, "an object", given)
    kind = given.get("type")
    if kind in _COMPOUNDS:
        parts = given.get("filters")
        if not isinstance(parts, list) or not parts:
            raise missing_parameter(f"{where}.filters")
        for i, part in enumerate(parts):
            check_filter(part, f"{where}.filters[{i}]")
        return
    if kind not in _COMPARISONS:
        raise invalid_value(f"{where}.type", kind, _COMPARISONS + _COMPOUNDS)
    if not isinstance(given.get("key"), str):
        raise missing_parameter(f"{where}.key")
    if "value" not in given:
        raise missing_parameter(f"{where}.value")
    if kind in ("in", "nin") and not isinstance(given["value"], list):
        raise invalid_type(f"{where}.value", "an array", given["value"])


def matches(given: dict[str, Any] | None, attributes: dict[str, Any]) -> bool:
    if given is None:
        return True
    kind = given["type"]
    if kind == "and":
        return all(matches(part, attributes) for part in given["filters"])
    if kind == "or":
        return any(matches(part, attributes) for part in given["filters"])
    key, wanted = given["key"], given["value"]
    if key not in attributes:
        return kind in ("ne", "nin")
    have = attributes[key]
    if kind in ("in", "nin"):
        found = have in wanted
        return found if kind == "in" else not found
    if kind == "eq":
        return bool(have == wanted)
    if kind == "ne":
        return bool(have != wanted)
    try:
        return bool({"gt": have > wanted, "gte": have >= wanted, "lt": have < wanted, "lte": have <= wanted}[kind])
    except TypeError:  # a number compared with text: no match
        return False


def search(
    stores: list[VectorStore],
    queries: list[str],
    now: float,
    *,
    most: int,
    filters: dict[str, Any] | None = None,
    threshold: float = 0.0,
) -> list[Hit]:
    """The best ``most`` chunks of the ready files of ``stores`` for ``queries`` (several
    queries: each chunk scores its best)."""
    wanted = chunking.embed(queries)
    hits: list[Hit] = []
    for store in stores:
        with store.lock:
            files = list(store.files.values())
        for file in files:
            if file.cancelled or file.ready_at > now or file.last_error is not None or not file.chunks:
                continue
            if not matches(filters, file.attributes):
                continue
            scores = np.clip((file.vectors @ wanted.T).max(axis=1), 0.0, 1.0)
            # A chunk that shares nothing with the query (score 0) is not found at all.
            hits += [Hit(store.id, file, i, float(s)) for i, s in enumerate(scores) if s > 0 and s >= threshold]
    # Best first; ties in the order the files were added, then the chunks' order.
    hits.sort(key=lambda hit: -hit.score)
    return hits[:most]


def result(hit: Hit) -> dict[str, Any]:
    return {
        "file_id": hit.file.file_id,
        "filename": hit.file.filename,
        "score": hit.score,
        "attributes": hit.file.attributes,
        "content": [{"type": "text", "text": hit.file.chunks[hit.chunk].text}],
    }
