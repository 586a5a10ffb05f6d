"""Prompt caching as the service reports it: a prompt of 1,024 tokens or more whose prefix
the same deployment saw lately reports cached_tokens, the longest shared prefix in 128-token
steps past the first 1,024; in chat and the Responses API, billed at the cached rate."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from openai import AzureOpenAI, OpenAI

# About 1,300 tokens of a document that stays the same from request to request.
DOCUMENT = " ".join(f"Clause {i}: the tenant keeps the garden tidy and the gate shut." for i in range(100))


@pytest.fixture(scope="module")
def endpoint(own_endpoint: str) -> str:
    return own_endpoint


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21") as made:
        yield made


def cached(answer: object) -> int:
    details = answer.usage.prompt_tokens_details  # type: ignore[attr-defined]
    return details.cached_tokens


def test_a_repeated_long_prefix_is_read_from_the_cache(client: AzureOpenAI) -> None:
    system = {"role": "system", "content": DOCUMENT}
    first = client.chat.completions.create(model="gpt-4o", messages=[system, {"role": "user", "content": "Summarise."}])
    assert first.usage is not None and first.usage.prompt_tokens > 1024
    assert cached(first) == 0  # nothing seen before
    again = client.chat.completions.create(model="gpt-4o", messages=[system, {"role": "user", "content": "Who pays?"}])
    assert again.usage is not None
    shared = cached(again)
    # The shared part is the document (and the frames around it), cut to 1,024 + 128 k.
    assert shared >= 1024 and (shared - 1024) % 128 == 0
    assert again.usage.prompt_tokens - shared < 128 + 20
    # The very same request again: the whole prompt but its last, partial step.
    same = client.chat.completions.create(model="gpt-4o", messages=[system, {"role": "user", "content": "Who pays?"}])
    assert same.usage is not None
    assert cached(same) == 1024 + (same.usage.prompt_tokens - 1024) // 128 * 128


def test_short_prompts_other_deployments_and_older_models_cache_nothing(client: AzureOpenAI) -> None:
    short = [{"role": "user", "content": "Hello"}]
    for _ in range(2):
        assert cached(client.chat.completions.create(model="gpt-4o-mini", messages=short)) == 0
    long = [{"role": "system", "content": "Other deployments. " + DOCUMENT}, {"role": "user", "content": "Hi"}]
    client.chat.completions.create(model="gpt-4.1", messages=long)
    # The cache is per deployment: another one starts cold.
    assert cached(client.chat.completions.create(model="gpt-4.1-mini", messages=long)) == 0
    client.chat.completions.create(model="gpt-4", messages=long)
    assert cached(client.chat.completions.create(model="gpt-4", messages=long)) == 0  # before GPT-4o: no caching


def test_a_change_in_the_first_1024_tokens_is_a_miss(client: AzureOpenAI) -> None:
    base = [{"role": "system", "content": "A miss. " + DOCUMENT}, {"role": "user", "content": "Hi"}]
    client.chat.completions.create(model="gpt-4o", messages=base)
    changed = [{"role": "system", "content": "A near miss. " + DOCUMENT}, {"role": "user", "content": "Hi"}]
    assert cached(client.chat.completions.create(model="gpt-4o", messages=changed)) == 0


def test_the_responses_api_reports_cached_input_tokens_and_costs_follow(endpoint: str) -> None:
    httpx.delete(f"{endpoint}/_emulator/costs").raise_for_status()
    instructions = "Responses. " + DOCUMENT
    with OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as v1:
        first = v1.responses.create(model="o4-mini", instructions=instructions, input="Summarise.")
        second = v1.responses.create(model="o4-mini", instructions=instructions, input="Who pays?")
    assert first.usage is not None and second.usage is not None
    assert first.usage.input_tokens_details.cached_tokens == 0
    hit = second.usage.input_tokens_details.cached_tokens
    assert hit >= 1024
    found = {d["deployment"]: d for d in httpx.get(f"{endpoint}/_emulator/costs").json()["deployments"]}["o4-mini"]
    assert found["cached_tokens"] == hit
    inputs = first.usage.input_tokens + second.usage.input_tokens
    outputs = first.usage.output_tokens + second.usage.output_tokens
    expected = (inputs - hit) * 1.10 / 1e6 + hit * 0.275 / 1e6 + outputs * 4.40 / 1e6
    assert found["cost"] == pytest.approx(expected)


def test_prefixes_unused_for_five_minutes_are_gone() -> None:
    from emulator.stores.prompt_cache import IDLE_S, MemoryPromptCache

    cache = MemoryPromptCache()
    prompt = list(range(1300))
    assert cache.read_and_keep("d", prompt, now=0.0) == 0
    assert cache.read_and_keep("d", prompt, now=IDLE_S - 1) == 1280
    assert cache.read_and_keep("d", prompt, now=2 * IDLE_S) == 0  # idle too long: a miss
    assert cache.read_and_keep("other", prompt, now=2 * IDLE_S) == 0  # per deployment
    small = MemoryPromptCache(max_prefixes=3)
    small.read_and_keep("d", prompt, now=0.0)  # 1024, 1152, 1280
    small.read_and_keep("d", [7, *prompt[1:]], now=1.0)  # three more push them out
    assert small.read_and_keep("d", prompt, now=2.0) == 0
