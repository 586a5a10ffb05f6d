"""Tool and function calling for chat: checking definitions, deciding to call, making calls.

When a tool is called (the decision is deterministic):
* ``tool_choice: none`` (or ``function_call: none``): never.
* a named function: always that one.
* ``required``: always; the tool that shares most words with the last user message (name and
  description), the first one on a tie.
* ``auto`` (the default when tools are offered): when the last message is the user's, as with
  ``required``. After a tool result the model answers in text that quotes the result.
* ``parallel_tool_calls`` (default true): every offered tool that shares a word with the last
  user message is called at once (up to four); otherwise one.

Arguments are generated from each function's JSON Schema (emulator/synth/schema_data.py), so
they validate against it; with ``strict: true`` the structured-output rules apply.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ... import ids, synth
from ...errors import InvalidRequest
from ...synth import schema_data
from ...synth.arguments import arguments_from
from ...wording import invalid_type, invalid_value, missing_parameter
from .request import ChatMessage, ChatRequest

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_WORDS = re.compile(r"[a-z0-9]+")
_MAX_PARALLEL = 4
_COMMON = frozenset(
    "what which when where with from that this have your about there their would could should into".split()
)


@dataclass(frozen=True)
class Function:
    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool
    where: str  # the request path of its definition, for error messages


@dataclass(frozen=True)
class Offered:
    """The functions a request offers, checked: as ``tools``, or as legacy ``functions``."""

    functions: tuple[Function, ...] = ()
    legacy: bool = False

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.functions]


@dataclass(frozen=True)
class Call:
    id: str
    name: str
    arguments: str


def _offered(req: ChatRequest) -> Offered:
    if req.tools is not None:
        return Offered(tuple(_tool(i, t) for i, t in enumerate(req.tools)), False)
    if req.functions is not None:
        return Offered(tuple(_function(f"functions[{i}]", f) for i, f in enumerate(req.functions)), True)
    return Offered()


def _tool(index: int, tool: dict[str, Any]) -> Function:
    where = f"tools[{index}]"
    if tool.get("type") != "function":
        raise invalid_value(f"{where}.type", tool.get("type"), ("function",))
    spec = tool.get("function")
    if not isinstance(spec, dict):
        raise missing_parameter(f"{where}.function")
    return _function(f"{where}.function", spec)


def _function(where: str, spec: dict[str, Any]) -> Function:
    name = spec.get("name")
    if name is None:
        raise missing_parameter(f"{where}.name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidRequest(
            f"Invalid '{where}.name': string does not match pattern. Expected a string that matches the pattern "
            "'^[a-zA-Z0-9_-]+$'.",
            param=f"{where}.name",
            code="invalid_value",
        )
    parameters = spec.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(parameters, dict) or parameters.get("type", "object") != "object":
        raise invalid_type(f"{where}.parameters", "an object", parameters)
    description = spec.get("description") or ""
    return Function(
        name, description if isinstance(description, str) else "", parameters, spec.get("strict") is True, where
    )


def check(req: ChatRequest) -> Offered:
    """Definitions, tool_choice and function_call, as the service checks them; what is offered."""
    offered = _offered(req)
    names = offered.names
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise InvalidRequest(f"Duplicate function name '{duplicate}' in tools.", param="tools", code="invalid_value")
    for param, choice, list_name, given in (
        ("tool_choice", req.tool_choice, "tools", req.tools),
        ("function_call", req.function_call, "functions", req.functions),
    ):
        if choice is None:
            continue
        if given is None:
            raise InvalidRequest(
                f"Invalid value for '{param}': '{param}' is only allowed when '{list_name}' are specified.",
                param=param,
            )
        wanted = _named(choice, param)
        if wanted is not None and wanted not in names:
            raise InvalidRequest(
                f"Invalid value for '{param}': no function named '{wanted}' was provided.",
                param=param,
                code="invalid_value",
            )
        allowed = ("none", "auto") if param == "function_call" else ("none", "auto", "required")
        if isinstance(choice, str) and choice not in allowed:
            listed = ", ".join(f"'{a}'" for a in allowed)
            raise InvalidRequest(
                f"Invalid value: '{choice}'. Supported values are: {listed}, or an object naming a function.",
                param=param,
                code="invalid_value",
            )
    return offered


def allows(req: ChatRequest, offered: Offered, name: str) -> bool:
    """Whether the request lets the model call ``name``: offered, and not ruled out by
    tool_choice or function_call."""
    if name not in offered.names:
        return False
    legacy = offered.legacy
    choice = req.function_call if legacy else req.tool_choice
    if choice == "none":
        return False
    forced = _named(choice, "function_call" if legacy else "tool_choice") if isinstance(choice, dict) else None
    return forced is None or forced == name


def _named(choice: Any, param: str) -> str | None:
    if not isinstance(choice, dict):
        return None
    if param == "tool_choice":
        function = choice.get("function") if choice.get("type") == "function" else None
        name = function.get("name") if isinstance(function, dict) else None
    else:
        name = choice.get("name")
    if not isinstance(name, str):
        raise InvalidRequest(
            f"Invalid value for '{param}': expected a function name.", param=param, code="invalid_value"
        )
    return name


def decide(req: ChatRequest, offered: Offered, seed: int) -> list[Call]:
    """The calls this turn makes (none: answer in text)."""
    legacy = offered.legacy
    if not offered.functions:
        return []
    choice = req.function_call if legacy else req.tool_choice
    if choice == "none":
        return []
    named = _named(choice, "function_call" if legacy else "tool_choice") if isinstance(choice, dict) else None
    if named is not None:
        chosen = [next(f for f in offered.functions if f.name == named)]
    elif choice == "required" or req.messages[-1].role == "user":
        parallel = not legacy and req.parallel_tool_calls is not False
        chosen = _relevant(list(offered.functions), req.messages, parallel)
    else:
        return []
    asked = _last_user_text(req.messages)
    return [_call(f, synth.mix(seed, i), asked) for i, f in enumerate(chosen)]


def _content_words(text: str) -> set[str]:
    # Words of four letters or more, less the commonest: "the" or "with" relate no tool.
    return {w for w in _WORDS.findall(text.lower()) if len(w) >= 4 and w not in _COMMON}


def _relevant(offered: list[Function], messages: list[ChatMessage], parallel: bool) -> list[Function]:
    asked = _content_words(_last_user_text(messages))
    scores = [len(asked & _content_words(f"{f.name.replace('_', ' ')} {f.description}")) for f in offered]
    if parallel:
        picked = [f for f, s in zip(offered, scores) if s > 0][:_MAX_PARALLEL]
        if len(picked) > 1:
            return picked
    best = max(range(len(offered)), key=lambda i: (scores[i], -i))
    return [offered[best]]


def _last_user_text(messages: list[ChatMessage]) -> str:
    return next((m.text() for m in reversed(messages) if m.role == "user"), "")


def _call(function: Function, seed: int, asked: str) -> Call:
    """A call of ``function``: the argument values the user's message gives (where they fit
    the schema), the rest generated from the schema."""
    try:
        data = schema_data.generate(function.parameters, seed, strict=function.strict)
        if isinstance(data, dict):
            data.update(arguments_from(asked, function.name, function.parameters))
        arguments = json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (schema_data.SchemaError, ValueError, TypeError) as exc:
        raise InvalidRequest(
            f"Invalid schema for function '{function.name}': {exc}",
            param=f"{function.where}.parameters",
            code="invalid_function_parameters",
        ) from None
    return Call(id=f"call_{ids.hex32()[:24]}", name=function.name, arguments=arguments)


def tool_results(messages: list[ChatMessage]) -> list[tuple[str, str]]:
    """The results the conversation ends with, as (function name, content): what the answer
    after a tool call should take into account."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.tool_calls or ():
            names[call.id] = call.function.name
    results: list[tuple[str, str]] = []
    for message in reversed(messages):
        if message.role == "tool":
            results.append((names.get(message.tool_call_id or "", "the tool"), message.text()))
        elif message.role == "function":
            results.append((message.name or "the function", message.text()))
        else:
            break
    return list(reversed(results))


def answer_from_results(results: list[tuple[str, str]]) -> str:
    """A first sentence that quotes what the tools returned."""
    parts = []
    for name, content in results:
        quoted = " ".join(content.split())
        if len(quoted) > 200:
            quoted = quoted[:197] + "..."
        parts.append(f"{name} returned: {quoted}")
    return "Here is what I found. " + " ".join(f"{p.rstrip('.')}." for p in parts)
