"""One chat answer (a choice): generated text, JSON for ``response_format``, tool calls, or
what a scripted reply says, shaped to the request (stop sequences, the token budget,
logprobs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ... import ids, synth, tokens
from ...errors import InvalidRequest
from ...replies import Scripted
from ...synth import instructions, schema_data, text
from ...synth import logprobs as synth_logprobs
from ..answer import shape
from . import prediction, tools
from .request import ChatMessage, ChatRequest
from .stream import Choice

if TYPE_CHECKING:
    from ...deployments import Deployment


def last_user_text(messages: list[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            return message.text()
    return messages[-1].text()


def make_choice(
    index: int,
    seed: int,
    topics: tuple[str, ...],
    req: ChatRequest,
    offered: tools.Offered,
    deployment: Deployment,
    limit: int | None,
    scripted: Scripted | None = None,
) -> Choice:
    encoding = deployment.model.encoding
    choice_seed = synth.mix(seed, index)
    kind = req.response_format.type if req.response_format else "text"
    token_ids: list[int] | None = None
    if scripted is not None:
        return _scripted_choice(index, choice_seed, topics, req, offered, scripted, encoding, limit)
    # What the user just asked, when it is the user's turn: a literal request is answered as
    # asked (emulator/synth/instructions.py), anything else by the generator.
    asked = req.messages[-1].text() if req.messages[-1].role == "user" else None
    if kind == "json_object":
        literal_json = instructions.json_reply(asked, choice_seed, encoding) if asked else None
        content = literal_json or text.json_object(choice_seed, topics, encoding)
    elif kind == "json_schema":
        content = _structured(req, choice_seed)
    else:
        calls = tools.decide(req, offered, choice_seed)
        if calls:
            return _call_choice(index, calls, offered.legacy, encoding, limit)
        if req.prediction is not None:
            # The prediction is what the answer mostly repeats, with the edits asked for.
            said = " ".join(m.text() for m in req.messages if m.role == "user")
            return _text_choice(
                index, prediction.edited(req.prediction.text(), said), None, req, encoding, limit, choice_seed
            )
        literal = instructions.literal_reply(asked, choice_seed) if asked else None
        if literal is not None:
            return _text_choice(index, literal, None, req, encoding, limit, choice_seed)
        content, generated = text.reply(choice_seed, topics, deployment.reply_tokens, encoding)
        token_ids = list(generated)
        results = tools.tool_results(req.messages)
        if results:
            # The answer after a tool call takes its results into account: it quotes them.
            content = tools.answer_from_results(results) + " " + content
            token_ids = None
    return _text_choice(index, content, token_ids, req, encoding, limit, choice_seed)


def _structured(req: ChatRequest, seed: int) -> str:
    """Content for ``response_format: json_schema``: data that validates against the schema."""
    spec = (req.response_format.json_schema if req.response_format else None) or {}
    schema = spec.get("schema") or {"type": "object"}
    try:
        data = schema_data.generate(schema, seed, strict=spec.get("strict") is True)
        return json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (schema_data.SchemaError, ValueError, TypeError) as exc:
        raise InvalidRequest(
            f"Invalid schema for response_format '{spec.get('name')}': {exc}",
            param="response_format.json_schema.schema",
            code="invalid_value",
        ) from None


def _text_choice(
    index: int,
    content: str,
    token_ids: list[int] | None,
    req: ChatRequest,
    encoding: str,
    limit: int | None,
    seed: int,
) -> Choice:
    """A text answer as the request shapes it: cut at a stop sequence, then at the token
    budget, with logprobs when asked."""
    shaped = shape(content, req.stop_sequences(), limit, encoding, token_ids)
    logprobs = None
    if req.logprobs:
        logprobs = synth_logprobs.for_tokens(
            tokens.decode_bytes(shaped.token_ids, encoding), seed, req.top_logprobs or 0, encoding
        )
    return Choice(index, shaped.text, shaped.finish_reason, shaped.token_ids, logprobs)


def _scripted_choice(
    index: int,
    seed: int,
    topics: tuple[str, ...],
    req: ChatRequest,
    offered: tools.Offered,
    scripted: Scripted,
    encoding: str,
    limit: int | None,
) -> Choice:
    """A reply a configured rule dictates (emulator/replies.py)."""
    if scripted.tool_name is not None:
        call = tools.Call(f"call_{ids.hex32()[:24]}", scripted.tool_name, scripted.arguments or "{}")
        choice = _call_choice(index, [call], offered.legacy, encoding, limit)
    else:
        if scripted.tokens is not None:
            prose = text.reply(seed, topics, max(scripted.tokens, 1), encoding)
            content = tokens.decode(list(prose.token_ids[: scripted.tokens]), encoding)
        else:
            content = scripted.text or ""
        choice = _text_choice(index, content, None, req, encoding, limit, seed)
    if scripted.finish_reason is not None:
        choice.finish_reason = scripted.finish_reason
    return choice


def _call_choice(index: int, calls: list[tools.Call], legacy: bool, encoding: str, limit: int | None = None) -> Choice:
    # A call's tokens are its name and arguments, as the model writes them. A budget too small
    # for them cuts the arguments short, and the answer stops for length.
    finish = "function_call" if legacy else "tool_calls"
    kept: list[tools.Call] = []
    written: list[int] = []
    for call in calls:
        name, arguments = tokens.encode(call.name, encoding), tokens.encode(call.arguments, encoding)
        if limit is not None and len(written) + len(name) + len(arguments) > limit:
            room = max(limit - len(written) - len(name), 0)
            kept.append(tools.Call(call.id, call.name, tokens.decode(arguments[:room], encoding)))
            written += name + arguments[:room]
            finish = "length"
            break
        kept.append(call)
        written += name + arguments
    return Choice(index, None, finish, written, None, calls=kept, legacy_call=legacy)
