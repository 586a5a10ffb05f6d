"""Pictures for image generation: deterministic, quick to make, and recognisably the prompt's.

A picture is a soft composition seeded by the prompt (a colour field and a few translucent
shapes, in colours the prompt names where it names any) with the prompt written across it.
The composition is painted at a quarter of the size and scaled up, which keeps it smooth:
smooth pictures encode fast (shared/reference/dependencies.md, section 5). Text is drawn at
full size so it stays legible. Pillow's bundled font has no CJK glyphs: such characters
come out as boxes, never as an error.
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_SCALE = 4  # the composition is painted at 1/_SCALE of the final size

# Colour words a prompt may name, so "a red fox" comes out red.
_NAMED_COLOURS = {
    "red": (200, 40, 40),
    "orange": (235, 130, 30),
    "yellow": (240, 210, 50),
    "gold": (212, 175, 55),
    "green": (50, 160, 70),
    "blue": (40, 90, 200),
    "teal": (30, 140, 140),
    "purple": (120, 60, 170),
    "violet": (140, 90, 200),
    "pink": (235, 120, 170),
    "brown": (130, 85, 45),
    "black": (25, 25, 30),
    "white": (240, 240, 235),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "silver": (190, 195, 200),
    "sunset": (245, 120, 60),
    "sky": (120, 180, 235),
    "ocean": (30, 100, 170),
    "sea": (40, 110, 160),
    "forest": (40, 110, 50),
    "grass": (90, 170, 60),
    "snow": (235, 240, 250),
    "night": (20, 25, 60),
    "fire": (230, 80, 20),
}
_WORD = re.compile(r"[a-z]+")


def seed_of(*parts: object) -> bytes:
    """The 32 bytes every choice in a picture is drawn from."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).digest()


def render(prompt: str, size: tuple[int, int], seed: bytes, *, transparent: bool = False) -> Image.Image:
    """The picture for ``prompt``: RGB, or RGBA with a see-through background."""
    width, height = size
    rng = np.random.default_rng(np.frombuffer(seed, dtype=np.uint32))
    palette = _palette(prompt, rng)
    small = (max(8, width // _SCALE), max(8, height // _SCALE))
    canvas = _background(small, palette, rng, transparent)
    _shapes(canvas, palette, rng)
    picture = canvas.resize(size, Image.Resampling.BILINEAR)
    if not transparent:
        picture = picture.convert("RGB")
    _caption(picture, prompt, palette)
    return picture


def derive(source: Image.Image, mask: Image.Image | None, prompt: str, seed: bytes, transparent: bool) -> Image.Image:
    """An edit of ``source``: the prompt's picture painted where ``mask`` is see-through (the
    whole image, faintly, without a mask), the source kept elsewhere."""
    size = source.size
    base = source.convert("RGBA")
    painted = render(prompt, size, seed, transparent=transparent).convert("RGBA")
    if mask is not None:
        # The mask's transparent pixels mark what to repaint.
        where = Image.eval(mask.convert("RGBA").getchannel("A"), lambda a: 255 - a)
    else:
        where = Image.new("L", size, 110)
    result = Image.composite(painted, base, where)
    _caption(result, prompt, _palette(prompt, np.random.default_rng(np.frombuffer(seed, dtype=np.uint32))))
    return result if transparent else result.convert("RGB")


def encode(picture: Image.Image, fmt: str, quality: int | None = None) -> bytes:
    """``picture`` as PNG, JPEG or WEBP, with the fastest settings that keep it small."""
    out = io.BytesIO()
    if fmt == "png":
        picture.save(out, "PNG", compress_level=1)
    elif fmt == "jpeg":
        picture.convert("RGB").save(out, "JPEG", quality=85 if quality is None else max(1, quality))
    elif fmt == "webp":
        picture.save(out, "WEBP", quality=80 if quality is None else quality, method=0)
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return out.getvalue()


def _palette(prompt: str, rng: np.random.Generator) -> list[tuple[int, int, int]]:
    named = [_NAMED_COLOURS[w] for w in _WORD.findall(prompt.lower()) if w in _NAMED_COLOURS]
    hues = [tuple(int(c) for c in rng.integers(30, 226, size=3)) for _ in range(4)]
    colours = (named + hues)[:4]
    return [(c[0], c[1], c[2]) for c in colours]


def _background(
    size: tuple[int, int], palette: list[tuple[int, int, int]], rng: np.random.Generator, transparent: bool
) -> Image.Image:
    """A diagonal blend of two palette colours, darker towards the corners."""
    width, height = size
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs /= max(width - 1, 1)
    ys /= max(height - 1, 1)
    t = (xs * np.cos(angle) + ys * np.sin(angle)) / (abs(np.cos(angle)) + abs(np.sin(angle)))
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    start, end = np.array(palette[0], np.float32), np.array(palette[1], np.float32)
    rgb = start + (end - start) * t[..., None]
    vignette = 1.0 - 0.35 * ((xs - 0.5) ** 2 + (ys - 0.5) ** 2) * 2
    rgb *= vignette[..., None]
    pixels = np.clip(rgb, 0, 255).astype(np.uint8)
    if transparent:
        alpha = np.zeros((height, width, 1), np.uint8)
        return Image.fromarray(np.concatenate([pixels, alpha], axis=2), "RGBA")
    return Image.fromarray(pixels, "RGB").convert("RGBA")


def _shapes(canvas: Image.Image, palette: list[tuple[int, int, int]], rng: np.random.Generator) -> None:
    width, height = canvas.size
    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(int(rng.integers(6, 12))):
        colour = palette[int(rng.integers(0, len(palette)))]
        fill = (*colour, int(rng.integers(120, 220)))
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.08, 0.3) * min(width, height)
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), fill=fill)
        elif kind == 1:
            draw.rounded_rectangle((cx - r, cy - r / 2, cx + r, cy + r / 2), radius=r / 5, fill=fill)
        else:
            draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.7), (cx - r, cy + r * 0.7)], fill=fill)
    canvas.alpha_composite(layer)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _caption(picture: Image.Image, prompt: str, palette: list[tuple[int, int, int]]) -> None:
    """The prompt, in a box across the lower part of the picture; its first words large above."""
    width, height = picture.size
    text = " ".join(_printable(prompt).split())
    if not text:
        return
    draw = ImageDraw.Draw(picture)
    title_size = max(12, min(width, height) // 14)
    title = textwrap.shorten(text, width=28, placeholder="…")
    draw.text(
        (width / 2, height * 0.12),
        title,
        font=_font(title_size),
        anchor="mt",
        fill=(255, 255, 255, 255),
        stroke_width=max(1, title_size // 12),
        stroke_fill=(0, 0, 0, 255),
    )
    body_size = max(10, min(width, height) // 36)
    chars_per_line = max(10, int(width * 0.86 / (body_size * 0.55)))
    lines = textwrap.wrap(text, width=chars_per_line, max_lines=6, placeholder=" …")
    line_height = int(body_size * 1.3)
    box_height = line_height * len(lines) + body_size
    top = height - box_height - height // 20
    dark = tuple(int(c * 0.3) for c in palette[2])
    draw.rounded_rectangle(
        (width * 0.05, top, width * 0.95, top + box_height), radius=body_size // 2, fill=(*dark, 200)
    )
    for index, line in enumerate(lines):
        draw.text(
            (width * 0.07, top + body_size / 2 + index * line_height),
            line,
            font=_font(body_size),
            fill=(255, 255, 255, 255),
        )


def _printable(text: str) -> str:
    # Control characters have no glyph in any font; lone surrogates cannot be encoded.
    return "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else " " for ch in text)
