"""Literal requests answered as asked: the short prompts test suites send and assert on.

In front of the reply generator (emulator/synth/text.py), for chat, the Responses API and
legacy completions alike, a few rules recognise a literal request in the user's last message
and give its answer exactly; a prompt none of them recognises goes to the generator, which
answers it as before. Scripted replies (emulator/replies.py) win over all of them, and the
token budget still cuts what they give. The rules, first match wins:

    exactly     "Reply with exactly OK", "Respond with only the word yes"   -> OK, yes
    repeat      "Repeat after me: the sky is green"                         -> the sky is green
    say         "Say 'hello world'", "say hi" (a quoted or very short X)    -> hello world, hi
    json        "Return this as json: {'a': 1}" (single quotes too)          -> {"a": 1}
    greeting    "hi", "Hello!", "good morning" (the whole prompt)            -> a greeting
    arithmetic  "What is 2 + 2?", "what's 17 times 3"                        -> 4, 51
    counting    "count to five", "count from 3 to 6"                         -> 1, 2, 3, 4, 5
    listing     "list three colours", "name 4 planets"                       -> that many items
    script      a prompt written in a non-Latin script                      -> a reply in it

With ``response_format: json_object``, ``json_reply`` gives the literal JSON a prompt quotes,
or an object with the keys a prompt names ("with 'setup' and 'punchline' keys"). Tool-call
arguments taken from the prompt are emulator/synth/arguments.py's.
"""

from __future__ import annotations

import ast
import json
import random
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..yamlfiles import packaged
from . import arithmetic, text
from .quoting import QUOTED, unquote

# A literal request is short; only the start of a long message is read.
_READ = 4096
_SENTENCE_START = r"(?:^|(?<=[.!?\n:])\s*)"
_EXACTLY = re.compile(
    _SENTENCE_START + r"(?:please\s+)?(?:reply|respond|answer|say|output|print|return|write)\s+(?:with\s+)?"
    r"(?:exactly|only|just)\b\s*(?:with\s+)?:?\s*(?P<x>.+)",
    re.IGNORECASE | re.DOTALL,
)
_THE_WORD = re.compile(
    r"^(?:the\s+(?:word|words|text|string|phrase|sentence|letter|number|following)\s*:?\s*|(?:this|these\s+words)\s*:\s*)",
    re.IGNORECASE,
)
_NOTHING_ELSE = re.compile(r"(?:,|\s+and|\s*-)?\s+(?:and\s+)?nothing\s+else\b.*$", re.IGNORECASE | re.DOTALL)
_GREETING_LENGTH = 40  # a prompt that is only a greeting is short
# Unquoted, a literal is a few words that do not describe what to write ("in French", "a number").
_LITERAL_WORDS = 4
_REPEAT = re.compile(_SENTENCE_START + r"repeat\s+after\s+me\s*[:,-]?\s*(?P<x>.+)", re.IGNORECASE | re.DOTALL)
_SAY = re.compile(r"^\s*(?:please\s+)?say\s*:?\s+(?P<x>" + QUOTED + r"|\w+(?:\s+\w+){0,2})\s*[.!]?\s*$", re.IGNORECASE)
_AS_JSON = re.compile(
    r"(?:return|give|output|format|reply\s+with|respond\s+with|send)\s+(?:me\s+)?(?:this|it|that|the\s+following)?\s*"
    r"(?:as|in)\s+(?:a\s+)?json(?:\s+object)?\s*:?\s*(?P<x>[\[{].*[\]}])",
    re.IGNORECASE | re.DOTALL,
)
_COUNT = re.compile(r"\bcount\s+(?:from\s+(?P<a>\w+)\s+)?(?:up\s+)?to\s+(?P<b>\w+)", re.IGNORECASE)
_LIST = re.compile(
    r"\b(?:list|name|give\s+me|tell\s+me|suggest|enumerate)\s+(?P<n>\d+|a\s+couple\s+of|a\s+few|[a-z]+)\s+"
    r"(?P<what>[a-z]+)",
    re.IGNORECASE,
)
_KEYS = re.compile(
    r"(?:keys?|fields?|properties|attributes)\s*:?\s*(?P<after>(?:"
    + QUOTED
    + r"|\w+)(?:\s*(?:,|and|&)\s*(?:"
    + QUOTED
    + r"|\w+))*)|(?P<before>(?:"
    + QUOTED
    + r")(?:\s*(?:,|and|&)\s*(?:"
    + QUOTED
    + r"))*)\s+"
    r"(?:keys|fields|properties|attributes)",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = packaged("instructions.yaml")
    return loaded


def _literal(found: str) -> str | None:
    """What a request's X is: a quoted string's inside, what follows "the word" or "the
    following:", or a few words to the sentence's end that are not a description of what to
    write ("in French", "a number", "three sentences about cats" are not literals)."""
    found = found.strip()
    quoted = re.match(QUOTED, found)
    if quoted:
        return unquote(quoted.group())
    found = _NOTHING_ELSE.sub("", found)
    found = found.split("\n", 1)[0].strip()
    named = _THE_WORD.match(found)
    if named:
        return unquote(found[named.end() :].rstrip(".").strip()) or None
    found = found.rstrip(".").strip()
    words = found.split()
    if not words or len(words) > _LITERAL_WORDS or words[0].lower() in _data()["not_literal"]:
        return None
    return found


# -- the rules on plain text ---------------------------------------------------------------


def _exactly(prompt: str) -> str | None:
    found = _EXACTLY.search(prompt)
    return _literal(found.group("x")) if found else None


def _repeat(prompt: str) -> str | None:
    found = _REPEAT.search(prompt)
    return (unquote(found.group("x").strip()) or None) if found else None


def _say(prompt: str) -> str | None:
    found = _SAY.match(prompt)
    return _literal(found.group("x")) if found else None


def quoted_json(prompt: str) -> Any | None:
    """The JSON a prompt asks to have back ("Return this as json: {...}"), parsed."""
    found = _AS_JSON.search(prompt)
    if not found:
        return None
    written = found.group("x")
    try:
        return json.loads(written)
    except (ValueError, RecursionError):
        pass
    try:
        value = ast.literal_eval(written)  # the same written with single quotes, as Python would
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        try:  # single quotes with JSON's true and null
            value = json.loads(written.replace("'", '"'))
        except (ValueError, RecursionError):
            return None
    return value if isinstance(value, (dict, list)) else None


def _json(prompt: str) -> str | None:
    value = quoted_json(prompt)
    return json.dumps(value, ensure_ascii=False) if value is not None else None


def _greeting(prompt: str) -> str | None:
    if len(prompt) > _GREETING_LENGTH:
        return None
    said = " ".join(re.sub(r"[!.?,]+", " ", prompt.lower()).split())
    return (
        str(_data()["greeting_reply"]) if said in _data()["greetings"] or f"{said}!" in _data()["greetings"] else None
    )


def _how_many(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    found = _data()["numbers"].get(word)
    return int(found) if found is not None else None


def _counting(prompt: str) -> str | None:
    found = _COUNT.search(prompt)
    if not found:
        return None
    start = _how_many(found.group("a")) if found.group("a") else 1
    end = _how_many(found.group("b"))
    if start is None or end is None or not 0 <= end - start < 1000:
        return None
    return ", ".join(str(n) for n in range(start, end + 1))


def _listing(prompt: str, seed: int) -> str | None:
    found = _LIST.search(prompt)
    if not found:
        return None
    count = _how_many(found.group("n"))
    if count is None or not 1 <= count <= 100:
        return None
    what = found.group("what").lower()
    known = _data()["lists"].get(what) or _data()["lists"].get(what + "s")
    if known is not None:
        items = [known[i % len(known)] + (f" {i // len(known) + 1}" if i >= len(known) else "") for i in range(count)]
    else:
        topics = text.topics_of(prompt) or (what,)
        items = [about(random.Random(f"{seed}:{n}").getrandbits(64), topics, "o200k_base") for n in range(count)]
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1))


def _latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def _script(prompt: str) -> str | None:
    if prompt.isascii():
        return None
    letters = [ch for ch in prompt if ch.isalpha()]
    if not letters or sum(not _latin(ch) for ch in letters) * 2 <= len(letters):
        return None
    # The prompt's own words, in its own script, in order and once each.
    words = list(dict.fromkeys(w for w in re.findall(r"\w+", prompt) if not all(_latin(c) for c in w)))
    if not words:
        return None
    spaced = " " in prompt.strip()
    joined = (" " if spaced else "、").join(words[:8])
    ideographic = any(unicodedata.name(ch, "").startswith(("CJK", "HIRAGANA", "KATAKANA")) for ch in joined)
    return joined + ("。" if ideographic else ".")


# Each rule with the words one of which its prompt must hold (lower-cased): most prompts hold
# none, and a substring test is far cheaper than the rule's pattern.
_RULES: tuple[tuple[tuple[str, ...], Callable[[str, int], str | None]], ...] = (
    (("exactly", "only", "just"), lambda prompt, seed: _exactly(prompt)),
    (("repeat after me",), lambda prompt, seed: _repeat(prompt)),
    (("say",), lambda prompt, seed: _say(prompt)),
    (("json",), lambda prompt, seed: _json(prompt)),
    ((), lambda prompt, seed: _greeting(prompt)),
    (("what", "calculate", "compute", "evaluate", "how much", "solve"), lambda prompt, seed: arithmetic.answer(prompt)),
    (("count",), lambda prompt, seed: _counting(prompt)),
    (("list", "name", "give me", "tell me", "suggest", "enumerate"), _listing),
    ((), lambda prompt, seed: _script(prompt)),
)


# The rules' words in one pass: a lookahead finds each word wherever a substring test would.
_TRIGGER_WORDS = sorted({word for words, _ in _RULES for word in words}, key=len, reverse=True)
_TRIGGERS = re.compile("(?=(" + "|".join(map(re.escape, _TRIGGER_WORDS)) + "))")


def literal_reply(prompt: str, seed: int = 0) -> str | None:
    """The answer a literal request in ``prompt`` asks for, or None (the generator answers)."""
    prompt = prompt[:_READ]
    if not prompt.strip():
        return None
    present = set(_TRIGGERS.findall(prompt.lower()))
    for words, rule in _RULES:
        if not words or not present.isdisjoint(words):
            found = rule(prompt, seed)
            if found is not None:
                return found
    return None


# -- JSON mode ---------------------------------------------------------------------------


def named_keys(prompt: str) -> list[str]:
    """The keys a prompt names for its JSON ("with 'setup' and 'punchline' keys")."""
    found = _KEYS.search(prompt[:_READ])
    if not found:
        return []
    listed = found.group("after") or found.group("before") or ""
    quoted = [unquote(q) for q in re.findall(QUOTED, listed)]
    names = quoted or [w for w in re.split(r"\s*(?:,|\band\b|&)\s*", listed) if w]
    return [n for n in dict.fromkeys(names) if n and len(n) <= 64]


def about(seed: int, topics: tuple[str, ...], encoding: str) -> str:
    """One sentence of the generator's on the topics (its reply less the opener)."""
    sentences = text.reply(seed, topics, 24, encoding).text.split(". ")
    return sentences[1].rstrip(".") + "." if len(sentences) > 1 else sentences[0]


def _value_for(key: str, seed: int, topics: tuple[str, ...], encoding: str) -> Any:
    """A value shaped by its key: a number, a flag, a name, a place, an address, or a
    sentence on the prompt's topics."""
    data = _data()
    lowered = key.lower()
    words = set(re.split(r"[_\s-]+", lowered))
    rng = random.Random(seed)
    if lowered.startswith(tuple(data["flag_prefixes"])):
        return rng.random() < 0.5
    if words & set(data["number_keys"]):
        return rng.randint(1, 99)
    for shape, values in data["shapes"].items():
        if shape in words:
            return rng.choice(values)
    return about(seed, topics or (key,), encoding)


def json_reply(prompt: str, seed: int, encoding: str) -> str | None:
    """``response_format: json_object``: the JSON the prompt quotes, or an object with the keys
    it names; None when it does neither (the generator's object answers)."""
    quoted = quoted_json(prompt[:_READ])
    if quoted is not None:
        return json.dumps(quoted, ensure_ascii=False)
    keys = named_keys(prompt)
    if not keys:
        return None
    topics = text.topics_of(prompt)
    body = {key: _value_for(key, random.Random(f"{seed}:{key}").getrandbits(64), topics, encoding) for key in keys}
    return json.dumps(body, ensure_ascii=False)
