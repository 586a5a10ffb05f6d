"""The chunks of a streamed chat completion, as Azure sends them after its prompt annotation
(which delivery adds): a role delta, content deltas with filter results, a finish chunk with
an empty delta, and the usage chunk when asked for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import contentfilter, tokens


@dataclass
class Choice:
    index: int
    content: str
    finish_reason: str
    token_ids: list[int]
    logprobs: list[dict[str, Any]] | None


def stream_chunks(
    header: dict[str, Any], choices: list[Choice], usage: dict[str, Any] | None, encoding: str
) -> Iterator[dict[str, Any]]:
    """The chat.completion.chunk events; delivery puts Azure's prompt annotation first."""

    def chunk(choice_body: dict[str, Any] | None) -> dict[str, Any]:
        event = {
            "choices": [choice_body] if choice_body is not None else [],
            "created": header["created"],
            "id": header["id"],
            "model": header["model"],
            "object": "chat.completion.chunk",
            "system_fingerprint": header["system_fingerprint"],
        }
        if usage is not None:
            event["usage"] = None
        return event

    for choice in choices:
        yield chunk(
            {
                "content_filter_results": {},
                "delta": {"content": "", "refusal": None, "role": "assistant"},
                "finish_reason": None,
                "index": choice.index,
                "logprobs": None,
            }
        )
        offset = 0
        for piece, ids in tokens.pieces(choice.token_ids, encoding):
            logprobs = None
            if choice.logprobs is not None:
                logprobs = {"content": choice.logprobs[offset : offset + len(ids)], "refusal": None}
            offset += len(ids)
            yield chunk(
                {
                    "content_filter_results": contentfilter.completion_filter_results(),
                    "delta": {"content": piece},
                    "finish_reason": None,
                    "index": choice.index,
                    "logprobs": logprobs,
                }
            )
        yield chunk(
            {
                "content_filter_results": {},
                "delta": {},
                "finish_reason": choice.finish_reason,
                "index": choice.index,
                "logprobs": None,
            }
        )
    if usage is not None:
        final = chunk(None)
        final["usage"] = usage
        yield final
