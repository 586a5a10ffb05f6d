"""Scripted chat replies: make the emulator say what a test needs, from the config file.

    replies:
      - name: weather-call
        match:
          last_user: "weather in (?P<city>\\w+)"   # a regex over the last user message
          tools: [get_weather]                      # these tools must be offered
        reply:
          tool_call: {name: get_weather, arguments: {city: "{city}"}}
      - name: weather-answer
        match: {after_tool: true, tools: [get_weather]}
        reply: {text: "It is sunny in {city}, says the tool."}

A rule matches on the deployment, a regular expression over the last user message or the
whole conversation, the offered tool names, whether the conversation ends with tool results,
and counts (the first N, every k-th, from the N-th, per header value if asked), as scenario
rules do. The first rule that matches answers: fixed text or a template filled from the
regex's named or numbered groups, a tool call, a JSON body, a reply of N tokens, and
optionally a finish_reason. With no rule matching, the generator answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .faults.scenario import When, compiles


class ReplyMatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deployment: str | list[str] | None = None
    last_user: str | None = Field(default=None, description="regex over the last user message")
    conversation: str | None = Field(default=None, description="regex over every message, one per line")
    tools: list[str] = Field(default_factory=list, description="tool names that must be offered")
    after_tool: bool | None = Field(default=None, description="the conversation ends with tool results (or not)")

    @field_validator("last_user", "conversation")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        return compiles(pattern)


class ToolCallReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)


class ReplySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    tool_call: ToolCallReply | None = None
    json_body: Any = Field(default=None, alias="json")
    tokens: int | None = Field(default=None, ge=0, le=100_000)
    finish_reason: Literal["stop", "length", "content_filter", "tool_calls", "function_call"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ReplySpec:
        kinds = [self.text is not None, self.tool_call is not None, self.json_body is not None, self.tokens is not None]
        if sum(kinds) != 1:
            raise ValueError("a reply is one of text, tool_call, json or tokens")
        return self


class ReplyRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    match: ReplyMatch = Field(default_factory=ReplyMatch)
    when: When = Field(default_factory=When)
    reply: ReplySpec

    @field_validator("when")
    @classmethod
    def _counts_only(cls, when: When) -> When:
        if when.for_seconds is not None or when.probability is not None:
            raise ValueError("replies count requests (first, every, from, per_header); time and chance are for faults")
        return when


@dataclass(frozen=True)
class Scripted:
    """What a matched rule says, filled in for this request."""

    rule: str
    text: str | None = None
    tool_name: str | None = None
    arguments: str | None = None
    tokens: int | None = None
    finish_reason: str | None = None
    counted: bool = False  # the rule counts requests: its answer must not be remembered


_FIELD = re.compile(r"\{(\w+)\}")


def _fill(template: str, groups: dict[str, str]) -> str:
    """``{name}`` and ``{1}`` become the regex's groups; anything else in braces stays as
    written (a JSON-looking reply is not mistaken for a template)."""
    return _FIELD.sub(lambda m: groups.get(m.group(1), m.group(0)), template)


def _fill_any(value: Any, groups: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _fill(value, groups)
    if isinstance(value, dict):
        return {k: _fill_any(v, groups) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_any(v, groups) for v in value]
    return value


def _counts(rule: ReplyRule) -> bool:
    when = rule.when
    return when.first is not None or when.every is not None or when.from_ is not None


class ScriptedReplies:
    def __init__(self, rules: list[ReplyRule]) -> None:
        self.rules = rules
        self._configured = list(rules)
        self._counts: dict[tuple[int, str], int] = {}

    def add(self, rule: ReplyRule) -> None:
        """A rule added at run time (admin API): it is tried before the others."""
        self.rules = [rule, *self.rules]
        self._counts = {}

    def reset(self) -> None:
        """Back to the configured rules, with fresh counts."""
        self.rules = list(self._configured)
        self._counts = {}

    def answer(
        self, deployment: str, messages: list[Any], offered_tools: list[str], headers: Any
    ) -> tuple[Scripted | None, bool]:
        """The scripted reply, if a rule answers; and whether any counting rule looked at this
        request (then the answer depends on what came before, and must not be remembered)."""
        if not self.rules:
            return None, False
        counted = False
        last_user = next((m.text() for m in reversed(messages) if m.role == "user"), "")
        conversation = "\n".join(m.text() for m in messages)
        after_tool = messages[-1].role in ("tool", "function")
        for index, rule in enumerate(self.rules):
            groups = self._groups(rule, deployment, last_user, conversation, offered_tools, after_tool)
            if groups is None:
                continue
            when = rule.when
            counted = counted or _counts(rule)
            key = (index, headers.get(when.per_header, "") if when.per_header else "")
            seen = self._counts[key] = self._counts.get(key, 0) + 1
            if when.first is not None and seen > when.first:
                continue
            if when.every is not None and seen % when.every:
                continue
            if when.from_ is not None and seen < when.from_:
                continue
            return self._scripted(rule, groups), counted
        return None, counted

    @staticmethod
    def _groups(
        rule: ReplyRule, deployment: str, last_user: str, conversation: str, offered: list[str], after_tool: bool
    ) -> dict[str, str] | None:
        match = rule.match
        if match.deployment is not None and deployment not in (
            [match.deployment] if isinstance(match.deployment, str) else match.deployment
        ):
            return None
        if any(name not in offered for name in match.tools):
            return None
        if match.after_tool is not None and match.after_tool != after_tool:
            return None
        groups: dict[str, str] = {}
        for pattern, subject in ((match.last_user, last_user), (match.conversation, conversation)):
            if pattern is None:
                continue
            found = re.search(pattern, subject)
            if found is None:
                return None
            groups.update({str(i + 1): g for i, g in enumerate(found.groups()) if g is not None})
            groups.update({k: v for k, v in found.groupdict().items() if v is not None})
        return groups

    @staticmethod
    def _scripted(rule: ReplyRule, groups: dict[str, str]) -> Scripted:
        spec = rule.reply
        common = {"rule": rule.name, "finish_reason": spec.finish_reason, "counted": _counts(rule)}
        if spec.tool_call is not None:
            arguments = _fill_any(spec.tool_call.arguments, groups)
            text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
            return Scripted(tool_name=spec.tool_call.name, arguments=text, **common)  # type: ignore[arg-type]
        if spec.json_body is not None:
            body = json.dumps(_fill_any(spec.json_body, groups), ensure_ascii=False)
            return Scripted(text=body, **common)  # type: ignore[arg-type]
        if spec.tokens is not None:
            return Scripted(tokens=spec.tokens, **common)  # type: ignore[arg-type]
        return Scripted(text=_fill(spec.text or "", groups), **common)  # type: ignore[arg-type]
