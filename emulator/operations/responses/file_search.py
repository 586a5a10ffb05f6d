"""The ``file_search`` tool of the Responses API: the turn's question searched in the tool's
vector stores (emulator/operations/vector_stores/search.py) before the answer is written.

The retrieved chunks are part of the prompt the model reads (their tokens are billed as
input). The response holds a ``file_search_call`` item (its queries; its results when
``include`` asks for ``file_search_call.results``), then the answer: the opening sentence of
each of the best chunks (one per file, three files at most, those scoring at least half the
best), each followed by a
``file_citation`` annotation at the position where it ends, as the service places them. A
question nothing answers gets the chat answer, uncited.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import ids
from ...errors import InvalidRequest, NotFound
from ...wording import invalid_type, out_of_range
from ..vector_stores import search
from ..vector_stores.lookup import found as found_store
from ..vector_stores.reports import touch

if TYPE_CHECKING:
    from ...context import RequestContext

RESULTS_INCLUDE = "file_search_call.results"
MOST_RESULTS = 50
MOST_STORES = 2  # the service: "maximum of 2 vector stores allowed" (a 400 its docs do not list)
DEFAULT_RESULTS = 10
CITED_FILES = 3
CITED_SHARE = 0.5  # a file is cited when its best chunk scores at least this share of the best
_SENTENCE = re.compile(r"(.+?[.!?])(?=\s|$)", re.DOTALL)
_MOST_WORDS = 40


@dataclass(frozen=True)
class Retrieval:
    call_id: str
    query: str
    hits: list[search.Hit]

    def prompt_text(self) -> str:
        """What the model reads of the retrieved chunks."""
        return "\n\n".join(hit.file.chunks[hit.chunk].text for hit in self.hits)

    def item(self, *, with_results: bool) -> dict[str, Any]:
        results = None
        if with_results:
            results = [
                {
                    "file_id": h.file.file_id,
                    "filename": h.file.filename,
                    "score": h.score,
                    "text": h.file.chunks[h.chunk].text,
                    "attributes": h.file.attributes,
                }
                for h in self.hits
            ]
        return {
            "type": "file_search_call",
            "id": self.call_id,
            "status": "completed",
            "queries": [self.query],
            "results": results,
        }

    def answer(self) -> tuple[str, list[dict[str, Any]]] | None:
        """The cited answer and its annotations, or None when nothing was found."""
        text = ""
        annotations: list[dict[str, Any]] = []
        cited: list[str] = []
        best = self.hits[0].score if self.hits else 0.0
        for hit in self.hits:
            if hit.file.file_id in cited or len(cited) == CITED_FILES or hit.score < best * CITED_SHARE:
                continue
            sentence = _opening(hit.file.chunks[hit.chunk].text)
            if not sentence:
                continue
            text += (" " if text else "") + sentence
            cited.append(hit.file.file_id)
            annotations.append(
                {
                    "type": "file_citation",
                    "file_id": hit.file.file_id,
                    "filename": hit.file.filename,
                    "index": len(text),
                }
            )
        return (text, annotations) if annotations else None


def split_tools(tools: list[dict[str, Any]] | None) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """The file_search tools (with their positions) and the others."""
    searching = [(i, t) for i, t in enumerate(tools or []) if t.get("type") == "file_search"]
    return searching, [t for t in tools or [] if t.get("type") != "file_search"]


def retrieve(ctx: RequestContext, index: int, tool: dict[str, Any], question: str) -> Retrieval:
    where = f"tools[{index}]"
    assert ctx.deployment is not None
    if not ctx.deployment.model.file_search:
        # The service's sentence for a hosted tool the model lacks.
        raise InvalidRequest(
            f"Tool 'file_search' is not supported with {ctx.deployment.response_model}.",
            param=f"{where}.type",
            code="unsupported_value",
        )
    store_ids = tool.get("vector_store_ids")
    if not isinstance(store_ids, list) or not store_ids or not all(isinstance(s, str) for s in store_ids):
        raise invalid_type(f"{where}.vector_store_ids", "a non-empty array of strings", store_ids)
    if len(store_ids) > MOST_STORES:
        raise InvalidRequest(
            f"Invalid '{where}.vector_store_ids': maximum of {MOST_STORES} vector stores allowed.",
            param=f"{where}.vector_store_ids",
            code="invalid_value",
        )
    stores = []
    for store_id in store_ids:
        try:
            stores.append(found_store(ctx, store_id))
        except NotFound:
            raise InvalidRequest(
                f"Vector store with id '{store_id}' not found.", param=f"{where}.vector_store_ids", code="invalid_value"
            ) from None
    most = tool.get("max_num_results", DEFAULT_RESULTS)
    if not isinstance(most, int) or isinstance(most, bool):
        raise invalid_type(f"{where}.max_num_results", "an integer", most)
    if not 1 <= most <= MOST_RESULTS:
        raise out_of_range(f"{where}.max_num_results", most, below=1 if most < 1 else None, above=MOST_RESULTS)
    filters = tool.get("filters")
    if filters is not None:
        search.check_filter(filters, f"{where}.filters")
    threshold = (tool.get("ranking_options") or {}).get("score_threshold") or 0.0
    hits = search.search(stores, [question or " "], time.time(), most=most, filters=filters, threshold=threshold)
    for store in stores:
        touch(store)
    return Retrieval(f"fs_{ids.hex32()}", question, hits)


def _opening(chunk: str) -> str:
    """A chunk's first sentence (its first words, if it has no sentence end soon), on one line."""
    lines = [line for line in chunk.splitlines() if not line.lstrip().startswith("#")]  # not Markdown headings
    text = " ".join(" ".join(lines).split())
    match = _SENTENCE.match(text)
    sentence = match.group(1) if match else text
    words = sentence.split()
    return sentence if len(words) <= _MOST_WORDS else " ".join(words[:_MOST_WORDS]) + "."
