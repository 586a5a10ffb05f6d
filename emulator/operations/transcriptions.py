"""Speech to text: ``POST .../audio/transcriptions`` and ``.../audio/translations``
(multipart forms).

The upload is judged by its bytes (emulator/audio/), and its real duration read. Speech the
emulator wrote comes back as its original text; any other audio gets deterministic English
prose, about as long as the audio would hold, on the topics of the request's ``prompt``.
Timestamps (verbose_json segments and words, srt, vtt) spread the text over the duration in
proportion to the words' lengths, as the emulator's own speech lays them out.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field

from .. import audio, synth, tokens
from ..context import Handler
from ..delivery import JsonReply, RawReply, Reply
from ..errors import InvalidRequest, OperationNotSupported, RequestTooLarge
from ..forms import Upload
from ..models import ModelInfo, check_api_version
from ..synth import speech as voice_synth
from ..synth import text as prose
from ..wording import out_of_range
from . import fields, requests_only, subtitles
from .fields import Strict
from .subtitles import Segment

if TYPE_CHECKING:
    from ..context import RequestContext

MAX_FILE_BYTES = 25 * 1024 * 1024  # Azure's limit for Whisper uploads
WORDS_PER_SECOND = 2.5
_SUPPORTED = "['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']"
_TEXT_FORMATS = {"text", "srt", "vtt"}
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
_WORD = re.compile(r"\S+")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_ENGLISH_WORDS = frozenset(
    "the a an and or but of to in on at for with is are was were be it this that you i we they he she "
    "my your our not no do does have has will can from by as".split()
)
# ISO-639-1 codes Whisper reports by name in verbose_json; others are reported as given.
_LANGUAGE_NAMES = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ru": "russian",
    "ja": "japanese",
    "zh": "chinese",
    "ko": "korean",
    "ar": "arabic",
    "hi": "hindi",
    "pl": "polish",
    "sv": "swedish",
    "tr": "turkish",
    "uk": "ukrainian",
}


class TranscriptionRequest(Strict):
    """The form's fields; files are ``Upload``s (emulator/forms.py)."""

    model_config = ConfigDict(strict=True, extra="allow", arbitrary_types_allowed=True, populate_by_name=True)

    file: Upload
    language: str | None = None
    prompt: str | None = None
    response_format: str | None = None
    temperature: float | None = None
    granularities: list[str] | str | None = Field(default=None, alias="timestamp_granularities[]")
    model: str | None = None


# -- checks ----------------------------------------------------------------------------


def check(ctx: RequestContext, req: TranscriptionRequest) -> None:
    assert ctx.deployment is not None and ctx.api_version is not None
    model = ctx.deployment.model
    abilities = model.transcription
    assert abilities is not None
    check_api_version(model, ctx.api_version.name)
    translating = ctx.operation.name == "translations"
    if translating and not abilities.translates:
        raise OperationNotSupported(ctx.operation.display, model.name)
    if len(req.file.data) > MAX_FILE_BYTES:
        raise RequestTooLarge(MAX_FILE_BYTES)
    fields.one_of("response_format", req.response_format or "json", abilities.response_formats)
    if req.temperature is not None and req.temperature < 0:
        raise out_of_range("temperature", req.temperature, below=0, decimal=True)
    if req.temperature is not None and req.temperature > 1:
        raise out_of_range("temperature", req.temperature, above=1, decimal=True)
    if req.language is not None and not _LANGUAGE.match(req.language):
        raise InvalidRequest(
            f"Invalid language '{req.language}'. Language parameter must be specified in ISO-639-1 format.",
            param="language",
            code="invalid_language_format",
        )
    granularities = _granularities(req)
    for value in granularities:
        fields.one_of("timestamp_granularities[]", value, ("word", "segment"))
    if granularities and req.response_format != "verbose_json":
        raise InvalidRequest(
            "'timestamp_granularities[]' needs response_format 'verbose_json'.",
            param="timestamp_granularities[]",
            code="invalid_value",
        )


def _granularities(req: TranscriptionRequest) -> list[str]:
    given = req.granularities
    return [] if given is None else [given] if isinstance(given, str) else list(given)


# -- the answer ------------------------------------------------------------------------


def respond(ctx: RequestContext, req: TranscriptionRequest, _: None) -> Reply:
    assert ctx.deployment is not None
    model = ctx.deployment.model
    try:
        found = audio.probe(req.file.data)
    except audio.NotAudio:
        raise InvalidRequest(
            f"Invalid file format. Supported formats: {_SUPPORTED}", param="file", code="invalid_value"
        ) from None
    translating = ctx.operation.name == "translations"
    original = found.text
    if original is None and ctx.services is not None:
        original = ctx.services.speech_memory.recall(found.samples_digest)
    text = recognise(req.file.data, found, original, model.encoding, req.prompt or "", translating=translating)
    # Azure bills audio by the minute heard, whatever the format of the answer.
    heard = {"seconds": round(found.duration_s, 3)}
    fmt = req.response_format or "json"
    if fmt == "json":
        return JsonReply({"text": text}, usage=heard)
    segments = _segments(text, found.duration_s, spoken=original is not None)
    if fmt in subtitles.PLAIN_FORMATS:
        return RawReply(subtitles.PLAIN_FORMATS[fmt](text, segments).encode(), "text/plain; charset=utf-8", usage=heard)
    return JsonReply(_verbose(req, model, text, found.duration_s, segments, translating), usage=heard)


def recognise(
    data: bytes, found: audio.Probe, original: str | None, encoding: str, prompt: str = "", *, translating: bool = False
) -> str:
    """What the audio says: ``original``, the text of speech the emulator wrote, when there is
    one (and, translating, it is English already); otherwise English prose on the prompt's
    topics, as long as the audio would hold, the same for the same file. Chat's
    ``input_audio`` is heard this way too."""
    if original is not None and not (translating and not _is_english(original)):
        return " ".join(original.split())
    seed = synth.derive_seed("transcript", hashlib.sha256(data).hexdigest(), translating)
    topics = prose.topics_of(prompt) or ("recording",)
    count = max(1, round(found.duration_s * WORDS_PER_SECOND))
    words = prose.reply(seed, topics, count * 2 + 8, encoding).text.split()[:count]
    return " ".join(words).rstrip(",;:") + ("" if words[-1].endswith((".", "!", "?")) else ".")


def _is_english(text: str) -> bool:
    """A rough guess, enough to tell English speech from other speech: Latin letters, and
    English's commonest words among the words (in any but the shortest texts)."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.95:
        return False
    words = [w.strip(".,!?;:'\"").lower() for w in text.split()]
    return len(words) < 4 or sum(w in _ENGLISH_WORDS for w in words) / len(words) >= 0.1


def _segments(text: str, duration: float, *, spoken: bool) -> list[Segment]:
    """The text in sentences, each word timed in proportion to its length; the emulator's
    own speech keeps its silent lead-in and tail."""
    edge = voice_synth.EDGE_S if spoken and duration > 2 * voice_synth.EDGE_S else 0.0
    words = _WORD.findall(text)
    if not words:
        return []
    span = duration - 2 * edge
    weights = [len(w) + 1 for w in words]
    per_unit = span / sum(weights)
    timed: list[tuple[str, float, float]] = []
    cursor = edge
    for word, weight in zip(words, weights):
        length = weight * per_unit
        timed.append((word, round(cursor, 3), round(cursor + length * 0.8, 3)))
        cursor += length
    segments: list[Segment] = []
    index = 0
    for sentence in _SENTENCE_END.split(text):
        count = len(_WORD.findall(sentence))
        if not count:
            continue
        chunk = timed[index : index + count]
        index += count
        end = chunk[-1][2] if index < len(timed) else round(duration - edge, 3)
        segments.append(Segment(chunk[0][1], max(end, chunk[-1][2]), sentence.strip(), chunk))
    return segments


def _verbose(
    req: TranscriptionRequest,
    model: ModelInfo,
    text: str,
    duration: float,
    segments: list[Segment],
    translating: bool,
) -> dict[str, Any]:
    granularities = _granularities(req) or ["segment"]
    body: dict[str, Any] = {
        "task": "translate" if translating else "transcribe",
        "language": "english" if translating else _language(req.language, text),
        "duration": round(duration, 3),
        "text": text,
    }
    if "segment" in granularities:
        body["segments"] = [
            {
                "id": index,
                "seek": 0,
                "start": segment.start,
                "end": segment.end,
                "text": " " + segment.text,
                "tokens": tokens.encode(" " + segment.text, model.encoding),
                "temperature": req.temperature or 0.0,
                "avg_logprob": -0.25,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
            for index, segment in enumerate(segments)
        ]
    if "word" in granularities:
        body["words"] = [
            {"word": word, "start": start, "end": end} for segment in segments for word, start, end in segment.words
        ]
    return body


def _language(code: str | None, text: str) -> str:
    if code is not None:
        return _LANGUAGE_NAMES.get(code, code)
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "japanese"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "chinese"
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        return "korean"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "russian"
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return "arabic"
    return "english"


HANDLER = Handler(
    request_model=TranscriptionRequest,
    estimate_tokens=requests_only,
    check=check,
    respond=respond,
    blocking=True,
    bodies=("form",),
)
