"""Generated images served by link, as Azure serves them from blob storage: expiry, signatures,
the store's bound and HEAD."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from openai import AzureOpenAI

from emulator.settings import DeploymentConfig, ImagesConfig, Settings
from support import running_emulator, wait_until

GA = "2024-10-21"


def links_emulator(images: ImagesConfig) -> Iterator[AzureOpenAI]:
    settings = Settings.build(deployments={"dall-e-3": DeploymentConfig(model="dall-e-3")}, images=images)
    with running_emulator(settings) as url:
        with AzureOpenAI(azure_endpoint=url, api_key="k", api_version=GA, max_retries=0) as client:
            yield client


@pytest.fixture(scope="module")
def short_links() -> Iterator[AzureOpenAI]:
    yield from links_emulator(ImagesConfig(url_lifetime_s=0.5))


@pytest.fixture(scope="module")
def small_store() -> Iterator[AzureOpenAI]:
    yield from links_emulator(ImagesConfig(store_max_images=2))


def link(client: AzureOpenAI, prompt: str) -> str:
    url = client.images.generate(model="dall-e-3", prompt=prompt).data[0].url
    assert url is not None
    return url


def test_a_link_expires_as_an_azure_blob_link_does(short_links: AzureOpenAI) -> None:
    url = link(short_links, "an hourglass")
    assert httpx.get(url).status_code == 200

    def expired() -> httpx.Response | None:
        response = httpx.get(url)
        return response if response.status_code != 200 else None

    response = wait_until(expired, timeout_s=5)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/xml")
    assert response.headers["x-ms-error-code"] == "AuthenticationFailed"
    assert "<Code>AuthenticationFailed</Code>" in response.text
    assert "Signature not valid in the specified time frame" in response.text


def test_a_tampered_link_is_refused(small_store: AzureOpenAI) -> None:
    url = link(small_store, "a key")
    response = httpx.get(url.replace("se=", "se=2099"))
    assert response.status_code == 403
    assert "Signature did not match" in response.text


def test_the_store_drops_the_oldest_image(small_store: AzureOpenAI) -> None:
    first, second = link(small_store, "one"), link(small_store, "two")
    assert httpx.get(first).status_code == 200
    third = link(small_store, "three")
    response = httpx.get(first)
    assert response.status_code == 404
    assert response.headers["x-ms-error-code"] == "BlobNotFound"
    assert "<Code>BlobNotFound</Code>" in response.text
    assert [httpx.get(u).status_code for u in (second, third)] == [200, 200]


def test_a_link_answers_head_with_the_headers_alone(small_store: AzureOpenAI) -> None:
    url = link(small_store, "a hat")
    response = httpx.head(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert int(response.headers["content-length"]) > 1000
    assert response.content == b""
