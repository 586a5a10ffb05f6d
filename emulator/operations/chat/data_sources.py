"""Azure OpenAI On Your Data: chat with ``data_sources``.

The source types and parameters each api-version takes are data (data/data_sources.yaml,
named by the version's chat rules). Nothing is searched: the retrieved documents are made
up from the request (the source's index and the question's topics), the same for the same
request, and the answer cites them as ``[doc1]`` ... with ``message.context`` holding the
citations and the intent, as the service answers.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ... import synth, tokens
from ...errors import InvalidRequest
from ...synth import text
from ...wording import invalid_type, missing_parameter
from ...yamlfiles import packaged
from .. import fields

DEFAULT_TOP_N = 5
CITED = 3  # documents an answer cites, at most


@lru_cache(maxsize=1)
def _sets() -> dict[str, dict[str, dict[str, list[str]]]]:
    loaded: dict[str, dict[str, dict[str, list[str]]]] = packaged("data_sources.yaml")["sets"]
    return loaded


def check(sources: list[dict[str, Any]], set_name: str | None) -> None:
    """Azure's 400s for a data source the version does not take or does not describe fully."""
    types = _sets().get(set_name or "", {})
    if len(sources) != 1:
        raise InvalidRequest(
            f"Invalid 'data_sources': exactly one data source is supported, but got {len(sources)}.",
            param="data_sources",
            code="invalid_value",
        )
    source = sources[0]
    where = "data_sources[0]"
    kind = source.get("type") if isinstance(source, dict) else None
    if not isinstance(kind, str):
        raise missing_parameter(f"{where}.type")
    fields.one_of(f"{where}.type", kind, sorted(types))
    parameters = source.get("parameters")
    if not isinstance(parameters, dict):
        raise missing_parameter(f"{where}.parameters")
    spec = types[kind]
    for name in spec["required"]:
        if name not in parameters:
            raise missing_parameter(f"{where}.parameters.{name}")
    unknown = sorted(set(parameters) - set(spec["required"]) - set(spec["optional"]))
    if unknown:
        raise InvalidRequest(
            f"Unrecognized request argument supplied: {where}.parameters.{unknown[0]}",
            param=f"{where}.parameters.{unknown[0]}",
            code="unknown_parameter",
        )
    authentication = parameters["authentication"]
    if not isinstance(authentication, dict) or not isinstance(authentication.get("type"), str):
        raise missing_parameter(f"{where}.parameters.authentication.type")
    _small_int(parameters, "top_n_documents", where, 1, 20)
    _small_int(parameters, "strictness", where, 1, 5)


def _small_int(parameters: dict[str, Any], name: str, where: str, least: int, most: int) -> None:
    value = parameters.get(name)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_type(f"{where}.parameters.{name}", "an integer", value)
    fields.int_range(f"{where}.parameters.{name}", value, least, most)


def context(source: dict[str, Any], question: str, seed: int, encoding: str) -> tuple[dict[str, Any], int]:
    """The citations and intent for ``question`` against ``source``, and the prompt tokens
    the retrieved documents add."""
    parameters = source["parameters"]
    index = str(parameters.get("index_name") or parameters.get("name") or "index")
    topics = text.topics_of(question) or ("overview",)
    count = min(parameters.get("top_n_documents") or DEFAULT_TOP_N, CITED)
    citations = []
    retrieved_tokens = 0
    for number in range(1, count + 1):
        prose = text.reply(synth.mix(seed, number), topics, 40, encoding)
        title = f"{topics[(number - 1) % len(topics)].capitalize()} ({index}, part {number})"
        citations.append(
            {
                "content": prose.text,
                "title": title,
                "url": f"https://{index}.search.example/documents/doc{number}",
                "filepath": f"doc{number}.md",
                "chunk_id": "0",
            }
        )
        retrieved_tokens += len(prose.token_ids) + tokens.count(title, encoding)
    intent = json.dumps([question.strip()[:200], " ".join(topics)])
    return {"citations": citations, "intent": intent}, retrieved_tokens


def cite(content: str, citations: int) -> str:
    """The answer with its references, as the service writes them."""
    return content + " " + "".join(f"[doc{n}]" for n in range(1, citations + 1))
