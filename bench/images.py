"""Image generation speed: drawing and encoding a picture, in process and through the server.

1. In process, per size and format: ``pictures.render`` + ``pictures.encode``, median of
   several runs. Target: a 1024x1024 PNG in under 60 ms. The reference, measured in the same
   run, is Pillow saving a plain 1024x1024 gradient at its default PNG settings (what a first
   attempt would do): the ratio shows what the chosen settings buy.
2. Through the emulator: the server time of a dall-e-3 request for a 1024x1024 b64 PNG (the
   journal's duration, from arrival to the last byte sent), median of several runs.

    python bench/images.py [--runs 9]
"""

from __future__ import annotations

import argparse
import io

import numpy as np
from PIL import Image

from common import median_ms, server_time_ms
from emulator.synth import pictures

PROMPT = "a red fox in a snowy forest at sunset, watercolour"
CASES = [
    ((1024, 1024), "png"),
    ((1024, 1024), "jpeg"),
    ((1024, 1024), "webp"),
    ((1792, 1024), "png"),
    ((256, 256), "png"),
]


def reference_ms(runs: int) -> float:
    ramp = np.linspace(0, 255, 1024, dtype=np.float32)
    pixels = np.stack([np.add.outer(ramp, ramp) / 2] * 3, axis=2).astype(np.uint8)

    def draw() -> bytes:
        out = io.BytesIO()
        Image.fromarray(pixels, "RGB").save(out, "PNG")
        return out.getvalue()

    return median_ms(draw, runs)


def server_ms(runs: int) -> float:
    path = "/openai/deployments/dall-e-3/images/generations?api-version=2024-10-21"
    bodies = [{"prompt": f"{PROMPT} {index}", "response_format": "b64_json"} for index in range(runs + 1)]
    return server_time_ms(path, bodies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    reference = reference_ms(args.runs)
    print(f"reference: Pillow default PNG of a 1024x1024 gradient: {reference:.1f} ms")
    for size, fmt in CASES:
        seed = pictures.seed_of(PROMPT, size, fmt)
        ms = median_ms(lambda: pictures.encode(pictures.render(PROMPT, size, seed), fmt), args.runs)
        label = f"{size[0]}x{size[1]} {fmt}"
        print(f"render + encode {label:>14}: {ms:6.1f} ms  ({ms / reference:.2f} x reference)")
    served = server_ms(args.runs)
    print(f"server time, dall-e-3 1024x1024 b64 PNG: {served:.1f} ms  ({served / reference:.2f} x reference)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
