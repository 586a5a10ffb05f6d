"""The ``text_completion`` events of a streamed legacy completion, after Azure's prompt
annotation (which delivery adds); in Asynchronous Filter mode the filter's verdicts trail
the content in frames of their own (emulator/filterstream.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ... import contentfilter, tokens
from ...filterstream import TrailingVerdicts

if TYPE_CHECKING:
    from .answer import Candidate
    from .request import CompletionsRequest


def legacy_logprobs(entries: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """The completions API's shape: parallel lists, and each token's character offset,
    counted from the start of the prompt."""
    offsets: list[int] = []
    position = start
    for entry in entries:
        offsets.append(position)
        position += len(entry["token"])
    return {
        "text_offset": offsets,
        "token_logprobs": [e["logprob"] for e in entries],
        "tokens": [e["token"] for e in entries],
        "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in entries],
    }


def stream_chunks(
    header: dict[str, Any],
    choices: list[tuple[int, str, Candidate]],
    req: CompletionsRequest,
    usage: dict[str, Any] | None,
    encoding: str,
    asynchronous: bool = False,
) -> Iterator[dict[str, Any]]:
    """The text_completion events; in Asynchronous Filter mode the filter's verdicts trail
    the content in frames of their own (emulator/filterstream.py)."""

    def chunk(body: dict[str, Any] | None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "choices": [body] if body is not None else [],
            "created": header["created"],
            "id": header["id"],
            "model": header["model"],
            "object": "text_completion",
        }
        if usage is not None:
            event["usage"] = None
        return event

    for index, prompt, candidate in choices:
        offset = 0
        position = len(prompt)
        verdicts = TrailingVerdicts(index, candidate.filter_results, usage is not None, asynchronous)
        if req.echo:
            yield chunk(_piece(index, prompt, None, asynchronous=asynchronous))
        for piece, piece_ids in tokens.pieces(candidate.token_ids, encoding):
            logprobs = None
            if candidate.logprobs is not None:
                logprobs = legacy_logprobs(candidate.logprobs[offset : offset + len(piece_ids)], position)
            offset += len(piece_ids)
            position += len(piece)
            yield chunk(_piece(index, piece, logprobs, candidate.filter_results, asynchronous))
            yield from verdicts.after(piece)
        finish = {"finish_reason": candidate.finish_reason, "index": index, "logprobs": None, "text": ""}
        yield from verdicts.close(
            candidate.finish_reason, chunk(finish if asynchronous else {"content_filter_results": {}, **finish})
        )
    if usage is not None:
        final = chunk(None)
        final["usage"] = usage
        yield final


def _piece(
    index: int,
    piece: str,
    logprobs: dict[str, Any] | None,
    results: dict[str, Any] | None = None,
    asynchronous: bool = False,
) -> dict[str, Any]:
    body = {"finish_reason": None, "index": index, "logprobs": logprobs, "text": piece}
    if asynchronous:
        return body
    return {
        "content_filter_results": results if results is not None else contentfilter.completion_filter_results(),
        **body,
    }
