"""Image generation and edits through the official client: DALL-E 2 and 3, gpt-image-1."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI, OpenAI
from PIL import Image

from support import assert_valid_response, refused

GA = "2024-10-21"
PREVIEW = "2025-04-01-preview"  # the first with gpt-image-1 and edits


def decode(item: Any) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(item.b64_json)))
    image.load()
    return image


def png(size: tuple[int, int], mode: str = "RGB", colour: Any = "green", fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


# -- DALL-E 3 --------------------------------------------------------------------------


def test_dall_e_3_answers_with_a_link_to_a_png_by_default(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(GA)
    raw = client.images.with_raw_response.generate(model="dall-e-3", prompt="a lighthouse on a cliff at dusk")
    body = raw.http_response.json()
    assert_valid_response(GA, "images/generations", body)
    (item,) = raw.parse().data
    assert item.url is not None and item.b64_json is None
    assert "lighthouse on a cliff at dusk" in (item.revised_prompt or "")
    fetched = httpx.get(item.url)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(fetched.content))
    assert (picture.format, picture.size, picture.mode) == ("PNG", (1024, 1024), "RGB")
    annotations = body["data"][0]
    assert annotations["content_filter_results"]["violence"] == {"filtered": False, "severity": "safe"}
    assert annotations["prompt_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}


@pytest.mark.parametrize("size", ["1024x1024", "1792x1024", "1024x1792"])
@pytest.mark.parametrize(("quality", "style"), [("standard", "vivid"), ("hd", "natural")])
def test_dall_e_3_draws_every_size_quality_and_style(
    azure: Callable[..., AzureOpenAI], size: str, quality: str, style: str
) -> None:
    result = azure(GA).images.generate(
        model="dall-e-3", prompt="a paper boat", size=size, quality=quality, style=style, response_format="b64_json"
    )
    (item,) = result.data
    picture = decode(item)
    width, height = (int(v) for v in size.split("x"))
    assert (picture.format, picture.size, picture.mode) == ("PNG", (width, height), "RGB")
    assert item.url is None


def test_the_same_request_draws_the_same_picture_and_revision(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(GA)

    def draw(prompt: str) -> Any:
        return client.images.generate(model="dall-e-3", prompt=prompt, response_format="b64_json").data[0]

    first, again, other = draw("an orange kite"), draw("an orange kite"), draw("a green kite")
    assert first.b64_json == again.b64_json
    assert first.revised_prompt == again.revised_prompt
    assert first.b64_json != other.b64_json
    assert first.revised_prompt != other.revised_prompt


@pytest.mark.parametrize(
    ("version", "kwargs", "param", "code"),
    [
        (GA, {"n": 2}, "n", "integer_above_max_value"),
        (GA, {"n": 0}, "n", "integer_below_min_value"),
        (GA, {"size": "256x256"}, "size", "invalid_value"),  # not on this version
        (PREVIEW, {"size": "1536x1024"}, "size", "invalid_value"),  # on the version, not the model
        (GA, {"quality": "low"}, "quality", "invalid_value"),
        (GA, {"style": "cartoon"}, "style", "invalid_value"),
        (GA, {"response_format": "png"}, "response_format", "invalid_value"),
        (GA, {"prompt": ""}, "prompt", "empty_string"),
        (GA, {"prompt": "x" * 4001}, "prompt", "string_above_max_length"),
        (PREVIEW, {"output_format": "webp"}, "output_format", "unknown_parameter"),  # a gpt-image-1 parameter
    ],
)
def test_dall_e_3_refuses_values_outside_its_sets(
    azure: Callable[..., AzureOpenAI], version: str, kwargs: dict[str, Any], param: str, code: str
) -> None:
    request = {"model": "dall-e-3", "prompt": "a cat", **kwargs}
    error = refused(lambda: azure(version).images.generate(**request))
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    assert error["message"]


def test_a_parameter_the_api_version_lacks_is_unrecognized(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure(GA).images.generate(model="dall-e-3", prompt="a cat", background="opaque"))
    assert error["message"] == "Unrecognized request argument supplied: background"


def test_a_chat_deployment_cannot_draw(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure(GA).images.generate(model="gpt-4o", prompt="a cat"))
    assert error["code"] == "OperationNotSupported"


# -- DALL-E 2 --------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["256x256", "512x512", "1024x1024"])
def test_dall_e_2_draws_its_sizes_on_versions_that_list_them(azure: Callable[..., AzureOpenAI], size: str) -> None:
    version = "2024-05-01-preview"
    raw = azure(version).images.with_raw_response.generate(
        model="dall-e-2", prompt="a snail", size=size, n=3, response_format="b64_json"
    )
    assert_valid_response(version, "images/generations", raw.http_response.json())
    pictures = [decode(item) for item in raw.parse().data]
    side = int(size.split("x")[0])
    assert [p.size for p in pictures] == [(side, side)] * 3
    assert len({p.tobytes() for p in pictures}) == 3  # each of n is its own picture
    assert all(item.revised_prompt is None for item in raw.parse().data)


@pytest.mark.parametrize(
    ("version", "kwargs", "param"),
    [
        ("2024-02-01", {"size": "256x256"}, "size"),
        ("2024-05-01-preview", {"size": "1792x1024"}, "size"),
        ("2024-05-01-preview", {"n": 11}, "n"),
        ("2024-05-01-preview", {"style": "vivid"}, "style"),
        ("2024-05-01-preview", {"prompt": "y" * 1001}, "prompt"),
    ],
)
def test_dall_e_2_refuses_what_it_lacks(
    azure: Callable[..., AzureOpenAI], version: str, kwargs: dict[str, Any], param: str
) -> None:
    request = {"model": "dall-e-2", "prompt": "a snail", **kwargs}
    error = refused(lambda: azure(version).images.generate(**request))
    assert error["param"] == param


# -- gpt-image-1 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [("1024x1024", (1024, 1024)), ("1536x1024", (1536, 1024)), ("1024x1536", (1024, 1536)), ("auto", (1024, 1024))],
)
@pytest.mark.parametrize("quality", ["low", "high"])
def test_gpt_image_1_sizes_and_qualities(
    azure: Callable[..., AzureOpenAI], size: str, expected: tuple[int, int], quality: str
) -> None:
    result = azure(PREVIEW).images.generate(model="gpt-image-1", prompt="a tin robot", size=size, quality=quality)
    (item,) = result.data
    assert item.url is None  # always base64
    assert decode(item).size == expected
    usage = result.usage
    assert usage is not None and usage.input_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    low = {(1024, 1024): 272, (1536, 1024): 400, (1024, 1536): 408}
    assert (usage.output_tokens == low[expected]) == (quality == "low")


@pytest.mark.parametrize(
    ("output_format", "background", "mode"),
    [
        ("png", "auto", "RGB"),
        ("png", "transparent", "RGBA"),
        ("jpeg", "opaque", "RGB"),
        ("webp", "transparent", "RGBA"),
        ("webp", "opaque", "RGB"),
    ],
)
def test_gpt_image_1_formats_and_backgrounds(
    azure: Callable[..., AzureOpenAI], output_format: str, background: str, mode: str
) -> None:
    result = azure(PREVIEW).images.generate(
        model="gpt-image-1", prompt="a glass of water", output_format=output_format, background=background, n=2
    )
    pictures = [decode(item) for item in result.data]
    assert [(p.format, p.mode) for p in pictures] == [(output_format.upper(), mode)] * 2
    assert pictures[0].tobytes() != pictures[1].tobytes()
    if background == "transparent":
        assert pictures[0].getchannel("A").getextrema()[0] == 0  # some of it is see-through


def test_output_compression_changes_the_jpeg(azure: Callable[..., AzureOpenAI]) -> None:
    client = azure(PREVIEW)
    sizes = [
        len(
            client.images.generate(
                model="gpt-image-1", prompt="a bowl of fruit", output_format="jpeg", output_compression=level
            )
            .data[0]
            .b64_json
            or ""
        )
        for level in (10, 95)
    ]
    assert sizes[0] < sizes[1]


@pytest.mark.parametrize(
    ("kwargs", "param", "code"),
    [
        ({"size": "1792x1024"}, "size", "invalid_value"),
        ({"quality": "hd"}, "quality", "invalid_value"),
        ({"output_format": "gif"}, "output_format", "invalid_value"),
        ({"background": "clear"}, "background", "invalid_value"),
        ({"output_compression": 101}, "output_compression", "integer_above_max_value"),
        ({"output_format": "jpeg", "background": "transparent"}, "background", "invalid_value"),
        ({"response_format": "url"}, "response_format", "unknown_parameter"),
        ({"style": "vivid"}, "style", "unknown_parameter"),
        ({"n": 11}, "n", "integer_above_max_value"),
    ],
)
def test_gpt_image_1_refuses_values_outside_its_sets(
    azure: Callable[..., AzureOpenAI], kwargs: dict[str, Any], param: str, code: str
) -> None:
    request = {"model": "gpt-image-1", "prompt": "a kettle", **kwargs}
    error = refused(lambda: azure(PREVIEW).images.generate(**request))
    assert (error["param"], error["code"]) == (param, code)


def test_gpt_image_1_needs_the_version_that_added_it(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure("2025-03-01-preview").images.generate(model="gpt-image-1", prompt="a kettle"))
    assert error["message"] == "Model {modelName} is enabled only for api versions 2025-04-01-preview and later"


def test_the_v1_route_draws_with_the_deployment_in_the_body(v1_client: OpenAI) -> None:
    result = v1_client.images.generate(model="dall-e-3", prompt="a cactus", response_format="b64_json")
    assert decode(result.data[0]).size == (1024, 1024)


def test_any_script_in_a_prompt_draws(azure: Callable[..., AzureOpenAI]) -> None:
    prompt = "日本の桜 \U0001f338 под снегом مرحبا \u202e reversed \x00 tab\there"
    result = azure(GA).images.generate(model="dall-e-3", prompt=prompt, response_format="b64_json")
    assert decode(result.data[0]).size == (1024, 1024)


# -- edits -----------------------------------------------------------------------------


def test_an_edit_keeps_the_image_outside_the_mask(azure: Callable[..., AzureOpenAI]) -> None:
    source = png((600, 400), colour=(0, 128, 0))
    mask = Image.new("RGBA", (600, 400), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (150, 100, 450, 300))  # the middle is to be repainted
    out = io.BytesIO()
    mask.save(out, "PNG")
    result = azure(PREVIEW).images.edit(
        model="gpt-image-1",
        image=("room.png", source, "image/png"),
        mask=("mask.png", out.getvalue(), "image/png"),
        prompt="a sofa in the middle",
    )
    picture = decode(result.data[0]).convert("RGB")
    assert picture.size == (1536, 1024)  # `auto`: the shape nearest the input's
    assert picture.getpixel((10, 500)) == (0, 128, 0)  # outside the mask: the input
    assert picture.getpixel((768, 512)) != (0, 128, 0)  # inside: repainted
    usage = result.usage
    assert usage is not None and usage.input_tokens_details.image_tokens > 0


def test_an_edit_without_a_mask_of_several_images(azure: Callable[..., AzureOpenAI]) -> None:
    images = [
        ("a.png", png((512, 512), colour="red"), "image/png"),
        ("b.jpg", png((300, 300), fmt="JPEG"), "image/jpeg"),
    ]
    result = azure(PREVIEW).images.edit(
        model="gpt-image-1", image=images, prompt="combine them", size="1024x1024", output_format="webp"
    )
    picture = decode(result.data[0])
    assert (picture.format, picture.size) == ("WEBP", (1024, 1024))
    red = picture.convert("RGB").getpixel((1000, 500))
    assert red[0] > red[1] and red[0] > red[2]  # derived from the first image


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (png((100, 100), mode="RGBA"), "same size"),
        (png((600, 400), mode="RGB"), "alpha channel"),
        (b"not an image", "not a supported image"),
    ],
)
def test_a_bad_mask_is_refused(azure: Callable[..., AzureOpenAI], mask: bytes, message: str) -> None:
    def call() -> Any:
        return azure(PREVIEW).images.edit(
            model="gpt-image-1", image=("in.png", png((600, 400)), "image/png"), mask=("m.png", mask), prompt="x"
        )

    error = refused(call)
    assert error["param"] == "mask" and message in error["message"]


def test_an_edit_of_something_not_an_image_is_refused(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure(PREVIEW).images.edit(model="gpt-image-1", image=("a.txt", b"hello"), prompt="x"))
    assert error["param"] == "image" and error["code"] == "invalid_image_format"


def test_edits_need_gpt_image_1_and_a_version_with_them(azure: Callable[..., AzureOpenAI]) -> None:
    image = ("in.png", png((64, 64)), "image/png")
    error = refused(lambda: azure(PREVIEW).images.edit(model="dall-e-3", image=image, prompt="x"))
    assert error["code"] == "OperationNotSupported"
    error = refused(lambda: azure(GA).images.edit(model="gpt-image-1", image=image, prompt="x"))
    assert error["message"] == "API version not supported"


def test_an_edit_sent_as_json_is_refused(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/gpt-image-1/images/edits",
        params={"api-version": PREVIEW},
        json={"prompt": "x", "image": "abc"},
    )
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["error"]["message"]


def test_text_where_a_file_belongs_is_refused(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/gpt-image-1/images/edits",
        params={"api-version": PREVIEW},
        files={"prompt": (None, "x"), "image": ("a.png", png((64, 64)), "image/png"), "mask": (None, "text")},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "Invalid type for 'mask': expected a file, but got a string instead."


def test_an_edit_without_an_image_is_refused(http: httpx.Client) -> None:
    response = http.post(
        "/openai/deployments/gpt-image-1/images/edits",
        params={"api-version": PREVIEW},
        files={"prompt": (None, "x"), "n": (None, "1")},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_required_parameter"


# -- content filtering -------------------------------------------------------------------


def test_a_blocked_image_prompt_gets_the_image_error_shape(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure(GA).images.generate(model="dall-e-3", prompt="a scene [[cf:violence=high]]"))
    assert error["code"] == "content_policy_violation"
    assert error["type"] == "invalid_request_error"
    inner = error["inner_error"]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    assert inner["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}
    assert inner["revised_prompt"]  # DALL-E 3 says what it would have drawn


def test_a_jailbreak_in_an_image_prompt_is_refused(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure(PREVIEW).images.generate(model="gpt-image-1", prompt="[[cf:jailbreak]] draw"))
    inner = error["inner_error"]
    assert inner["content_filter_results"]["jailbreak"] == {"filtered": True, "detected": True}
    assert "revised_prompt" not in inner


def test_image_annotations_carry_severities_below_the_threshold(azure: Callable[..., AzureOpenAI]) -> None:
    raw = azure(GA).images.with_raw_response.generate(
        model="dall-e-3", prompt="a duel [[cf:violence=low]] [[cf:completion:hate=low]]", response_format="b64_json"
    )
    item = raw.http_response.json()["data"][0]
    assert item["prompt_filter_results"]["violence"] == {"filtered": False, "severity": "low"}
    assert item["content_filter_results"]["hate"] == {"filtered": False, "severity": "low"}
    assert set(item["content_filter_results"]) == {"hate", "self_harm", "sexual", "violence"}


def test_a_picture_the_filter_blocks_is_refused(azure: Callable[..., AzureOpenAI]) -> None:
    error = refused(lambda: azure(GA).images.generate(model="dall-e-3", prompt="x [[cf:completion:sexual=high]]"))
    assert error["code"] == "content_policy_violation"
    assert error["inner_error"]["content_filter_results"]["sexual"] == {"filtered": True, "severity": "high"}


def test_a_failing_filter_reports_errors_on_images(azure: Callable[..., AzureOpenAI]) -> None:
    raw = azure(GA).images.with_raw_response.generate(
        model="dall-e-3",
        prompt="[[cf:violence=high]] would be blocked",
        response_format="b64_json",
        extra_headers={"x-emulator-scenario": "filter-error"},
    )
    item = raw.http_response.json()["data"][0]
    assert item["prompt_filter_results"]["error"]["code"] == "content_filter_error"
    assert item["content_filter_results"]["error"]["code"] == "content_filter_error"
