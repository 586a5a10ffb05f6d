"""Image generation (``POST .../images/generations``, JSON) and edits (``.../images/edits``,
multipart, gpt-image-1).

What each model draws and which parameters it takes is data (``images`` in
data/models.yaml); which sizes an api-version knows is data too (data/api_versions.yaml).
Pictures come from emulator/synth/pictures.py; ``url`` answers are served from the
emulator's own blob store (emulator/blobs.py), as Azure serves them from blob storage.

A blocked prompt gets the error body Azure sends for images (``content_policy_violation``
with ``inner_error``), not the chat one: captured from the service in a public report
(BerriAI/litellm#16072).
"""

from __future__ import annotations

import base64
import io
import time
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError
from pydantic import ConfigDict, Field, field_validator

from .. import contentfilter, tokens
from ..context import Handler
from ..delivery import JsonReply, Reply
from ..errors import AzureError, ImagePromptFiltered, InvalidRequest, OperationNotSupported
from ..forms import Upload
from ..models import ImageAbilities, ModelInfo, check_api_version
from ..synth import pictures
from ..wording import missing_parameter, unknown_parameter
from . import fields, requests_only
from .chat import vision as chat_vision
from .fields import Strict

if TYPE_CHECKING:
    from ..context import RequestContext

# Parameters whose values a model lists under `choices` (data/models.yaml).
_CHOICE_PARAMS = ("quality", "style", "response_format", "background", "output_format", "moderation")
_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# gpt-image-1's output tokens per picture, by quality and size (OpenAI's pricing tables);
# `auto` quality is billed here as medium.
_OUTPUT_TOKENS = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
}
_AUTO_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
MAX_EDIT_IMAGES = 16
MAX_EDIT_IMAGE_BYTES = 50 * 1024 * 1024
_EDIT_FORMATS = {"PNG", "JPEG", "WEBP"}


class ImageRequest(Strict):
    prompt: str
    n: int | None = None
    size: str | None = None
    response_format: str | None = None
    user: str | None = None
    quality: str | None = None
    style: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    moderation: str | None = None
    model: str | None = None


class ImageEditRequest(ImageRequest):
    """A multipart form, with the files."""

    model_config = ConfigDict(strict=True, extra="allow", arbitrary_types_allowed=True, populate_by_name=True)

    image: list[Upload] = Field(default_factory=list)
    images: list[Upload] = Field(default_factory=list, alias="image[]")
    mask: Upload | None = None

    @field_validator("image", "images", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return value if isinstance(value, list) else [value]


# -- checks ----------------------------------------------------------------------------


def check(ctx: RequestContext, req: ImageRequest) -> None:
    model = _model(ctx)
    abilities = model.images
    assert abilities is not None and ctx.api_version is not None
    check_api_version(model, ctx.api_version.name)
    if isinstance(req, ImageEditRequest):
        if not abilities.edits:
            raise OperationNotSupported("imageEdit", model.name)
        _check_edit_images(req)
    fields.text_length("prompt", req.prompt, abilities.max_prompt_chars)
    for name in _CHOICE_PARAMS:
        _check_choice(name, getattr(req, name), abilities)
    rules = ctx.api_version.rules_for(ctx.operation.name)
    known_sizes = rules.sizes if rules is not None and rules.sizes is not None else abilities.sizes
    if req.size is not None:
        fields.one_of("size", req.size, [s for s in abilities.sizes if s in known_sizes])
    if req.n is not None:
        fields.int_range("n", req.n, 1, abilities.max_n)
    if req.output_compression is not None:
        if not abilities.output_compression:
            _unknown("output_compression")
        if not 0 <= req.output_compression <= 100:
            raise InvalidRequest(
                f"Invalid 'output_compression': expected an integer between 0 and 100, but got "
                f"{req.output_compression} instead.",
                param="output_compression",
                code="invalid_value",
            )
    if req.background == "transparent" and _output_format(req, abilities) == "jpeg":
        raise InvalidRequest(
            "Transparent backgrounds need an output format with an alpha channel: use 'png' or 'webp'.",
            param="background",
            code="invalid_value",
        )


def _check_choice(name: str, value: str | None, abilities: ImageAbilities) -> None:
    if value is None:
        return
    allowed = abilities.choices.get(name)
    if allowed is None:
        _unknown(name)
    else:
        fields.one_of(name, value, allowed)


def _unknown(name: str) -> None:
    raise unknown_parameter(name)


def _check_edit_images(req: ImageEditRequest) -> None:
    uploads = [*req.image, *req.images]
    if not uploads:
        raise missing_parameter("image")
    if len(uploads) > MAX_EDIT_IMAGES:
        raise InvalidRequest(
            f"Invalid 'image': too many images. Expected at most {MAX_EDIT_IMAGES}, but got {len(uploads)}.",
            param="image",
            code="invalid_value",
        )
    sizes = [_image_size(upload, "image", _EDIT_FORMATS) for upload in uploads]
    if req.mask is not None:
        with _open(req.mask, "mask", {"PNG"}) as mask:
            if "A" not in mask.getbands():
                raise InvalidRequest(
                    f"Invalid 'mask': the mask must be a PNG with an alpha channel, but its mode is {mask.mode}.",
                    param="mask",
                    code="invalid_image_format",
                )
            if mask.size != sizes[0]:
                raise InvalidRequest(
                    f"Invalid 'mask': the mask must be the same size as the image ({sizes[0][0]}x{sizes[0][1]}), "
                    f"but it is {mask.size[0]}x{mask.size[1]}.",
                    param="mask",
                    code="invalid_image_dimensions",
                )


def _image_size(upload: Upload, param: str, formats: set[str]) -> tuple[int, int]:
    with _open(upload, param, formats) as image:
        return image.size


def _open(upload: Upload, param: str, formats: set[str]) -> Image.Image:
    names = ", ".join(sorted(f.lower() for f in formats))
    if len(upload.data) > MAX_EDIT_IMAGE_BYTES:
        raise InvalidRequest(
            f"Invalid '{param}': the file is larger than {MAX_EDIT_IMAGE_BYTES // (1024 * 1024)} MB.",
            param=param,
            code="invalid_image_size",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(upload.data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        image = None
    if image is None or image.format not in formats:
        raise InvalidRequest(
            f"Invalid '{param}': '{upload.filename}' is not a supported image. Supported formats: {names}.",
            param=param,
            code="invalid_image_format",
        )
    return image


# -- the answer ------------------------------------------------------------------------


def respond(ctx: RequestContext, req: ImageRequest, _: None) -> Reply:
    model = _model(ctx)
    abilities = model.images
    assert abilities is not None
    verdict = ctx.completion_verdict
    picture_results = _picture_results(verdict)
    if verdict is not None and verdict.blocked:
        raise ImagePromptFiltered(picture_results, _revised(req, model), picture=True)
    prompt_results = ctx.prompt_filter_results[0]["content_filter_results"] if ctx.prompt_filter_results else {}
    fmt = _output_format(req, abilities)
    response_format = req.response_format or abilities.defaults.get("response_format", "b64_json")
    transparent = req.background == "transparent"
    quality = req.quality or abilities.defaults.get("quality", "standard")
    sources = _sources(req) if isinstance(req, ImageEditRequest) else []
    size = _pixels(req.size or abilities.defaults.get("size", "1024x1024"), sources)
    revised = _revised(req, model)
    data = []
    for index in range(req.n or 1):
        seed = pictures.seed_of(ctx.run_seed, req.prompt, size, quality, req.style, req.background, fmt, index)
        if sources:
            source = sources[0].resize(size, Image.Resampling.BILINEAR)
            mask = _mask(req, size)
            picture = pictures.derive(source, mask, req.prompt, seed, transparent)
        else:
            picture = pictures.render(req.prompt, size, seed, transparent=transparent)
        encoded = pictures.encode(picture, fmt, req.output_compression if fmt != "png" else None)
        item: dict[str, Any] = {}
        if response_format == "url":
            assert ctx.services is not None
            base = str(ctx.request.base_url)
            item["url"] = ctx.services.image_links.issue(
                encoded, _CONTENT_TYPES[fmt], f"generated_{index:02d}.{fmt}", base
            )
        else:
            item["b64_json"] = base64.b64encode(encoded).decode("ascii")
        item["content_filter_results"] = picture_results
        item["prompt_filter_results"] = prompt_results
        if revised is not None:
            item["revised_prompt"] = revised
        data.append(item)
    body: dict[str, Any] = {"created": int(time.time()), "data": data}
    if abilities.reports_usage:
        body["usage"] = _usage(req, model, sources, size, quality)
    return JsonReply(body)


def _model(ctx: RequestContext) -> ModelInfo:
    assert ctx.deployment is not None
    return ctx.deployment.model


def _output_format(req: ImageRequest, abilities: ImageAbilities) -> str:
    return req.output_format or abilities.defaults.get("output_format", "png")


def _picture_results(verdict: contentfilter.Verdict | None) -> dict[str, Any]:
    """The picture's annotations: the four harm categories (dalleContentFilterResults)."""
    if verdict is None:
        return {c: contentfilter.SAFE_COMPLETION_RESULTS[c] for c in contentfilter.CATEGORIES}
    if "error" in verdict.results:
        return verdict.results
    return {c: verdict.results[c] for c in contentfilter.CATEGORIES}


def _sources(req: ImageEditRequest) -> list[Image.Image]:
    pictures_in: list[Image.Image] = []
    for upload in [*req.image, *req.images]:
        image = Image.open(io.BytesIO(upload.data))
        image.load()
        pictures_in.append(image)
    return pictures_in


def _mask(req: ImageRequest, size: tuple[int, int]) -> Image.Image | None:
    if not isinstance(req, ImageEditRequest) or req.mask is None:
        return None
    mask = Image.open(io.BytesIO(req.mask.data))
    return mask.resize(size, Image.Resampling.NEAREST) if mask.size != size else mask


def _pixels(size: str, sources: list[Image.Image]) -> tuple[int, int]:
    if size != "auto":
        width, height = size.split("x")
        return int(width), int(height)
    if not sources:
        return 1024, 1024
    # `auto` for an edit: the size whose shape is nearest the input's.
    shape = sources[0].size[0] / sources[0].size[1]
    return min(_AUTO_SIZES, key=lambda s: abs(s[0] / s[1] - shape))


def _revised(req: ImageRequest, model: ModelInfo) -> str | None:
    """DALL-E 3 rewrites every prompt before drawing it; the rewrite is deterministic here."""
    assert model.images is not None
    if not model.images.revises_prompt:
        return None
    subject = req.prompt.strip().rstrip(".")
    subject = subject[:1].lower() + subject[1:]
    look = (
        "a vivid, dramatic illustration" if (req.style or "vivid") == "vivid" else "a natural, true-to-life photograph"
    )
    detail = " rendered in fine detail" if req.quality == "hd" else ""
    return (
        f"Picture {look} of {subject}{detail}. The subject sits at the centre of the frame, with balanced colours "
        "and soft light that keeps the scene clear and easy to read."
    )


def _usage(
    req: ImageRequest, model: ModelInfo, sources: list[Image.Image], size: tuple[int, int], quality: str
) -> dict[str, Any]:
    text_tokens = tokens.count(req.prompt, model.encoding)
    image_tokens = 0
    if sources and model.image_tokens:
        image_tokens = sum(chat_vision.image_cost(s.size, "high", model.image_tokens) for s in sources)
    key = f"{size[0]}x{size[1]}"
    per_picture = _OUTPUT_TOKENS.get(quality, _OUTPUT_TOKENS["medium"]).get(key, _OUTPUT_TOKENS["medium"]["1024x1024"])
    output_tokens = per_picture * (req.n or 1)
    return {
        "input_tokens": text_tokens + image_tokens,
        "input_tokens_details": {"image_tokens": image_tokens, "text_tokens": text_tokens},
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
    }


def prompt_texts(req: ImageRequest, _: None) -> list[list[str]]:
    return [[req.prompt]]


def refuse_prompt(ctx: RequestContext, req: ImageRequest, results: dict[str, Any]) -> AzureError:
    return ImagePromptFiltered(results, _revised(req, _model(ctx)))


GENERATIONS = Handler(
    request_model=ImageRequest,
    estimate_tokens=requests_only,
    check=check,
    respond=respond,
    prompt_texts=prompt_texts,
    refuse_prompt=refuse_prompt,
    blocking=True,
)
# Edits are generations with files, from a multipart form.
EDITS = replace(GENERATIONS, request_model=ImageEditRequest, bodies=("form",))
