"""Text to speech: ``POST .../audio/speech``.

The body is JSON as every client sends it (the specs describe a multipart form, which is
taken too). Voices per model are data (data/models.yaml); the audio formats per api-version
too (data/api_versions.yaml). The answer is a real audio file (emulator/synth/speech.py,
emulator/audio/) whose length follows the text and the speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import audio
from ..context import Handler
from ..delivery import RawReply, Reply
from ..models import check_api_version
from ..synth import speech as voice_synth
from ..wording import out_of_range, unsupported_parameter
from . import fields, requests_only
from .fields import Strict

if TYPE_CHECKING:
    from ..context import RequestContext

MAX_INPUT_CHARS = 4096
MIN_SPEED, MAX_SPEED = 0.25, 4.0


class SpeechRequest(Strict):
    input: str
    voice: str
    response_format: str | None = None
    speed: float | None = None
    instructions: str | None = None
    model: str | None = None


def check(ctx: RequestContext, req: SpeechRequest) -> None:
    assert ctx.deployment is not None and ctx.api_version is not None
    model = ctx.deployment.model
    abilities = model.speech
    assert abilities is not None
    check_api_version(model, ctx.api_version.name)
    fields.text_length("input", req.input, MAX_INPUT_CHARS)
    fields.one_of("voice", req.voice, abilities.voices)
    rules = ctx.api_version.rules_for(ctx.operation.name)
    formats = rules.response_format if rules is not None and rules.response_format else tuple(audio.CONTENT_TYPES)
    if req.response_format is not None:
        fields.one_of("response_format", req.response_format, formats)
    if req.speed is not None and req.speed < MIN_SPEED:
        raise out_of_range("speed", req.speed, below=MIN_SPEED, decimal=True)
    if req.speed is not None and req.speed > MAX_SPEED:
        raise out_of_range("speed", req.speed, above=MAX_SPEED, decimal=True)
    if req.instructions is not None and not abilities.instructions:
        raise unsupported_parameter("instructions")


def respond(ctx: RequestContext, req: SpeechRequest, _: None) -> Reply:
    fmt = req.response_format or "mp3"
    samples = voice_synth.synthesize(req.input, req.voice, req.speed or 1.0, req.instructions)
    data = audio.encode(samples, voice_synth.SAMPLE_RATE, fmt, req.input)
    ctx.services.speech_memory.remember(audio.samples_digest(samples), req.input)
    spoken = {"characters": len(req.input), "seconds": round(len(samples) / voice_synth.SAMPLE_RATE, 3)}
    return RawReply(data, audio.CONTENT_TYPES[fmt], usage=spoken)


HANDLER = Handler(
    request_model=SpeechRequest,
    estimate_tokens=requests_only,
    check=check,
    respond=respond,
    blocking=True,
    bodies=("json", "form"),
)
