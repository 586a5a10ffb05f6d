"""A fine-tuning job's training (or validation) file, checked line by line as the service
checks it before training: JSON per line, the method's format (chat examples for supervised
training, preference pairs for DPO, prompts for reinforcement), something for the model to
learn from in each example, the least number of examples, and each example within the model's
token limit, counted with its tokenizer. The first problem found fails the job, naming the
example (counted from 1, as the service counts them) and its line when they differ. The
errors' codes and wording are those OpenAI's service gives (no failed Azure job's error was
found to follow instead)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .. import tokens

_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# The per-message framing of the chat format, as OpenAI's counting guide adds it (the role and
# separators), and the three tokens that prime the reply.
_PER_MESSAGE, _PER_EXAMPLE = 3, 3


class TrainingDataError(Exception):
    """What is wrong with a file: the service's error code, and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Bad(Exception):
    """A problem in one example, before it is worded for the file it is in."""


@dataclass(frozen=True)
class Examples:
    count: int
    tokens: list[int]  # each example's tokens, as trained on

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)


def _text(content: Any) -> str | None:
    """A message's text, or None when its content has the wrong shape."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") not in ("text", "image_url"):
                return None
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    return None
                parts.append(part["text"])
        return "".join(parts)
    return None


def _tool_calls(calls: Any) -> str:
    if not isinstance(calls, list) or not calls:
        raise _Bad("'tool_calls' must be a non-empty list.")
    written: list[str] = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _Bad("each tool call needs a function with a name.")
        if not isinstance(function.get("arguments"), str):
            raise _Bad("a tool call's arguments must be a JSON string.")
        written.append(function["name"] + function["arguments"])
    return "".join(written)


def _messages(messages: Any, encoding: str, *, learn: bool) -> int:
    """The tokens of a conversation, checked; ``learn``: it must hold an assistant turn to
    train on (one not weighted 0)."""
    if not isinstance(messages, list) or not messages:
        raise _Bad("'messages' must be a non-empty list of messages.")
    counted = _PER_EXAMPLE
    trained = False
    for message in messages:
        if not isinstance(message, dict):
            raise _Bad("each message must be an object.")
        role = message.get("role")
        if role not in _ROLES:
            raise _Bad(f"a message has the role {json.dumps(role)}; expected one of {', '.join(_ROLES)}.")
        calls = message.get("tool_calls") or message.get("function_call")
        text = _text(message.get("content")) if message.get("content") is not None else ("" if calls else None)
        if text is None:
            raise _Bad(f"a {role} message has no content (a string or a list of text parts).")
        counted += _PER_MESSAGE + tokens.count(text, encoding)
        if message.get("tool_calls") is not None:
            counted += tokens.count(_tool_calls(message["tool_calls"]), encoding)
        if "weight" in message:
            if role != "assistant":
                raise _Bad("only assistant messages may have a weight.")
            if message["weight"] not in (0, 1) or isinstance(message["weight"], bool):
                raise _Bad("a message's weight must be 0 or 1.")
        if role == "assistant" and message.get("weight", 1) == 1:
            trained = True
    if learn and not trained:
        raise _Bad("the example has no assistant message to learn from.")
    return counted


def _example(example: dict[str, Any], method: str, encoding: str) -> int:
    if method == "dpo":
        prompt = example.get("input")
        if not isinstance(prompt, dict):
            raise _Bad("a preference example needs an 'input' object with its messages.")
        counted = _messages(prompt.get("messages"), encoding, learn=False)
        for side in ("preferred_output", "non_preferred_output"):
            output = example.get(side)
            if (
                not isinstance(output, list)
                or not output
                or any(not isinstance(m, dict) or m.get("role") != "assistant" for m in output)
            ):
                raise _Bad(f"'{side}' must be a list of assistant messages.")
            counted += _messages(output, encoding, learn=True) - _PER_EXAMPLE
        return counted
    learn = method != "reinforcement"
    counted = _messages(example.get("messages"), encoding, learn=learn)
    if method == "reinforcement" and example["messages"][-1].get("role") not in ("user", "developer", "system"):
        raise _Bad("a reinforcement example ends with the prompt the model answers (a user message).")
    return counted


def check(data: bytes, method: str, encoding: str, max_tokens: int, least: int, which: str = "training") -> Examples:
    """The file's examples, or the first ``TrainingDataError`` in it; ``which`` file it is
    (training or validation) goes into the error."""

    def invalid(detail: str) -> TrainingDataError:
        return TrainingDataError(
            f"invalid_{which}_file", f"The job failed due to an invalid {which} file. Invalid file format. {detail}"
        )

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("The file is not UTF-8 text.") from None
    counted: list[int] = []
    for number, written in enumerate(text.split("\n"), start=1):
        written = written.removesuffix("\r")
        if not written.strip():
            continue
        where = f"Example {len(counted) + 1}" + (f" (line {number})" if number != len(counted) + 1 else "")
        try:
            example = json.loads(written)
        except (ValueError, RecursionError):
            raise invalid(f"{where} is not valid JSON.") from None
        if not isinstance(example, dict):
            raise invalid(f"{where} is not a JSON object.")
        try:
            size = _example(example, method, encoding)
        except _Bad as bad:
            raise invalid(f"{where}: {bad}") from None
        if size > max_tokens:
            raise invalid(f"{where} has {size} tokens, more than the {max_tokens} the model trains on per example.")
        counted.append(size)
    if len(counted) < least:
        raise TrainingDataError(
            "invalid_n_examples",
            f"{which.capitalize()} file has {len(counted)} example(s), but must have at least {least} examples",
        )
    return Examples(len(counted), counted)
