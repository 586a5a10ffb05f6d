"""Chat completions: the checks a request passes before anything is generated, and the
token counts they need (prompt tokens, Azure's quota estimate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import synth, tokens
from ...errors import InvalidRequest, UnrecognizedArgument
from ...wording import invalid_type, invalid_value, missing_parameter
from .. import estimates
from ..fields import check_stream_options, metadata
from . import audio, data_sources, prediction, reasoning, tools, vision
from .request import ChatMessage, ChatRequest

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...deployments import Deployment

# OpenAI's accounting: every message costs 3 tokens of framing, a name 1 more, and the
# reply is primed with 3 (the cookbook's num_tokens_from_messages for current models).
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_NAME = 1
_REPLY_PRIMING = 3
# (Images are priced by chat_vision, with the model's own rates.)


def estimate_tokens(body: dict[str, Any], deployment: Deployment) -> int:
    """Azure's reservation: the prompt estimated from its characters (a token per four),
    plus the completion budget (16 when none is given, as Microsoft's simulator charges) for
    each of the n choices.
    The body is not validated yet, so anything unexpected simply counts as nothing."""
    messages = body.get("messages")
    written = (
        sum(estimates.characters(m.get("content")) for m in messages if isinstance(m, dict))
        if isinstance(messages, list)
        else 0
    )
    budget = estimates.whole(body.get("max_completion_tokens", body.get("max_tokens")), estimates.DEFAULT_BUDGET)
    return estimates.prompt_tokens(written) + budget * estimates.whole(body.get("n"), 1)


@dataclass(frozen=True)
class Prepared:
    """What the checks work out for the answer."""

    prompt_tokens: int  # the messages, their images and any retrieved documents
    offered: tools.Offered
    context: dict[str, Any] | None = None  # On Your Data: the citations and intent
    heard: audio.Heard | None = None  # the conversation's audio as words, and its tokens


def check(ctx: RequestContext, req: ChatRequest) -> Prepared:
    assert ctx.api_version is not None and ctx.deployment is not None
    rules = ctx.api_version.rules_for("chat_completions")
    assert rules is not None
    roles = rules.roles or ()
    for index, message in enumerate(req.messages):
        _check_message(index, message, roles)
    _check_tool_turns(req.messages)
    metadata(req.metadata)
    if req.response_format is not None:
        kind = req.response_format.type
        if rules.response_format is not None and kind not in rules.response_format:
            # A type the version predates is, to Azure, an argument it does not recognise.
            raise UnrecognizedArgument(["response_format"])
        if kind == "json_schema":
            spec = req.response_format.json_schema
            if spec is None:
                raise missing_parameter("response_format.json_schema")
            if not isinstance(spec.get("name"), str):
                raise missing_parameter("response_format.json_schema.name")
            if not isinstance(spec.get("schema", {}), dict):
                raise invalid_type("response_format.json_schema.schema", "an object", spec["schema"])
    if req.max_tokens is not None and req.max_completion_tokens is not None:
        raise InvalidRequest(
            "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
            param="max_tokens",
            code="invalid_parameter_combination",
        )
    check_stream_options(req.stream_options, req.stream)
    reasoning.check(req, ctx.deployment.model, ctx.api_version.name)
    audio.check(req, ctx.deployment.model, ctx.api_version.name)
    prediction.check(req, ctx.deployment.model)
    offered = tools.check(req)
    if req.top_logprobs is not None and not req.logprobs:
        raise InvalidRequest(
            "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.", param="top_logprobs"
        )
    limit = req.completion_limit
    most = ctx.deployment.model.max_output_tokens
    if limit is not None and limit > most:
        name = "max_completion_tokens" if req.max_completion_tokens is not None else "max_tokens"
        raise InvalidRequest(
            f"{name} is too large: {limit}. This model supports at most {most} completion tokens, "
            f"whereas you provided {limit}.",
            param=name,
            code="invalid_value",
        )
    model = ctx.deployment.model
    prompt_tokens = count_prompt_tokens(req.messages, model.encoding) + vision.image_tokens(req.messages, model)
    assert ctx.services is not None
    heard = audio.hear(req, model, ctx.services)
    if heard is not None:
        prompt_tokens += heard.audio_tokens
    context = None
    if req.data_sources is not None:
        data_sources.check(req.data_sources, rules.data_sources)
        question = next((m.text() for m in reversed(req.messages) if m.role == "user"), "")
        seed = synth.derive_seed(ctx.run_seed, "data", req.data_sources, question)
        context, retrieved = data_sources.context(req.data_sources[0], question, seed, model.encoding)
        # The retrieved documents are part of the prompt the model reads.
        prompt_tokens += retrieved
    if prompt_tokens + (limit or 0) > model.context_window:
        raise _context_length_exceeded(model.context_window, prompt_tokens, limit)
    return Prepared(prompt_tokens, offered, context, heard)


def _check_message(index: int, message: ChatMessage, roles: tuple[str, ...]) -> None:
    where = f"messages[{index}]"
    if message.role not in roles:
        raise invalid_value(f"{where}.role", message.role, roles)
    answered = message.tool_calls or message.function_call or message.audio
    if message.content is None and (message.role != "assistant" or not answered):
        raise missing_parameter(f"{where}.content")
    if message.role == "tool" and message.tool_call_id is None:
        raise missing_parameter(f"{where}.tool_call_id")


def _check_tool_turns(messages: list[ChatMessage]) -> None:
    """Tool results answer the calls just before them, and every call gets its result."""
    pending: list[str] = []
    for index, message in enumerate(messages):
        if message.role == "tool":
            if message.tool_call_id not in pending:
                raise InvalidRequest(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
                    "'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            pending.remove(message.tool_call_id)
            continue
        if pending:
            raise InvalidRequest(
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(pending)}",
                param=f"messages.[{index}].role",
            )
        pending = [call.id for call in message.tool_calls or ()]


def count_prompt_tokens(messages: list[ChatMessage], encoding: str) -> int:
    total = _REPLY_PRIMING
    for message in messages:
        total += _TOKENS_PER_MESSAGE + tokens.count(message.role, encoding)
        total += tokens.count(message.text(), encoding)
        if message.name:
            total += _TOKENS_PER_NAME + tokens.count(message.name, encoding)
        calls = [c.function for c in message.tool_calls or ()]
        if message.function_call is not None:
            calls.append(message.function_call)
        for call in calls:
            total += tokens.count(call.name, encoding) + tokens.count(call.arguments, encoding)
    return total


# Stand-ins for the tokens that frame each message (beyond any vocabulary): the prompt's
# token sequence is only compared with itself (the prompt cache), never decoded.
_MESSAGE_START, _MESSAGE_SEPARATOR, _MESSAGE_END, _NAME = 0xFFFF0001, 0xFFFF0002, 0xFFFF0003, 0xFFFF0004


def prompt_token_ids(messages: list[ChatMessage], encoding: str) -> list[int]:
    """The prompt's tokens in order, as many as ``count_prompt_tokens`` counts (the images'
    aside): what the prompt cache compares prefixes of."""
    ids: list[int] = []
    for message in messages:
        ids += [_MESSAGE_START, _MESSAGE_SEPARATOR, _MESSAGE_END]
        ids += tokens.encode(message.role, encoding) + tokens.encode(message.text(), encoding)
        if message.name:
            ids += [_NAME, *tokens.encode(message.name, encoding)]
        calls = [c.function for c in message.tool_calls or ()]
        if message.function_call is not None:
            calls.append(message.function_call)
        for call in calls:
            ids += tokens.encode(call.name, encoding) + tokens.encode(call.arguments, encoding)
    return ids + [_MESSAGE_START, _MESSAGE_SEPARATOR, _MESSAGE_END]  # the reply's priming


def _context_length_exceeded(window: int, prompt_tokens: int, limit: int | None) -> InvalidRequest:
    if limit:
        message = (
            f"This model's maximum context length is {window} tokens. However, you requested "
            f"{prompt_tokens + limit} tokens ({prompt_tokens} in the messages, {limit} in the completion). "
            "Please reduce the length of the messages or completion."
        )
    else:
        message = (
            f"This model's maximum context length is {window} tokens. However, your messages resulted in "
            f"{prompt_tokens} tokens. Please reduce the length of the messages."
        )
    return InvalidRequest(message, param="messages", code="context_length_exceeded")
