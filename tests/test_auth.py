"""Who may call: an api-key header or a bearer key or token, the configured keys alone when
there is a list, and no key at all with auth: none."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import openai
import pytest
from openai import AzureOpenAI

from emulator.settings import Settings
from support import error_of, running_emulator

CHAT = "/openai/deployments/gpt-4o/chat/completions"
GA = {"api-version": "2024-10-21"}
HELLO = [{"role": "user", "content": "Hello"}]


def test_missing_key_is_401_with_azures_body(endpoint: str) -> None:
    response = httpx.post(f"{endpoint}{CHAT}", params=GA, json={"messages": HELLO})
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "401"
    assert error["message"].startswith("Access denied due to invalid subscription key or wrong API endpoint.")


def test_empty_key_is_rejected(endpoint: str) -> None:
    response = httpx.post(f"{endpoint}{CHAT}", params=GA, json={"messages": HELLO}, headers={"api-key": ""})
    assert response.status_code == 401


def test_key_not_in_the_configured_list_is_401_for_the_client(
    azure: Callable[..., AzureOpenAI], locked_endpoint: str
) -> None:
    client = azure(azure_endpoint=locked_endpoint, api_key="wrong-key")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.status_code == 401
    assert caught.value.code == "401"


def test_configured_key_is_accepted_as_bearer(locked_endpoint: str) -> None:
    response = httpx.post(
        f"{locked_endpoint}/openai/v1/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO},
        headers={"authorization": "Bearer right-key"},
    )
    assert response.status_code == 200
    assert response.headers["x-ms-region"] == "Sweden Central"


def test_entra_token_is_accepted_as_bearer(azure: Callable[..., AzureOpenAI], locked_endpoint: str) -> None:
    client = azure(azure_endpoint=locked_endpoint, api_key=None, azure_ad_token="header.payload.signature")
    assert client.chat.completions.create(model="gpt-4o", messages=HELLO).choices


@pytest.fixture(scope="module")
def open_endpoint() -> Iterator[str]:
    with running_emulator(Settings.build(auth="none")) as url:
        yield url


def test_auth_none_needs_no_key(open_endpoint: str) -> None:
    response = httpx.post(f"{open_endpoint}{CHAT}", params=GA, json={"messages": HELLO})
    assert response.status_code == 200
