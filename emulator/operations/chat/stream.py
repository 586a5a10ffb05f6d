"""The chunks of a streamed chat completion, as Azure sends them after its prompt annotation
(which delivery adds): a role delta, content deltas with filter results, a finish chunk with
an empty delta, and the usage chunk when asked for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ... import contentfilter, tokens
from ...contentfilter import Verdict
from ...delivery import dumps
from ...filterstream import TrailingVerdicts
from ..answer import blocked
from .audio import Spoken
from .tools import Call

# Tool-call arguments stream in fragments of about this many characters, as the service sends
# them a few tokens at a time.
_ARGUMENT_FRAGMENT = 12


@dataclass
class Choice:
    index: int
    content: str | None
    finish_reason: str
    token_ids: list[int]
    logprobs: list[dict[str, Any]] | None
    calls: list[Call] = field(default_factory=list)
    legacy_call: bool = False  # a function_call rather than tool_calls
    context: dict[str, Any] | None = None  # On Your Data: citations and intent
    filter_results: dict[str, Any] = field(default_factory=contentfilter.completion_filter_results)
    spoken: Spoken | None = None  # the answer said aloud (modalities audio): content is its transcript

    def filter(self, verdict: Verdict, encoding: str) -> None:
        """Apply what the content filter finds in this answer: its annotations, and, when the
        policy blocks it, the answer cut where the filter acts."""
        self.filter_results = verdict.results
        if verdict.blocked and not self.calls:
            cut = blocked(self.token_ids, self.logprobs, encoding)
            self.content, self.token_ids, self.logprobs = cut.text, cut.token_ids, cut.logprobs
            self.finish_reason = "content_filter"

    def message(self) -> dict[str, Any]:
        if self.spoken is not None:
            return {"audio": self.spoken.body(), "content": None, "refusal": None, "role": "assistant"}
        body: dict[str, Any] = {"content": self.content, "refusal": None, "role": "assistant"}
        if self.context is not None:
            body["context"] = self.context
        if self.calls and self.legacy_call:
            call = self.calls[0]
            body["function_call"] = {"arguments": call.arguments, "name": call.name}
        elif self.calls:
            body["tool_calls"] = [
                {"function": {"arguments": c.arguments, "name": c.name}, "id": c.id, "type": "function"}
                for c in self.calls
            ]
        return body


# Stands for the piece in a content chunk's template: control characters are escaped in JSON,
# so its encoded form cannot come from anything else in the chunk.
_PIECE = "\x00piece\x00"


class _Template:
    """An event encoded once, with the bytes before and after its piece. Where splicing
    could not give the bytes encoding the whole event gives (the marker found more than
    once; an event only ASCII escapes can encode), each event is encoded whole."""

    __slots__ = ("_event", "_parts")

    def __init__(self, event: dict[str, Any]) -> None:
        self._event = event
        encoded = dumps(event)
        parts = encoded.split(dumps(_PIECE))
        self._parts = parts if len(parts) == 2 and b"\\ud" not in encoded else None

    def around(self, piece: str) -> dict[str, Any] | bytes:
        if self._parts is None:
            choice = self._event["choices"][0]
            return {**self._event, "choices": [{**choice, "delta": {"content": piece}}]}
        return self._parts[0] + dumps(piece) + self._parts[1]


def stream_chunks(
    header: dict[str, Any],
    choices: list[Choice],
    usage: dict[str, Any] | None,
    encoding: str,
    asynchronous: bool = False,
) -> Iterator[dict[str, Any] | bytes]:
    """The chat.completion.chunk events; delivery puts Azure's prompt annotation first.

    In the default mode each content chunk carries the filter's results (the service buffers
    the answer and checks it before sending). In Asynchronous Filter mode content chunks carry
    none; the verdicts follow in annotation frames of their own, and an answer the filter
    blocks ends with the filter's frame instead of an ordinary finish chunk."""

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

    def body(choice: Choice, delta: dict[str, Any], results: dict[str, Any], **extra: Any) -> dict[str, Any]:
        # Keys in the service's (alphabetical) order.
        item = {} if asynchronous else {"content_filter_results": results}
        return {**item, "delta": delta, "finish_reason": None, "index": choice.index, "logprobs": None, **extra}

    for choice in choices:
        # A choice that calls tools has no content at all (null, as in the plain answer). On
        # Your Data's context comes with the first delta, as the service sends it.
        spoken = choice.spoken
        silent = choice.calls or spoken is not None
        first: dict[str, Any] = {"content": None if silent else "", "refusal": None, "role": "assistant"}
        if choice.context is not None:
            first["context"] = choice.context
        yield chunk(body(choice, first, {}))
        if choice.calls:
            yield from (chunk(delta) for delta in _call_deltas(choice, asynchronous))
        offset = 0
        verdicts = TrailingVerdicts(choice.index, choice.filter_results, usage is not None, asynchronous)
        # Content chunks differ only in their piece (and logprobs, when asked for): encoded
        # once, they are spliced around each piece, the stream's hottest step.
        spliced = not silent and choice.logprobs is None
        template = _Template(chunk(body(choice, {"content": _PIECE}, choice.filter_results))) if spliced else None
        for piece, ids in tokens.pieces(choice.token_ids if not choice.calls else [], encoding):
            if template is not None:
                yield template.around(piece)
            elif spoken is not None:
                # A spoken answer streams its transcript, the first piece naming the audio.
                yield chunk(
                    body(choice, {"audio": _said(spoken, offset == 0, transcript=piece)}, choice.filter_results)
                )
            else:
                logprobs = None
                if choice.logprobs is not None:
                    logprobs = {"content": choice.logprobs[offset : offset + len(ids)], "refusal": None}
                yield chunk(body(choice, {"content": piece}, choice.filter_results, logprobs=logprobs))
            offset += len(ids)
            yield from verdicts.after(piece)
        if spoken is not None:
            for n, sound in enumerate(spoken.pieces()):
                said = _said(spoken, offset == 0 and n == 0, data=sound)
                yield chunk(body(choice, {"audio": said}, choice.filter_results))
            yield chunk(body(choice, {"audio": {"expires_at": spoken.expires_at}}, choice.filter_results))
        yield from verdicts.close(choice.finish_reason, chunk(body(choice, {}, {}, finish_reason=choice.finish_reason)))
    if usage is not None:
        final = chunk(None)
        final["usage"] = usage
        yield final


def _said(spoken: Spoken, first: bool, **piece: str) -> dict[str, Any]:
    """An audio delta: the first one names the answer's audio, once (clients join the deltas'
    strings); the last one, after the sound, carries only its expiry."""
    return {"id": spoken.id, **piece} if first else piece


def _call_deltas(choice: Choice, asynchronous: bool) -> Iterator[dict[str, Any]]:
    """Calls as the service streams them: a delta naming each call (index, id, type, name),
    then its arguments in fragments that join to the whole JSON."""

    def body(delta: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {} if asynchronous else {"content_filter_results": {}}
        return {**item, "delta": delta, "finish_reason": None, "index": choice.index, "logprobs": None}

    for position, call in enumerate(choice.calls):
        fragments = [
            call.arguments[i : i + _ARGUMENT_FRAGMENT] for i in range(0, len(call.arguments), _ARGUMENT_FRAGMENT)
        ]
        if choice.legacy_call:
            yield body({"function_call": {"arguments": "", "name": call.name}})
            for fragment in fragments:
                yield body({"function_call": {"arguments": fragment}})
            continue
        yield body(
            {
                "tool_calls": [
                    {
                        "function": {"arguments": "", "name": call.name},
                        "id": call.id,
                        "index": position,
                        "type": "function",
                    }
                ]
            }
        )
        for fragment in fragments:
            yield body({"tool_calls": [{"function": {"arguments": fragment}, "index": position}]})
