"""Tool-call arguments the user's message gives: a call written out (``magic_function(3)``,
``get_weather("Paris")``), a value after the parameter's name ("for city Paris", "a customer
named '你好啊集团'"), then quoted strings and numbers in order. Each is coerced to its
parameter's type and kept only where it satisfies the parameter's schema; the generator
(emulator/synth/schema_data.py) makes the rest. Any script passes through untouched."""

from __future__ import annotations

import ast
import math
import operator
import re
from typing import Any

from .quoting import QUOTED, unquote

_READ = 4096  # a request is short; only the start of a long message is read


def _fits(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` as the parameter's type, if it satisfies the parameter's schema; else
    ``_NO``."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind in ("integer", "number"):
        if isinstance(value, str):
            try:
                value = float(value.replace(",", ""))
            except ValueError:
                return _NO
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return _NO
        if kind == "integer":
            if not float(value).is_integer():
                return _NO
            value = int(value)
        bounds = (
            ("minimum", operator.ge),
            ("maximum", operator.le),
            ("exclusiveMinimum", operator.gt),
            ("exclusiveMaximum", operator.lt),
        )
        for name, holds in bounds:
            bound = schema.get(name)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool) and not holds(value, bound):
                return _NO
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            quotient = value / step
            if not math.isfinite(quotient) or quotient != int(quotient):
                return _NO
    elif kind == "string" or (kind is None and isinstance(value, str)):
        if not isinstance(value, str):
            value = str(value)
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1 << 30):
            return _NO
        if "pattern" in schema or "format" in schema:
            return _NO  # left to the generator, which honours them
    elif kind == "boolean":
        if not isinstance(value, bool):
            return _NO
    else:
        return _NO
    if "enum" in schema and value not in schema["enum"]:
        return _NO
    if "const" in schema and value != schema["const"]:
        return _NO
    return value


_NO = object()
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w.])")
_PLACES = frozenset({"city", "location", "place", "country", "region", "town", "destination", "address"})


def _written_call(prompt: str, name: str) -> list[Any] | None:
    """The arguments of ``name(...)`` written out in the prompt, as literals."""
    found = re.search(rf"\b{re.escape(name)}\s*\((?P<args>[^()]*)\)", prompt)
    if not found:
        return None
    try:
        call = ast.parse(f"f({found.group('args')})", mode="eval").body
        if not isinstance(call, ast.Call):
            return None
        values: list[Any] = []
        for argument in call.args:
            try:
                values.append(ast.literal_eval(argument))
            except ValueError:
                values.append(ast.unparse(argument))
        return values
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None  # not a call that can be read: the generator makes the arguments


_VALUE = r"(?P<v>" + QUOTED + r"|[-+]?\d+(?:\.\d+)?|[^\s,.;:!?()'\"]+)"
# After a word of a description, only a value that stands out: quoted, a number, or a word
# that starts with a capital or is in another script ("the customer's name" -> not "is").
_DISTINCT = r"(?P<v>" + QUOTED + r"|[-+]?\d+(?:\.\d+)?|(?-i:[^\W\da-z_])[^\s,.;:!?()'\"]*)"
_LINK = r"\s*(?:(?:is|=|:|of|as)\s*)?"  # one run of spaces at most: no backtracking blow-up
_PLAIN_WORDS = frozenset({"the", "this", "that", "with", "from", "which", "what", "when", "will", "should", "must"})


def _words(name: str) -> list[str]:
    """A parameter's name as words: customer_name, customer-name and customerName alike."""
    return [w for w in re.split(r"[_\s-]+", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)) if w]


def _after_name(prompt: str, name: str, description: str) -> str | None:
    """A value written after the parameter's name ("city Paris", "customer name: 你好"), or
    after a word of its description."""
    words = _words(name)
    if not words:
        return None
    label = r"[\s_-]+".join(re.escape(w) for w in words)
    found = re.search(rf"\b{label}\b{_LINK}{_VALUE}", prompt, re.IGNORECASE)
    described = [w for w in re.findall(r"[^\W\d_]{4,}", description) if w.lower() not in _PLAIN_WORDS]
    for word in described if found is None else ():
        found = re.search(rf"\b{re.escape(word)}\b{_LINK}{_DISTINCT}", prompt, re.IGNORECASE)
        if found:
            break
    lowered = {w.lower() for w in words + described}
    if found is None and ("name" in lowered or "named" in lowered):
        found = re.search(rf"\b(?:named|called){_LINK}{_VALUE}", prompt, re.IGNORECASE)
    if found is None and _PLACES & lowered:
        found = re.search(r"\b(?:in|at|for|to)\s+(?P<v>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)", prompt)
    return unquote(found.group("v")) if found else None


def arguments_from(prompt: str, function: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The argument values the user's message gives for a call of ``function``, each coerced
    to its parameter's type and kept only where it satisfies the parameter's schema."""
    prompt = prompt[:_READ]
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    if not isinstance(properties, dict) or not properties:
        return {}
    names = [n for n in properties if isinstance(properties[n], dict)]
    given: dict[str, Any] = {}

    def take(name: str, value: Any) -> bool:
        fitted = _fits(value, properties[name])
        if fitted is _NO or name in given:
            return False
        given[name] = fitted
        return True

    for name, value in zip(names, _written_call(prompt, function) or []):
        take(name, value)
    for name in names:
        if name not in given:
            description = properties[name].get("description")
            found = _after_name(prompt, name, description if isinstance(description, str) else "")
            if found is not None:
                take(name, found)
    quoted = [unquote(q) for q in re.findall(QUOTED, prompt)]
    numbers = _NUMBER.findall(prompt)
    used = {v for v in given.values() if isinstance(v, str)}
    for name in names:
        if name in given:
            continue
        kind = properties[name].get("type")
        if kind == "string":
            while quoted:
                value = quoted.pop(0)
                if value not in used and take(name, value):
                    used.add(value)
                    break
        elif kind in ("integer", "number"):
            while numbers and not take(name, numbers.pop(0)):
                pass
    return given
