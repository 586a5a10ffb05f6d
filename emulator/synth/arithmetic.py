"""Simple arithmetic questions answered right: "What is 2 + 2?", "what's 17 times 3",
"calculate (3 + 4) * 2". Words for the operators are read as the operators; the expression
is evaluated from its syntax tree, numbers and the four operations (and powers) only, and a
result too large to write as a number is no answer."""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Any

_ARITHMETIC = re.compile(
    r"(?:what\s+is|what's|whats|calculate|compute|evaluate|how\s+much\s+is|solve)\s*:?\s*"
    r"(?P<x>[-+*/×÷x^().\d\s]*\d[-+*/×÷x^().\d\s]*|[\w\s.()-]+?)\s*(?:\?|\.|$)",
    re.IGNORECASE,
)
_OPERATOR_WORDS = (
    (r"\bmultiplied\s+by\b|\btimes\b", "*"),
    (r"\bdivided\s+by\b|\bover\b", "/"),
    (r"\bplus\b|\badded\s+to\b", "+"),
    (r"\bminus\b|\bless\b", "-"),
    (r"\bto\s+the\s+power\s+of\b", "**"),
)
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
            raise ValueError("too large")
        result = float(_BINARY[type(node.op)](left, right))
        if not math.isfinite(result):
            raise ValueError("too large")
        return result
    raise ValueError("not arithmetic")


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10f}".rstrip("0").rstrip(".")


def answer(prompt: str) -> str | None:
    """The result of the simple arithmetic question in ``prompt``, written as a number."""
    if not any(ch.isdigit() for ch in prompt):
        return None
    found = _ARITHMETIC.search(prompt)
    if not found:
        return None
    expression = found.group("x").lower()
    for pattern, symbol in _OPERATOR_WORDS:
        expression = re.sub(pattern, f" {symbol} ", expression)
    expression = expression.replace("×", "*").replace("÷", "/").replace("^", "**")
    expression = re.sub(r"(?<=\d)\s*x\s*(?=\d)", "*", expression)
    if not re.fullmatch(r"[-+*/().\d\s]+", expression) or not re.search(r"[\d)]\s*[-+*/]", expression):
        return None
    try:
        return _number(_evaluate(ast.parse(expression.strip(), mode="eval")))
    except (ValueError, SyntaxError, ZeroDivisionError, OverflowError, RecursionError):
        return None
