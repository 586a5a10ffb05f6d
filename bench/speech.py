"""Speech speed: a 200-character input spoken in each format, in process and through the server.

1. In process, per format: ``synthesize`` + ``audio.encode``, median of several runs. The
   reference, measured in the same run, is the least a speech file can cost: numpy drawing a
   plain tone as long as the speech and the ``wave`` module writing it.
2. Through the emulator: the server time of a 200-character wav request (the journal's
   duration, from arrival to the last byte sent), median of several runs. Target: under
   50 ms.

    python bench/speech.py [--runs 9]
"""

from __future__ import annotations

import argparse
import io
import wave

import numpy as np

from common import median_ms, server_time_ms
from emulator import audio
from emulator.synth import speech

TEXT = (
    "Thank you for calling the support line. Your order left our warehouse this morning and should "
    "arrive on Thursday afternoon. Is there anything else I can help you with today, or shall I send "
    "you a short summary?"
)[:200]
FORMATS = ("wav", "pcm", "flac", "mp3", "opus", "aac")


def reference_ms(length: int, runs: int) -> float:
    def write() -> bytes:
        t = np.arange(length, dtype=np.float32) / speech.SAMPLE_RATE
        samples = (np.sin(2 * np.pi * 220 * t) * 9000).astype(np.int16)
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(speech.SAMPLE_RATE)
            w.writeframes(samples.tobytes())
        return out.getvalue()

    return median_ms(write, runs)


def server_ms(runs: int) -> float:
    path = "/openai/deployments/tts/audio/speech?api-version=2025-04-01-preview"
    bodies = [
        {"input": f"{TEXT[:-3]}{index:03d}", "voice": "alloy", "response_format": "wav"} for index in range(runs + 1)
    ]
    return server_time_ms(path, bodies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    samples = speech.synthesize(TEXT, "alloy")
    seconds = len(samples) / speech.SAMPLE_RATE
    reference = reference_ms(len(samples), args.runs)
    print(f"{len(TEXT)} characters, {seconds:.1f} s of audio")
    print(f"reference: a plain tone of that length, written by the wave module: {reference:.2f} ms")
    synthesis = median_ms(lambda: speech.synthesize(TEXT, "alloy"), args.runs)
    print(f"synthesis alone: {synthesis:.1f} ms")
    for fmt in FORMATS:
        if fmt == "aac" and not audio.aac_available():
            print("aac: not installed (pip install 'aoai-emulator[aac]')")
            continue
        ms = median_ms(lambda: audio.encode(speech.synthesize(TEXT, "alloy"), speech.SAMPLE_RATE, fmt, TEXT), args.runs)
        print(f"synthesis + encoding, {fmt:>4}: {ms:6.1f} ms  ({ms / reference:.1f} x reference)")
    served = server_ms(args.runs)
    print(f"server time, 200 characters in wav: {served:.1f} ms  ({served / reference:.1f} x reference)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
