"""The answer to an image request: pictures drawn (or edited) from the prompt
(emulator/synth/pictures.py), in the format asked, as base64 or as links to the emulator's
blob store (emulator/imagelinks.py), with the content filter's annotations and, for models
that report it, usage. A blocked prompt gets the error body Azure sends for images
(``ImagePromptFiltered``), not the chat one."""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

from PIL import Image

from ... import contentfilter, tokens
from ...delivery import JsonReply, Reply
from ...errors import AzureError, ImagePromptFiltered
from ...models import ModelInfo
from ...synth import pictures
from ..chat import vision as chat_vision
from .edits import Sources, pixels
from .request import ImageRequest, output_format

if TYPE_CHECKING:
    from ...context import RequestContext

_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# gpt-image-1's output tokens per picture, by quality and size (OpenAI's pricing tables);
# `auto` quality is billed here as medium.
_OUTPUT_TOKENS = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
}


def respond(ctx: RequestContext, req: ImageRequest, sources: Sources | None) -> Reply:
    model = _model(ctx)
    abilities = model.images
    assert abilities is not None
    verdict = ctx.completion_verdict
    picture_results = _picture_results(verdict)
    if verdict is not None and verdict.blocked:
        raise ImagePromptFiltered(picture_results, _revised(req, model), picture=True)
    prompt_results = ctx.prompt_filter_results[0]["content_filter_results"] if ctx.prompt_filter_results else {}
    fmt = output_format(req, abilities)
    response_format = req.response_format or abilities.defaults.get("response_format", "b64_json")
    transparent = req.background == "transparent"
    quality = req.quality or abilities.defaults.get("quality", "standard")
    size = pixels(req.size or abilities.defaults.get("size", "1024x1024"), sources)
    revised = _revised(req, model)
    data = []
    for index in range(req.n or 1):
        seed = pictures.seed_of(ctx.run_seed, req.prompt, size, quality, req.style, req.background, fmt, index)
        if sources is not None:
            source = sources.images[0].resize(size, Image.Resampling.BILINEAR)
            mask = sources.mask
            if mask is not None and mask.size != size:
                mask = mask.resize(size, Image.Resampling.NEAREST)
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
    # Azure bills the images made, and the tokens where the model counts them.
    return JsonReply(body, usage={**body.get("usage", {}), "images": len(data)})


def _model(ctx: RequestContext) -> ModelInfo:
    assert ctx.deployment is not None
    return ctx.deployment.model


def _picture_results(verdict: contentfilter.Verdict | None) -> dict[str, Any]:
    """The picture's annotations: the four harm categories (dalleContentFilterResults)."""
    if verdict is None:
        return {c: contentfilter.SAFE_COMPLETION_RESULTS[c] for c in contentfilter.CATEGORIES}
    if "error" in verdict.results:
        return verdict.results
    return {c: verdict.results[c] for c in contentfilter.CATEGORIES}


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
    req: ImageRequest, model: ModelInfo, sources: Sources | None, size: tuple[int, int], quality: str
) -> dict[str, Any]:
    text_tokens = tokens.count(req.prompt, model.encoding)
    image_tokens = 0
    if sources is not None and model.image_tokens:
        image_tokens = sum(chat_vision.image_cost(s.size, "high", model.image_tokens) for s in sources.images)
    key = f"{size[0]}x{size[1]}"
    per_picture = _OUTPUT_TOKENS.get(quality, _OUTPUT_TOKENS["medium"]).get(key, _OUTPUT_TOKENS["medium"]["1024x1024"])
    output_tokens = per_picture * (req.n or 1)
    return {
        "input_tokens": text_tokens + image_tokens,
        "input_tokens_details": {"image_tokens": image_tokens, "text_tokens": text_tokens},
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
    }


def prompt_texts(req: ImageRequest, _: Sources | None) -> list[list[str]]:
    return [[req.prompt]]


def refuse_prompt(ctx: RequestContext, req: ImageRequest, results: dict[str, Any]) -> AzureError:
    return ImagePromptFiltered(results, _revised(req, _model(ctx)))
