"""Plain English replies, built from a seeded generator and the topic of the prompt.

The sentences are grammatical and neutral: a reader sees an answer-shaped paragraph that
mentions what the user asked about. Nothing here claims to be true; it only has to be
deterministic, readable and of a controllable length.
"""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from typing import NamedTuple

from .. import tokens

_TOPIC_SENTENCES = (
    "The key point about {topic} is that small, steady steps usually work better than big changes.",
    "When you look at {topic}, start with the simplest explanation and check it against what you see.",
    "Most people find that {topic} becomes easier once the basic terms are clear.",
    "A practical way to approach {topic} is to write down what you know and fill the gaps one at a time.",
    "It also helps to compare {topic} with a familiar example before going further.",
    "If anything about {topic} is still unclear, a concrete example is often the quickest way forward.",
    "In short, {topic} rewards patience and a clear plan.",
    "There are a few common ways to handle {topic}, and each has its own trade-offs.",
    "Before changing anything related to {topic}, it is worth measuring where things stand today.",
    "Good notes on {topic} make the next decision much easier.",
)
_OPENERS = (
    "Here is a short answer.",
    "Good question.",
    "Let me walk through it.",
    "Happy to help with that.",
    "Here is how I would think about it.",
    "Sure.",
)
_SUBJECTS = (
    "A careful plan",
    "A clear example",
    "The first step",
    "A short checklist",
    "Good documentation",
    "A quick test",
    "The simplest option",
)
_VERBS = ("often saves", "usually prevents", "can reveal", "tends to clarify", "makes it easier to see")
_OBJECTS = (
    "mistakes that are easy to miss",
    "the details that matter most",
    "where the real problem lies",
    "a lot of wasted effort",
    "the right next step",
)
_ENDINGS = ("later on", "in practice", "for most teams", "over time", "in the long run")

_STOPWORDS = frozenset(
    """about above after again against also because been before being below between both
    could does doing down during each from further have having here hers herself himself
    into itself just more most myself once only other ourselves over same should some such
    than that their theirs them themselves then there these they this those through under
    until very were what when where which while with would your yours yourself yourselves
    please tell explain give show write make want need know like help thanks thank hello
    """.split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")


def topics_of(text: str, limit: int = 3) -> tuple[str, ...]:
    """The first few content words of a prompt, lower-cased and without repeats."""
    # Only the start of a long prompt matters, and a short key keeps the cache small.
    return _topics_of(text[:2048], limit)


@lru_cache(maxsize=4096)
def _topics_of(text: str, limit: int) -> tuple[str, ...]:
    seen: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group().lower().strip("'-")
        if word not in _STOPWORDS and word not in seen:
            seen.append(word)
            if len(seen) == limit:
                break
    return tuple(seen)


def _sentence(rng: random.Random, topics: tuple[str, ...]) -> str:
    if topics and rng.random() < 0.6:
        return rng.choice(_TOPIC_SENTENCES).format(topic=rng.choice(topics))
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_ENDINGS)}."


class Prose(NamedTuple):
    text: str
    token_ids: tuple[int, ...]


@lru_cache(maxsize=4096)
def reply(seed: int, topics: tuple[str, ...], target_tokens: int, encoding_name: str) -> Prose:
    """About ``target_tokens`` tokens of prose: whole sentences, stopping at the first one that
    reaches the target. A pure function of its arguments, so repeated requests (the common
    case in test suites) reuse the text.

    Every sentence ends in a full stop and the next begins with a space and a letter, which is
    always a split point of the tokenizers' pre-tokenising patterns; so the reply's tokens are
    the sentences' tokens laid end to end, and each sentence is tokenised once per process."""
    rng = random.Random(seed)
    sentences = [rng.choice(_OPENERS)]
    ids = list(tokens.encode_cached(sentences[0], encoding_name))
    while len(ids) < target_tokens:
        sentence = _sentence(rng, topics)
        if sentence in sentences:
            # Long replies may exhaust the combinations; a second draw keeps repeats rare.
            sentence = _sentence(rng, topics)
        sentences.append(sentence)
        ids.extend(tokens.encode_cached(" " + sentence, encoding_name))
    return Prose(" ".join(sentences), tuple(ids))


def json_object(seed: int, topics: tuple[str, ...], encoding_name: str) -> str:
    """A JSON object reply, for ``response_format: json_object``."""
    rng = random.Random(seed)
    body = {
        "answer": reply(rng.getrandbits(64), topics, 24, encoding_name).text,
        "topics": list(topics),
        "confidence": round(rng.uniform(0.6, 0.99), 2),
    }
    return json.dumps(body, ensure_ascii=False)
