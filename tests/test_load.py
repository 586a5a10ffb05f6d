"""Load that slows answers: a timing profile's capacity is the requests a deployment answers
at full speed at once; beyond it each new request's waits grow with the requests in flight,
and beyond its queue a request is refused, as a deployment under load behaves."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.settings import DeploymentConfig, Settings, TimingConfig
from support import running_emulator

HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    settings = Settings.build(
        timing_profiles={
            # A long first wait, so the six requests are surely in flight together.
            "busy": TimingConfig(ttft_ms=1500, tokens_per_s=50, capacity=2, queue=2),
            "busy-503": TimingConfig(ttft_ms=300, tokens_per_s=50, capacity=1, queue=0, overload_status=503),
        },
        deployments={
            "busy": DeploymentConfig(model="gpt-4o-mini", timing="busy", reply_tokens=8),
            "busy-503": DeploymentConfig(model="gpt-4o-mini", timing="busy-503", reply_tokens=8),
        },
    )
    with running_emulator(settings) as url:
        yield url


def at_once(endpoint: str, deployment: str, count: int) -> list[httpx.Response]:
    """``count`` streamed chat requests sent together, each read to its end."""
    ready = threading.Barrier(count)
    answers: list[httpx.Response] = []

    def one() -> None:
        ready.wait()
        with httpx.stream(
            "POST",
            f"{endpoint}/openai/deployments/{deployment}/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": "k"},
            json={"messages": HELLO, "stream": True},
            timeout=30,
        ) as response:
            response.read()
            answers.append(response)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == count, "a request did not finish"
    return answers


def ttft_planned(response: httpx.Response) -> float:
    # server-timing: "ttft;dur=<ms>, token;dur=<ms>", the plan for this request
    return float(response.headers["server-timing"].split(",")[0].split("dur=")[1])


def test_beyond_capacity_waits_grow_and_beyond_the_queue_requests_are_refused(endpoint: str) -> None:
    answers = at_once(endpoint, "busy", 6)
    served = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    # Capacity 2 and a queue of 2: four are answered, the fifth and sixth refused.
    assert len(served) == 4 and len(refused) == 2
    # In flight 1 and 2: full speed; 3 and 4: 1.5 and 2 times the waits.
    assert sorted(ttft_planned(a) for a in served) == [1500, 1500, 2250, 3000]
    for answer in refused:
        assert answer.status_code == 429
        assert answer.json() == {"error": {"code": "429", "message": "Rate limit is exceeded. Try again in 1 seconds."}}
        assert answer.headers["retry-after-ms"] == "1000"
    # Once they are over, the deployment is idle again: full speed.
    (alone,) = at_once(endpoint, "busy", 1)
    assert ttft_planned(alone) == 1500


def test_the_overload_answer_can_be_a_503_and_clients_retry_it(endpoint: str) -> None:
    results: list[object] = []

    def call() -> None:
        with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as client:
            try:
                results.append(client.chat.completions.create(model="busy-503", messages=HELLO))
            except openai.InternalServerError as error:
                results.append(error)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    errors = [r for r in results if isinstance(r, openai.InternalServerError)]
    assert len(results) == 2 and len(errors) == 1
    assert errors[0].status_code == 503
    assert errors[0].response.json()["error"]["code"] == "ServiceUnavailable"
