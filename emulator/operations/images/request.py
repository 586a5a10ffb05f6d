"""The image request bodies (generations as JSON, edits as a multipart form with files) and
the checks they pass: what each model draws and which parameters it takes is data
(``images`` in data/models.yaml), which sizes an api-version knows is data too
(data/api_versions.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field, field_validator

from ...errors import InvalidRequest, OperationNotSupported
from ...forms import Upload
from ...models import ImageAbilities, check_api_version
from ...wording import unknown_parameter
from .. import fields
from ..fields import Strict
from .edits import Sources, open_sources

if TYPE_CHECKING:
    from ...context import RequestContext

# Parameters whose values a model lists under `choices` (data/models.yaml).
_CHOICE_PARAMS = ("quality", "style", "response_format", "background", "output_format", "moderation")


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


def check(ctx: RequestContext, req: ImageRequest) -> Sources | None:
    """The request as the deployment's model and the api-version allow it; for an edit, its
    images (and mask) opened."""
    assert ctx.deployment is not None
    model = ctx.deployment.model
    abilities = model.images
    assert abilities is not None and ctx.api_version is not None
    check_api_version(model, ctx.api_version.name)
    sources = None
    if isinstance(req, ImageEditRequest):
        if not abilities.edits:
            raise OperationNotSupported(ctx.operation.display, model.name)
        sources = open_sources([*req.image, *req.images], req.mask)
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
        fields.int_range("output_compression", req.output_compression, 0, 100)
    if req.background == "transparent" and output_format(req, abilities) == "jpeg":
        raise InvalidRequest(
            "Transparent backgrounds need an output format with an alpha channel: use 'png' or 'webp'.",
            param="background",
            code="invalid_value",
        )
    return sources


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


def output_format(req: ImageRequest, abilities: ImageAbilities) -> str:
    return req.output_format or abilities.defaults.get("output_format", "png")
