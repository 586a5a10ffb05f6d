"""The images an edit starts from: uploads opened and checked as Azure checks them, and the
size an edit's ``auto`` stands for."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ...errors import InvalidRequest
from ...forms import Upload
from ...wording import missing_parameter

MAX_EDIT_IMAGES = 16
MAX_EDIT_IMAGE_BYTES = 50 * 1024 * 1024
_EDIT_FORMATS = {"PNG", "JPEG", "WEBP"}
_AUTO_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))


@dataclass(frozen=True)
class Sources:
    """What an edit's checks opened: its images, and the mask of the first (or none)."""

    images: tuple[Image.Image, ...]
    mask: Image.Image | None


def open_sources(uploads: list[Upload], mask_upload: Upload | None) -> Sources:
    """The images to edit and their mask, opened (read lazily) and checked as Azure checks
    them: formats, sizes, count, and a mask with alpha the first image's size."""
    if not uploads:
        raise missing_parameter("image")
    if len(uploads) > MAX_EDIT_IMAGES:
        raise InvalidRequest(
            f"Invalid 'image': too many images. Expected at most {MAX_EDIT_IMAGES}, but got {len(uploads)}.",
            param="image",
            code="invalid_value",
        )
    images = tuple(_open(upload, "image", _EDIT_FORMATS) for upload in uploads)
    sizes = [image.size for image in images]
    mask = None
    if mask_upload is not None:
        mask = _open(mask_upload, "mask", {"PNG"})
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
    return Sources(images, mask)


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


def pixels(size: str, sources: Sources | None) -> tuple[int, int]:
    """A size parameter as width and height; ``auto`` for an edit is the size whose shape is
    nearest the input's."""
    if size != "auto":
        width, height = size.split("x")
        return int(width), int(height)
    if sources is None:
        return 1024, 1024
    first = sources.images[0].size
    return min(_AUTO_SIZES, key=lambda s: abs(s[0] / s[1] - first[0] / first[1]))
