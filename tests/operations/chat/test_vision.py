"""Images in chat: accepted forms, prompt tokens by OpenAI's tile rule, Azure's 400s."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI
from PIL import Image

TEXT = {"type": "text", "text": "What is in this picture?"}


def data_url(width: int, height: int, fmt: str = "PNG", mime: str = "image/png") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 100, 50)).save(buffer, format=fmt)
    return f"data:{mime};base64," + base64.b64encode(buffer.getvalue()).decode()


def prompt_tokens(client: AzureOpenAI, model: str, *images: dict[str, Any]) -> int:
    parts = [TEXT, *({"type": "image_url", "image_url": image} for image in images)]
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": parts}]
    ).usage.prompt_tokens


@pytest.mark.parametrize(
    ("image", "tokens"),
    [
        ({"url": data_url(512, 512), "detail": "low"}, 85),
        ({"url": data_url(512, 512), "detail": "high"}, 85 + 170 * 1),
        ({"url": data_url(1024, 1024, "JPEG", "image/jpeg")}, 85 + 170 * 4),
        ({"url": data_url(2048, 4096, "WEBP", "image/webp"), "detail": "high"}, 85 + 170 * 6),
        ({"url": data_url(600, 300, "GIF", "image/gif"), "detail": "auto"}, 85 + 170 * 2),
        ({"url": "https://example.com/cat.png"}, 85 + 170 * 4),
    ],
    ids=["low", "512-high", "1024-jpeg", "2048x4096-webp", "600x300-gif", "remote"],
)
def test_images_cost_by_the_tile_rule(client: AzureOpenAI, image: dict[str, Any], tokens: int) -> None:
    assert prompt_tokens(client, "gpt-4o", image) - prompt_tokens(client, "gpt-4o") == tokens


def test_gpt_4o_mini_has_its_own_image_rates(client: AzureOpenAI) -> None:
    image = {"url": data_url(512, 512), "detail": "high"}
    assert prompt_tokens(client, "gpt-4o-mini", image) - prompt_tokens(client, "gpt-4o-mini") == 2833 + 5667


BAD = [
    (
        "gpt-4o",
        [{"url": "data:image/png;base64,not-base64!!"}],
        "messages[0].content[1].image_url.url",
        "invalid_image_format",
    ),
    (
        "gpt-4o",
        [{"url": "data:text/plain;base64,aGVsbG8="}],
        "messages[0].content[1].image_url.url",
        "invalid_image_format",
    ),
    (
        "gpt-4o",
        [{"url": data_url(8, 8, "JPEG", "image/jpeg").replace("image/jpeg", "image/png")}],
        "messages[0].content[1].image_url.url",
        "invalid_image_format",
    ),
    ("gpt-4o", [{"url": "ftp://example.com/cat.png"}], "messages[0].content[1].image_url.url", "invalid_image_url"),
    ("gpt-4o", [{"url": "https://example.com/x.png"}] * 51, "messages", "too_many_images"),
    ("gpt-35-turbo", [{"url": "https://example.com/x.png"}], "messages[0].content[1].type", "invalid_value"),
]


@pytest.mark.parametrize(
    ("model", "images", "param", "code"),
    BAD,
    ids=["bad-base64", "not-an-image-type", "wrong-mime", "ftp", "51-images", "text-only-model"],
)
def test_bad_images_get_a_400(
    http: httpx.Client, model: str, images: list[dict[str, Any]], param: str, code: str
) -> None:
    parts = [TEXT, *({"type": "image_url", "image_url": image} for image in images)]
    response = http.post(
        f"/openai/deployments/{model}/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"messages": [{"role": "user", "content": parts}]},
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code)


def test_images_belong_to_user_messages(http: httpx.Client) -> None:
    system = {
        "role": "system",
        "content": [TEXT, {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}],
    }
    response = http.post(
        "/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"messages": [system, {"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages[0].content[1].type"


def test_a_huge_declared_size_is_an_answer_not_a_crash(http: httpx.Client) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
    png = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IEND", b"")
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    response = http.post(
        "/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-10-21"},
        json={"messages": [{"role": "user", "content": [TEXT, {"type": "image_url", "image_url": {"url": url}}]}]},
    )
    # 400 million pixels is past Pillow's decompression-bomb limit: refused as an unsupported image.
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image_format"
