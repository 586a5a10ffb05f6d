"""What requests would cost on Azure (/_emulator/costs): usage billed per deployment and per
test id, priced from the dated price table, for chat (plain and streamed), embeddings,
images, speech and transcription, through the openai client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.prices import price_table
from support import assert_close, tone, wav_bytes

HELLO = [{"role": "user", "content": "Tell me about the sea"}]


@pytest.fixture(scope="module")
def endpoint(own_endpoint: str) -> str:
    return own_endpoint


@pytest.fixture
def client(endpoint: str) -> Iterator[AzureOpenAI]:
    httpx.delete(f"{endpoint}/_emulator/costs").raise_for_status()
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2025-04-01-preview") as made:
        yield made


def report(endpoint: str) -> dict:
    response = httpx.get(f"{endpoint}/_emulator/costs")
    response.raise_for_status()
    return response.json()


def by_deployment(endpoint: str) -> dict[str, dict]:
    return {d["deployment"]: d for d in report(endpoint)["deployments"]}


def test_chat_is_priced_from_the_usage_it_reports(endpoint: str, client: AzureOpenAI) -> None:
    answer = client.chat.completions.create(model="gpt-4o", messages=HELLO)
    usage = answer.usage
    assert usage is not None
    found = by_deployment(endpoint)["gpt-4o"]
    assert (found["requests"], found["input_tokens"], found["output_tokens"]) == (
        1,
        usage.prompt_tokens,
        usage.completion_tokens,
    )
    expected = usage.prompt_tokens * 2.50 / 1e6 + usage.completion_tokens * 10.00 / 1e6
    assert_close(found["cost"], expected, 1e-6)
    assert_close(report(endpoint)["total"], expected, 1e-6)


def test_a_stream_without_usage_is_billed_all_the_same(endpoint: str, client: AzureOpenAI) -> None:
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, seed=3)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, seed=3, stream=True)
    assert all(chunk.usage is None for chunk in stream)
    found = by_deployment(endpoint)["gpt-4o-mini"]
    assert plain.usage is not None
    assert found["requests"] == 2
    assert found["output_tokens"] == 2 * plain.usage.completion_tokens


def test_costs_are_summed_per_test_id(endpoint: str, client: AzureOpenAI) -> None:
    tagged = client.with_options(default_headers={"x-test-id": "tests/test_sea.py::test_waves"})
    first = tagged.chat.completions.create(model="gpt-4o", messages=HELLO)
    second = tagged.embeddings.create(model="text-embedding-3-small", input="waves")
    client.chat.completions.create(model="gpt-4o", messages=HELLO)  # no test id
    tests = report(endpoint)["tests"]
    assert [t["test_id"] for t in tests] == ["tests/test_sea.py::test_waves"]
    assert first.usage is not None
    expected = (
        first.usage.prompt_tokens * 2.50 / 1e6
        + first.usage.completion_tokens * 10.00 / 1e6
        + second.usage.prompt_tokens * 0.02 / 1e6
    )
    assert tests[0]["requests"] == 2
    assert_close(tests[0]["cost"], expected, 1e-9)


def test_images_speech_and_transcripts_are_priced_by_their_units(endpoint: str, client: AzureOpenAI) -> None:
    client.images.generate(model="dall-e-3", prompt="a lighthouse", n=1)
    text = "The tide comes in twice a day."
    client.audio.speech.create(model="tts", voice="alloy", input=text).read()
    client.audio.transcriptions.create(model="whisper", file=("tone.wav", wav_bytes(tone(3.0), 16_000)))
    found = by_deployment(endpoint)
    assert (found["dall-e-3"]["images"], found["dall-e-3"]["cost"]) == (1, 0.04)
    assert found["tts"]["characters"] == len(text)
    assert_close(found["tts"]["cost"], len(text) * 15.00 / 1e6, 1e-9)
    assert_close(found["whisper"]["audio_seconds"], 3.0, 0.01)
    assert_close(found["whisper"]["cost"], 3.0 / 60 * 0.006, 1e-6)


def test_refused_requests_cost_nothing(endpoint: str, client: AzureOpenAI) -> None:
    refused = client.with_options(max_retries=0, default_headers={"x-emulator-scenario": "throttled"})
    with pytest.raises(openai.RateLimitError):
        refused.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert report(endpoint)["deployments"] == []


def test_the_report_says_which_prices_it_used(endpoint: str) -> None:
    prices = report(endpoint)["prices"]
    assert prices["as_of"] == price_table().as_of and prices["source"] == price_table().source
    assert prices["models"]["gpt-4o"] == {"input": 2.5, "cached_input": 1.25, "output": 10.0}


def test_reading_a_stored_response_back_is_not_billed_again(endpoint: str, client: AzureOpenAI) -> None:
    with openai.OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as v1:
        made = v1.responses.create(model="gpt-4o", input="Tell me about the sea")
        again = v1.responses.retrieve(made.id)
    assert again.usage is not None and again.usage.input_tokens > 0  # the usage is in the body read back
    found = by_deployment(endpoint)["gpt-4o"]
    assert made.usage is not None
    assert (found["requests"], found["input_tokens"], found["output_tokens"]) == (
        1,
        made.usage.input_tokens,
        made.usage.output_tokens,
    )


def test_a_streamed_response_is_billed_what_its_last_event_reports(endpoint: str, client: AzureOpenAI) -> None:
    with openai.OpenAI(base_url=f"{endpoint}/openai/v1/", api_key="k") as v1:
        with v1.responses.stream(model="gpt-4.1", input="Tell me about the sea") as stream:
            final = stream.get_final_response()
    found = by_deployment(endpoint)["gpt-4.1"]
    assert final.usage is not None
    assert (found["input_tokens"], found["output_tokens"]) == (final.usage.input_tokens, final.usage.output_tokens)
    assert_close(found["cost"], final.usage.input_tokens * 2.00 / 1e6 + final.usage.output_tokens * 8.00 / 1e6, 1e-9)
