"""What a realtime response says: the conversation read as a chat, answered by chat's own
choice maker (emulator/operations/chat/choices.py), so literal requests, tool calls with
schema-valid arguments and scripted replies work here as they do in chat completions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import synth, tokens
from ..audio import samples_digest
from ..operations.chat import tools
from ..operations.chat.choices import last_user_text, make_choice
from ..operations.chat.request import ChatRequest
from ..synth import speech
from ..synth import text as prose

if TYPE_CHECKING:
    from ..context import Services
    from ..deployments import Deployment


@dataclass
class Output:
    """One output item: a message (text, or speech with its transcript) or a function call."""

    item_id: str
    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    samples: np.ndarray | None = None  # speech at 24 kHz, when the answer is spoken
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None


@dataclass
class Answer:
    outputs: list[Output]
    finish_reason: str  # chat's: stop, length, tool_calls


def chat_request(messages: list[dict[str, Any]], tool_defs: list[dict[str, Any]], tool_choice: Any) -> ChatRequest:
    """The conversation as chat reads it; realtime's function tools as chat's."""
    body: dict[str, Any] = {"messages": messages or [{"role": "user", "content": ""}]}
    if tool_defs:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t["name"],
                    "description": t.get("description") or "",
                    "parameters": t.get("parameters") or {"type": "object", "properties": {}},
                },
            }
            for t in tool_defs
        ]
        if isinstance(tool_choice, dict):
            body["tool_choice"] = {"type": "function", "function": {"name": tool_choice["name"]}}
        elif tool_choice is not None:
            body["tool_choice"] = tool_choice
    return ChatRequest.model_validate(body)


def answer(
    req: ChatRequest,
    deployment: Deployment,
    services: Services,
    headers: Any,
    run_seed: int,
    limit: int | None,
    new_id: Any,
) -> Answer:
    seed = synth.derive_seed(run_seed, deployment.seed_name, "realtime", req.model_dump(exclude_none=True))
    offered = tools.check(req)
    scripted, _ = services.replies.answer(deployment.name, req.messages, offered.names, headers)
    if scripted is not None and scripted.tool_name is not None and not tools.allows(req, offered, scripted.tool_name):
        scripted = None
    topics = prose.topics_of(last_user_text(req.messages))
    choice = make_choice(0, seed, topics, req, offered, deployment, limit, scripted)
    if choice.calls:
        outputs = [
            Output(
                new_id("item"),
                call_id=call.id,
                name=call.name,
                arguments=call.arguments,
                token_ids=tokens.encode(call.name + call.arguments, deployment.model.encoding),
            )
            for call in choice.calls
        ]
        return Answer(outputs, "tool_calls" if choice.finish_reason != "length" else "length")
    content = choice.content or ""
    return Answer([Output(new_id("item"), content, list(choice.token_ids))], choice.finish_reason or "stop")


def speak(output: Output, voice: str, speed: float, services: Services) -> None:
    """The output said aloud, remembered so the emulator's transcription hears it back."""
    samples = speech.synthesize(output.text, voice, speed) if output.text else np.zeros(0, dtype=np.int16)
    output.samples = samples
    if output.text:
        services.speech_memory.remember(samples_digest(samples), output.text)


def arguments_pieces(arguments: str, size: int = 8) -> list[str]:
    """A call's arguments in the pieces the deltas carry."""
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
