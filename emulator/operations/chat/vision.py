"""Images in chat messages: which are accepted, and what they cost in prompt tokens.

OpenAI's rule for gpt-4o-class models: ``detail: low`` costs a flat base; ``high`` and
``auto`` scale the image to fit 2048 x 2048, then its shorter side to 768, and add a price per
512-pixel tile. The emulator reads a ``data:`` URL's real size (Pillow reads only the header);
http(s) URLs are never fetched, so they are priced as a 1024 x 1024 image (four tiles).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import warnings

from PIL import Image, UnidentifiedImageError

from ...errors import InvalidRequest
from ...models import ModelInfo
from ...wording import missing_parameter
from .request import ChatMessage

MAX_IMAGES = 50
_DATA_URL = re.compile(r"^data:(?P<mime>[\w/+.-]+);base64,(?P<data>.*)$", re.DOTALL)
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
_UNSUPPORTED = (
    "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the "
    "following formats: ['png', 'jpeg', 'gif', 'webp']."
)
_REMOTE_SIZE = (1024, 1024)


def image_tokens(messages: list[ChatMessage], model: ModelInfo) -> int:
    """The prompt tokens of every image in the conversation; Azure's 400 for a bad one."""
    total = 0
    count = 0
    for m, message in enumerate(messages):
        if not isinstance(message.content, list):
            continue
        for p, part in enumerate(message.content):
            if part.type != "image_url":
                continue
            where = f"messages[{m}].content[{p}]"
            if message.role != "user":
                raise InvalidRequest(
                    "Image URLs are only allowed for messages with role 'user', but this message with role "
                    f"'{message.role}' contains an image URL.",
                    param=f"{where}.type",
                    code="invalid_value",
                )
            if not model.image_tokens:
                raise InvalidRequest(
                    "Invalid content type. image_url is only supported by certain models.",
                    param=f"{where}.type",
                    code="invalid_value",
                )
            if part.image_url is None:
                raise missing_parameter(f"{where}.image_url")
            count += 1
            if count > MAX_IMAGES:
                raise InvalidRequest(
                    f"Too many images in request. Max is {MAX_IMAGES}.", param="messages", code="too_many_images"
                )
            size = _size(part.image_url.url, f"{where}.image_url.url")
            total += image_cost(size, part.image_url.detail or "auto", model.image_tokens)
    return total


def _size(url: str, param: str) -> tuple[int, int]:
    if url.startswith(("http://", "https://")):
        return _REMOTE_SIZE
    match = _DATA_URL.match(url)
    if match is None:
        raise InvalidRequest(
            f"Invalid '{param}': expected an http(s) URL or a base64-encoded data URL with an image MIME type "
            "(e.g. 'data:image/png;base64,...').",
            param=param,
            code="invalid_image_url",
        )
    expected = _FORMATS.get(match["mime"].lower())
    if expected is None:
        raise InvalidRequest(_UNSUPPORTED, param=param, code="invalid_image_format")
    try:
        raw = base64.b64decode(match["data"], validate=True)
        with warnings.catch_warnings():
            # Only the header is read, so a large declared size costs nothing here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.format not in (expected, "MPO" if expected == "JPEG" else expected):
                    raise InvalidRequest(_UNSUPPORTED, param=param, code="invalid_image_format")
                return image.size
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidRequest(_UNSUPPORTED, param=param, code="invalid_image_format") from None


def image_cost(size: tuple[int, int], detail: str, prices: list[int]) -> int:
    """The prompt tokens of one image of ``size`` read at ``detail``."""
    base, per_tile = prices
    if detail == "low":
        return base
    width, height = float(size[0]), float(size[1])
    if max(width, height) > 2048:
        scale = 2048 / max(width, height)
        width, height = width * scale, height * scale
    if min(width, height) > 768:
        scale = 768 / min(width, height)
        width, height = width * scale, height * scale
    tiles = math.ceil(width / 512) * math.ceil(height / 512)
    return base + per_tile * tiles
