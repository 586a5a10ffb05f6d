"""One realtime session, from ``session.created`` to the socket's close.

The session reads client events one at a time, in order, and answers each as the service
does; responses run as their own tasks, so ``response.cancel`` and a user who starts
speaking (server VAD's barge-in) can stop one midway. Every server event goes through
``emit``, which numbers it and counts it for the journal.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ids, tokens
from ..audio import Probe, samples_digest
from ..operations.transcriptions import recognise
from ..synth import speech
from . import answer as answering
from . import events, formats
from .events import ClientEventError
from .vad import EAGERNESS_SILENCE_MS, Detector, SpeechStarted, VadSettings

if TYPE_CHECKING:
    from ..context import Services
    from ..deployments import Deployment
    from ..timing import TimingProfile

AUDIO_CHUNK_S = 0.1  # each output_audio.delta carries this much sound
SESSION_LIFETIME_S = 30 * 60  # the service ends a session after 30 minutes
_SERVER_VAD = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
_SEMANTIC_VAD = {"type": "semantic_vad", "eagerness": "auto", "create_response": True, "interrupt_response": True}
_PCM = {"type": "audio/pcm", "rate": 24000}


def initial_session(deployment: Deployment, voice: str) -> dict[str, Any]:
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": f"sess_{ids.hex32()[:22]}",
        "model": deployment.name,
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": int(time.time()) + SESSION_LIFETIME_S,
        "audio": {
            "input": {
                "format": dict(_PCM),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": dict(_SERVER_VAD),
            },
            "output": {"format": dict(_PCM), "voice": voice, "speed": 1.0},
        },
        "include": None,
    }


class SocketClosed(Exception):
    """The socket is closed (a fault closed it): nothing more is sent, the session ends."""


def merge(config: dict[str, Any], update: dict[str, Any]) -> None:
    """A checked ``session.update`` (its fields as given) into the session's configuration:
    the fields given replace theirs, and an audio setting given comes with its defaults."""
    update = {k: v for k, v in update.items() if k not in ("type", "model")}
    audio = update.pop("audio", None) or {}
    config.update(update)
    for side in ("input", "output"):
        for key, value in (audio.get(side) or {}).items():
            if key == "turn_detection" and value is not None:
                value = {**(_SERVER_VAD if value["type"] == "server_vad" else _SEMANTIC_VAD), **value}
            if key == "format" and value is not None:
                value = {**value, "rate": 24000} if value.get("type", "audio/pcm") == "audio/pcm" else value
                value.setdefault("type", "audio/pcm")
            if key == "transcription" and value is not None:
                value = {"language": None, "prompt": None, **value}
            config["audio"][side][key] = value


@dataclass
class Running:
    """A response in progress."""

    id: str
    task: asyncio.Task[None] | None = None
    cancelled: str | None = None  # why: client_cancelled or turn_detected
    in_conversation: bool = True
    woken: asyncio.Event = field(default_factory=asyncio.Event)


class Session:
    def __init__(
        self,
        send_text: Any,
        deployment: Deployment,
        services: Services,
        headers: Any,
        run_seed: int,
        profile: TimingProfile | None,
        charge: Any,
        configured: dict[str, Any] | None = None,
    ) -> None:
        self._send_text = send_text
        self.deployment = deployment
        self.services = services
        self.headers = headers
        self.run_seed = run_seed
        self.profile = profile if profile is not None and not profile.instant else None
        self._charge = charge  # tokens -> rate_limits list, or raises RateLimited
        abilities = deployment.model.realtime
        assert abilities is not None
        self.abilities = abilities
        self.config = initial_session(deployment, abilities.voices[0])
        if configured is not None:  # what the client secret it connects with was made for
            merge(self.config, configured)
        self.items: list[dict[str, Any]] = []  # the conversation, in order
        self._heard: dict[str, tuple[str, float]] = {}  # item id -> (words, seconds) of user audio
        self._spoken: dict[str, float] = {}  # item id -> seconds of the model's audio
        self._buffer = np.zeros(0, dtype=np.int16)
        self._buffer_start = 0  # the sample (since the session began) the buffer starts at
        self._turn_start: int | None = None
        self._turn_item: str | None = None
        self._detector: Detector | None = None
        self._make_detector()
        self.response: Running | None = None
        self.out_of_band: set[asyncio.Task[None]] = set()
        self.server_counts: Counter[str] = Counter()
        self.client_counts: Counter[str] = Counter()
        self.tokens_used = [0, 0]  # input, output
        self.lock = asyncio.Lock()
        self.after_emit: Any = None

    # -- sending -------------------------------------------------------------------------

    async def emit(self, kind: str, **fields: Any) -> None:
        event = {"type": kind, "event_id": f"event_{ids.hex32()[:21]}", **fields}
        self.server_counts[kind] += 1
        async with self.lock:
            await self._send_text(answering.dumps(event))
        if self.after_emit is not None:  # a scenario's faults count the events (outside the lock)
            await self.after_emit(self)

    async def error(self, problem: ClientEventError) -> None:
        await self.emit("error", error=problem.body())

    async def start(self) -> None:
        await self.emit("session.created", session=copy.deepcopy(self.config))

    # -- client events -------------------------------------------------------------------

    async def receive(self, message: str | bytes) -> None:
        try:
            event = events.parse(message)
        except ClientEventError as problem:
            self.client_counts["invalid"] += 1
            await self.error(problem)
            return
        self.client_counts[event.type] += 1
        handler = getattr(self, "_on_" + event.type.replace(".", "_"))
        try:
            await handler(event)
        except ClientEventError as problem:
            problem.event_id = problem.event_id or event.event_id
            await self.error(problem)

    async def _on_session_update(self, event: events.SessionUpdate) -> None:
        update = event.session.model_dump(exclude_unset=True)
        voice = ((update.get("audio") or {}).get("output") or {}).get("voice")
        if voice is not None and voice not in self.abilities.voices:
            raise ClientEventError(
                f"Invalid value: '{voice}'. Supported values are: "
                + ", ".join(f"'{v}'" for v in self.abilities.voices)
                + ".",
                code="invalid_value",
                param="session.audio.output.voice",
            )
        if voice is not None and voice != self.config["audio"]["output"]["voice"] and self._spoken:
            raise ClientEventError(
                "Cannot update a conversation's voice if assistant audio is present.",
                code="cannot_update_voice",
                param="session.audio.output.voice",
            )
        model = update.pop("model", None)
        if model is not None and model != self.deployment.name:
            raise ClientEventError(
                f"Cannot change the session's model from '{self.deployment.name}' to '{model}'.",
                code="invalid_value",
                param="session.model",
            )
        audio = (update.get("audio") or {}).get("input") or {}
        merge(self.config, update)
        if "format" in audio or "turn_detection" in audio:
            self._make_detector()
        await self.emit("session.updated", session=copy.deepcopy(self.config))

    async def _on_input_audio_buffer_append(self, event: events.BufferAppend) -> None:
        try:
            data = base64.b64decode(event.audio, validate=True)
        except (binascii.Error, ValueError):
            raise ClientEventError(
                "Invalid 'audio'. Expected base64-encoded audio bytes.", code="invalid_value", param="audio"
            ) from None
        samples = formats.decode(data, self._input_format)
        self._buffer = np.concatenate([self._buffer, samples])
        if self._detector is None:
            return
        for found in self._detector.feed(samples):
            if isinstance(found, SpeechStarted):
                self._turn_start = found.start_sample
                self._turn_item = f"item_{ids.hex32()[:21]}"
                await self.emit(
                    "input_audio_buffer.speech_started", audio_start_ms=found.audio_start_ms, item_id=self._turn_item
                )
                detection = self.config["audio"]["input"]["turn_detection"]
                if self.response is not None and detection.get("interrupt_response", True):
                    await self._cancel(self.response, "turn_detected")
            else:
                item_id = self._turn_item or f"item_{ids.hex32()[:21]}"
                await self.emit("input_audio_buffer.speech_stopped", audio_end_ms=found.audio_end_ms, item_id=item_id)
                start = max((self._turn_start or self._buffer_start) - self._buffer_start, 0)
                end = found.end_sample - self._buffer_start
                await self._commit(self._buffer[start:end], item_id)
                self._buffer = self._buffer[end:]
                self._buffer_start = found.end_sample
                self._turn_start = self._turn_item = None
                detection = self.config["audio"]["input"]["turn_detection"]
                if detection.get("create_response", True) and self.response is None:
                    await self._respond(events.ResponseParams())

    async def _on_input_audio_buffer_commit(self, event: events.ClientEvent) -> None:
        rate = formats.rate(self._input_format)
        held_ms = len(self._buffer) * 1000 / rate
        if held_ms < 100:
            raise ClientEventError(
                f"Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                f"but buffer only has {held_ms:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
                param=None,
            )
        item_id = self._turn_item or f"item_{ids.hex32()[:21]}"
        await self._commit(self._buffer, item_id)
        self._buffer_start += len(self._buffer)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._turn_start = self._turn_item = None
        if self._detector is not None:
            self._detector.reset()

    async def _on_input_audio_buffer_clear(self, event: events.ClientEvent) -> None:
        self._buffer_start += len(self._buffer)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._turn_start = self._turn_item = None
        if self._detector is not None:
            self._detector.reset()
        await self.emit("input_audio_buffer.cleared")

    async def _on_conversation_item_create(self, event: events.ItemCreate) -> None:
        item = self._item_from(event.item, "item")
        previous = event.previous_item_id
        if previous is not None and previous != "root" and self._index(previous) is None:
            raise ClientEventError(
                f"Error adding item: the previous item with id '{previous}' does not exist.",
                code="item_not_found",
                param="previous_item_id",
            )
        if any(existing["id"] == item["id"] for existing in self.items):
            raise ClientEventError(
                f"Item with id '{item['id']}' already exists.", code="item_already_exists", param="item.id"
            )
        await self._add(item, previous)

    async def _on_conversation_item_retrieve(self, event: events.ItemRetrieve) -> None:
        index = self._found(event.item_id)
        item = copy.deepcopy(self.items[index])
        await self.emit("conversation.item.retrieved", item=item)

    async def _on_conversation_item_truncate(self, event: events.ItemTruncate) -> None:
        index = self._found(event.item_id)
        item = self.items[index]
        if item.get("role") != "assistant" or event.content_index >= len(item.get("content") or []):
            raise ClientEventError(
                "Only the audio of an assistant message can be truncated.", code="invalid_value", param="content_index"
            )
        seconds = self._spoken.get(item["id"], 0.0)
        if event.audio_end_ms > seconds * 1000:
            raise ClientEventError(
                f"Audio content of {seconds * 1000:.0f}ms is already shorter than {event.audio_end_ms}ms",
                code="invalid_value",
                param="audio_end_ms",
            )
        part = item["content"][event.content_index]
        # What the user heard is all the model will remember of its answer.
        heard = event.audio_end_ms / 1000 / seconds if seconds else 0.0
        words = (part.get("transcript") or "").split()
        part["transcript"] = " ".join(words[: round(len(words) * heard)])
        self._spoken[item["id"]] = event.audio_end_ms / 1000
        await self.emit(
            "conversation.item.truncated",
            item_id=item["id"],
            content_index=event.content_index,
            audio_end_ms=event.audio_end_ms,
        )

    async def _on_conversation_item_delete(self, event: events.ItemDelete) -> None:
        index = self._found(event.item_id)
        del self.items[index]
        await self.emit("conversation.item.deleted", item_id=event.item_id)

    async def _on_response_create(self, event: events.ResponseCreate) -> None:
        params = event.response or events.ResponseParams()
        if params.conversation != "none" and self.response is not None:
            raise ClientEventError(
                f"Conversation already has an active response in progress: {self.response.id}. Wait until the "
                "response is finished before creating a new one.",
                code="conversation_already_has_active_response",
                param=None,
            )
        await self._respond(params)

    async def _on_response_cancel(self, event: events.ResponseCancel) -> None:
        running = self.response
        if running is None or (event.response_id is not None and event.response_id != running.id):
            raise ClientEventError(
                "Cancellation failed: no active response found", code="response_cancel_not_active", param=None
            )
        await self._cancel(running, "client_cancelled")

    async def _on_output_audio_buffer_clear(self, event: events.ClientEvent) -> None:
        raise ClientEventError(
            "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
            code="invalid_value",
            param="type",
        )

    # -- the conversation ----------------------------------------------------------------

    def _index(self, item_id: str) -> int | None:
        return next((i for i, item in enumerate(self.items) if item["id"] == item_id), None)

    def _found(self, item_id: str) -> int:
        index = self._index(item_id)
        if index is None:
            raise ClientEventError(f"Item with item_id not found: {item_id}", code="item_not_found", param="item_id")
        return index

    def _item_from(self, given: events.Item, where: str) -> dict[str, Any]:
        item_id = given.id or f"item_{ids.hex32()[:21]}"
        item: dict[str, Any] = {"id": item_id, "type": given.type, "object": "realtime.item", "status": "completed"}
        if given.type == "message":
            if given.role is None or not given.content:
                missing = "role" if given.role is None else "content"
                raise ClientEventError(
                    f"Missing required parameter: '{where}.{missing}'.",
                    code="missing_required_parameter",
                    param=f"{where}.{missing}",
                )
            allowed = {
                "user": ("input_text", "input_audio", "input_image"),
                "system": ("input_text",),
                "assistant": ("output_text", "output_audio"),
            }[given.role]
            content = []
            for p, part in enumerate(given.content):
                if part.type not in allowed:
                    raise ClientEventError(
                        f"Invalid value: '{part.type}'. Supported values are: "
                        + ", ".join(f"'{a}'" for a in allowed)
                        + ".",
                        code="invalid_value",
                        param=f"{where}.content[{p}].type",
                    )
                content.append(self._part(item_id, part, f"{where}.content[{p}]"))
            item.update(role=given.role, content=content)
        elif given.type == "function_call":
            if given.name is None or given.arguments is None:
                missing = "name" if given.name is None else "arguments"
                raise ClientEventError(
                    f"Missing required parameter: '{where}.{missing}'.",
                    code="missing_required_parameter",
                    param=f"{where}.{missing}",
                )
            item.update(name=given.name, arguments=given.arguments, call_id=given.call_id or f"call_{ids.hex32()[:16]}")
        else:
            if given.call_id is None or given.output is None:
                missing = "call_id" if given.call_id is None else "output"
                raise ClientEventError(
                    f"Missing required parameter: '{where}.{missing}'.",
                    code="missing_required_parameter",
                    param=f"{where}.{missing}",
                )
            item.update(call_id=given.call_id, output=given.output)
        return item

    def _part(self, item_id: str, part: events.ContentPart, where: str) -> dict[str, Any]:
        if part.type in ("input_text", "output_text"):
            return {"type": part.type, "text": part.text or ""}
        if part.type == "input_image":
            return {"type": "input_image", "image_url": part.image_url, "detail": part.detail or "auto"}
        if part.type == "output_audio":
            return {"type": "output_audio", "transcript": part.transcript or ""}
        try:
            data = base64.b64decode(part.audio or "", validate=True)
        except (binascii.Error, ValueError):
            raise ClientEventError(
                f"Invalid '{where}.audio'. Expected base64-encoded audio bytes.",
                code="invalid_value",
                param=f"{where}.audio",
            ) from None
        samples = formats.decode(data, self._input_format)
        self._heard[item_id] = (self._recognise(samples), len(samples) / formats.rate(self._input_format))
        return {"type": "input_audio", "transcript": part.transcript}

    async def _add(self, item: dict[str, Any], previous: str | None = None) -> None:
        if previous == "root":
            self.items.insert(0, item)
            before = None
        elif previous is not None:
            at = self._found(previous) + 1
            self.items.insert(at, item)
            before = previous
        else:
            before = self.items[-1]["id"] if self.items else None
            self.items.append(item)
        await self.emit("conversation.item.added", previous_item_id=before, item=copy.deepcopy(item))
        await self.emit("conversation.item.done", previous_item_id=before, item=copy.deepcopy(item))

    # -- input audio ---------------------------------------------------------------------

    @property
    def _input_format(self) -> str:
        return str(self.config["audio"]["input"]["format"].get("type", "audio/pcm"))

    def _make_detector(self) -> None:
        detection = self.config["audio"]["input"]["turn_detection"]
        if detection is None:
            self._detector = None
            return
        if detection["type"] == "server_vad":
            settings = VadSettings(
                detection["threshold"], detection["prefix_padding_ms"], detection["silence_duration_ms"]
            )
        else:
            settings = VadSettings(silence_duration_ms=EAGERNESS_SILENCE_MS[detection.get("eagerness") or "auto"])
        rate = formats.rate(self._input_format)
        detector = Detector(settings, rate)
        detector.position = detector._framed = self._buffer_start + len(self._buffer)
        self._detector = detector

    def _recognise(self, samples: np.ndarray) -> str:
        """What the audio says: the emulator's own speech word for word, other sound as prose."""
        rate = formats.rate(self._input_format)
        seconds = len(samples) / rate
        original = self.services.speech_memory.recall(samples_digest(samples)) if rate == speech.SAMPLE_RATE else None
        data = samples.astype("<i2").tobytes()
        return recognise(data, Probe("wav", max(seconds, 0.1), None), original, self.deployment.model.encoding)

    async def _commit(self, samples: np.ndarray, item_id: str) -> None:
        previous = self.items[-1]["id"] if self.items else None
        await self.emit("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        words = self._recognise(samples)
        seconds = len(samples) / formats.rate(self._input_format)
        self._heard[item_id] = (words, seconds)
        item = {
            "id": item_id,
            "type": "message",
            "object": "realtime.item",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        await self._add(item)
        transcription = self.config["audio"]["input"]["transcription"]
        if transcription is not None:
            await self._transcribe(item, words, seconds, transcription["model"])

    async def _transcribe(self, item: dict[str, Any], words: str, seconds: float, model: str) -> None:
        pieces = [words] if model == "whisper-1" else [w + " " for w in words.split(" ")[:-1]] + words.split(" ")[-1:]
        for piece in pieces:
            await self.emit(
                "conversation.item.input_audio_transcription.delta", item_id=item["id"], content_index=0, delta=piece
            )
        item["content"][0]["transcript"] = words
        if model == "whisper-1":
            usage: dict[str, Any] = {"type": "duration", "seconds": round(seconds, 3)}
        else:
            heard = round(seconds * self.abilities.heard_tokens_per_second)
            written = tokens.count(words, self.deployment.model.encoding)
            usage = {
                "type": "tokens",
                "input_tokens": heard,
                "output_tokens": written,
                "total_tokens": heard + written,
                "input_token_details": {"text_tokens": 0, "audio_tokens": heard},
            }
        await self.emit(
            "conversation.item.input_audio_transcription.completed",
            item_id=item["id"],
            content_index=0,
            transcript=words,
            usage=usage,
        )

    # -- responses -----------------------------------------------------------------------

    async def _respond(self, params: events.ResponseParams) -> None:
        # The response's own input is checked here, so a bad item is an error event for the
        # client's response.create rather than a response that never ends.
        given: list[dict[str, Any]] = []
        for g, item in enumerate(params.input or []):
            if isinstance(item, events.ItemReference):
                given.append(self.items[self._found(item.id)])
            else:
                given.append(self._item_from(item, f"response.input[{g}]"))
        running = Running(f"resp_{ids.hex32()[:21]}", in_conversation=params.conversation != "none")
        if running.in_conversation:
            self.response = running
        task = asyncio.get_running_loop().create_task(self._run(running, params, given))
        running.task = task
        if not running.in_conversation:
            self.out_of_band.add(task)
            task.add_done_callback(self.out_of_band.discard)

    async def _cancel(self, running: Running, reason: str) -> None:
        running.cancelled = reason
        running.woken.set()
        if running.task is not None:
            await asyncio.shield(running.task)

    def _messages(self, items: list[dict[str, Any]], instructions: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": instructions}] if instructions else []
        for item in items:
            if item["type"] == "function_call":
                messages.append(
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": item["call_id"],
                                "type": "function",
                                "function": {"name": item["name"], "arguments": item["arguments"]},
                            }
                        ],
                    }
                )
            elif item["type"] == "function_call_output":
                messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": item["output"]})
            else:
                words = []
                for part in item["content"]:
                    if part["type"] == "input_audio":
                        words.append(self._heard.get(item["id"], ("", 0.0))[0])
                    else:
                        words.append(part.get("text") or part.get("transcript") or "")
                messages.append({"role": item["role"], "content": " ".join(w for w in words if w)})
        return messages

    def _input_usage(
        self, items: list[dict[str, Any]], instructions: str, tool_defs: list[dict[str, Any]]
    ) -> dict[str, Any]:
        encoding = self.deployment.model.encoding
        text_ids = tokens.encode(instructions + answering.dumps(tool_defs) if tool_defs else instructions, encoding)
        audio = 0
        sequence: list[int] = list(text_ids)
        for item in items:
            if item["id"] in self._heard and any(p["type"] == "input_audio" for p in item.get("content", [])):
                count = round(self._heard[item["id"]][1] * self.abilities.heard_tokens_per_second)
                audio += count
                sequence += [(hash(item["id"]) + i) & 0x7FFFFFFF for i in range(count)]
                texts = [p.get("text") or "" for p in item["content"] if p["type"] == "input_text"]
            elif item["id"] in self._spoken:
                count = round(self._spoken[item["id"]] * self.abilities.spoken_tokens_per_second)
                audio += count
                sequence += [(hash(item["id"]) + i) & 0x7FFFFFFF for i in range(count)]
                texts = []
            else:
                texts = [answering.dumps({k: v for k, v in item.items() if k not in ("id", "object", "status")})]
            for text in texts:
                sequence += tokens.encode(text, encoding)
        text_count = len(sequence) - audio
        cached = 0
        if self.deployment.model.prompt_caching:
            cached = self.services.prompt_cache.read_and_keep(self.deployment.name, sequence)
        cached_audio = min(audio, max(cached - len(text_ids), 0))
        return {
            "input_tokens": len(sequence),
            "input_token_details": {
                "text_tokens": text_count,
                "audio_tokens": audio,
                "image_tokens": 0,
                "cached_tokens": cached,
                "cached_tokens_details": {
                    "text_tokens": cached - cached_audio,
                    "audio_tokens": cached_audio,
                    "image_tokens": 0,
                },
            },
        }

    async def _run(self, running: Running, params: events.ResponseParams, given: list[dict[str, Any]]) -> None:
        try:
            await self._produce(running, params, given)
        except SocketClosed:
            pass  # the session is over
        finally:
            if self.response is running:
                self.response = None

    async def _produce(self, running: Running, params: events.ResponseParams, given: list[dict[str, Any]]) -> None:
        cfg = self.config
        instructions = params.instructions if params.instructions is not None else cfg["instructions"]
        tool_defs = (
            [t.model_dump(exclude_none=True) for t in params.tools] if params.tools is not None else cfg["tools"]
        )
        tool_choice = params.tool_choice if params.tool_choice is not None else cfg["tool_choice"]
        if not isinstance(tool_choice, (str, dict)):
            tool_choice = tool_choice.model_dump()
        modalities = params.output_modalities or cfg["output_modalities"]
        limit_value = params.max_output_tokens if params.max_output_tokens is not None else cfg["max_output_tokens"]
        limit = None if limit_value == "inf" else int(limit_value)
        out = cfg["audio"]["output"]
        voice = (
            params.audio.output.voice
            if params.audio and params.audio.output and params.audio.output.voice
            else out["voice"]
        )
        out_format = dict(
            params.audio.output.format.model_dump(exclude_none=True)
            if params.audio and params.audio.output and params.audio.output.format
            else out["format"]
        )
        items = (list(self.items) if running.in_conversation else []) + given
        shell = {
            "object": "realtime.response",
            "id": running.id,
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "conversation_id": "conv_" + cfg["id"][5:] if running.in_conversation else None,
            "output_modalities": modalities,
            "max_output_tokens": limit_value,
            "audio": {"output": {"format": out_format, "voice": voice}},
            "usage": None,
            "metadata": params.metadata,
        }
        await self.emit("response.created", response=copy.deepcopy(shell))
        req = answering.chat_request(self._messages(items, instructions), tool_defs, tool_choice)
        made = answering.answer(
            req,
            self.deployment,
            self.services,
            self.headers,
            self.run_seed,
            limit,
            lambda prefix: f"{prefix}_{ids.hex32()[:21]}",
        )
        usage = self._input_usage(items, instructions, tool_defs)
        spoken = "audio" in modalities
        started = time.monotonic()
        outputs: list[dict[str, Any]] = []
        text_out = audio_out = 0
        for index, output in enumerate(made.outputs):
            if running.cancelled:
                break
            if output.name is not None:
                item = await self._send_call(running, index, output)
                text_out += len(output.token_ids)
            else:
                if spoken:
                    answering.speak(output, voice, out.get("speed") or 1.0, self.services)
                item, said_s = await self._send_message(running, index, output, spoken, out_format, started)
                text_out += len(output.token_ids)
                if spoken:
                    audio_out += round(said_s * self.abilities.spoken_tokens_per_second)
                    self._spoken[item["id"]] = said_s
            outputs.append(item)
        status, details = "completed", None
        if running.cancelled:
            status, details = "cancelled", {"type": "cancelled", "reason": running.cancelled}
        elif made.finish_reason == "length":
            status, details = "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        total_out = text_out + audio_out
        usage = {
            "total_tokens": usage["input_tokens"] + total_out,
            **usage,
            "output_tokens": total_out,
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
        }
        shell.update(status=status, status_details=details, output=outputs, usage=usage)
        limits = None
        try:
            limits = self._charge(usage["total_tokens"])
        except Exception as refused:  # the deployment's quota: the response fails, the session stays
            message = getattr(refused, "message", str(refused))
            shell.update(
                status="failed",
                status_details={
                    "type": "failed",
                    "error": {"type": "rate_limit_exceeded", "code": "rate_limit_exceeded", "message": message},
                },
            )
        self.tokens_used[0] += usage["input_tokens"]
        self.tokens_used[1] += total_out
        await self.emit("response.done", response=shell)
        if limits is not None:
            await self.emit("rate_limits.updated", rate_limits=limits)

    async def _send_call(self, running: Running, index: int, output: answering.Output) -> dict[str, Any]:
        item = {
            "id": output.item_id,
            "type": "function_call",
            "object": "realtime.item",
            "status": "in_progress",
            "name": output.name,
            "call_id": output.call_id,
            "arguments": "",
        }
        where = {"response_id": running.id, "output_index": index}
        await self.emit("response.output_item.added", **where, item=copy.deepcopy(item))
        if running.in_conversation:
            self.items.append(item)
            previous = self.items[-2]["id"] if len(self.items) > 1 else None
            await self.emit("conversation.item.added", previous_item_id=previous, item=copy.deepcopy(item))
        for piece in answering.arguments_pieces(output.arguments or ""):
            await self._pace(running, 1)
            await self.emit(
                "response.function_call_arguments.delta",
                **where,
                item_id=item["id"],
                call_id=output.call_id,
                delta=piece,
            )
        item.update(arguments=output.arguments, status="completed")
        await self.emit(
            "response.function_call_arguments.done",
            **where,
            item_id=item["id"],
            call_id=output.call_id,
            name=output.name,
            arguments=output.arguments,
        )
        await self.emit("response.output_item.done", **where, item=copy.deepcopy(item))
        if running.in_conversation:
            await self.emit("conversation.item.done", item=copy.deepcopy(item))
        return item

    async def _send_message(
        self,
        running: Running,
        index: int,
        output: answering.Output,
        spoken: bool,
        out_format: dict[str, Any],
        started: float,
    ) -> tuple[dict[str, Any], float]:
        item: dict[str, Any] = {
            "id": output.item_id,
            "type": "message",
            "object": "realtime.item",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        where = {"response_id": running.id, "output_index": index}
        part_where = {**where, "item_id": item["id"], "content_index": 0}
        await self.emit("response.output_item.added", **where, item=copy.deepcopy(item))
        if running.in_conversation:
            self.items.append(item)
            previous = self.items[-2]["id"] if len(self.items) > 1 else None
            await self.emit("conversation.item.added", previous_item_id=previous, item=copy.deepcopy(item))
        empty = {"type": "audio", "transcript": ""} if spoken else {"type": "text", "text": ""}
        await self.emit("response.content_part.added", **part_where, part=empty)
        encoding = self.deployment.model.encoding
        pieces = [tokens.decode([t], encoding) for t in output.token_ids]
        said: list[str] = []
        seconds = 0.0
        if spoken:
            assert output.samples is not None
            samples = output.samples
            chunk = int(AUDIO_CHUNK_S * speech.SAMPLE_RATE)
            chunks = max(1, -(-len(samples) // chunk))
            per_chunk = -(-len(pieces) // chunks) if pieces else 0
            for c in range(chunks):
                if running.cancelled:
                    break
                await self._pace_audio(running, started, c * AUDIO_CHUNK_S)
                if running.cancelled:
                    break
                for piece in pieces[c * per_chunk : (c + 1) * per_chunk]:
                    said.append(piece)
                    await self.emit("response.output_audio_transcript.delta", **part_where, delta=piece)
                data = formats.encode(samples[c * chunk : (c + 1) * chunk], out_format.get("type", "audio/pcm"))
                seconds = min((c + 1) * AUDIO_CHUNK_S, len(samples) / speech.SAMPLE_RATE)
                await self.emit(
                    "response.output_audio.delta", **part_where, delta=base64.b64encode(data).decode("ascii")
                )
            transcript = "".join(said)
            await self.emit("response.output_audio.done", **part_where)
            await self.emit("response.output_audio_transcript.done", **part_where, transcript=transcript)
            part: dict[str, Any] = {"type": "audio", "transcript": transcript}
            content: dict[str, Any] = {"type": "output_audio", "transcript": transcript}
        else:
            for p, piece in enumerate(pieces):
                await self._pace(running, 1 if p else 0)
                if running.cancelled:
                    break
                said.append(piece)
                await self.emit("response.output_text.delta", **part_where, delta=piece)
            text = "".join(said)
            await self.emit("response.output_text.done", **part_where, text=text)
            part = {"type": "text", "text": text}
            content = {"type": "output_text", "text": text}
        await self.emit("response.content_part.done", **part_where, part=part)
        item.update(content=[content], status="incomplete" if running.cancelled else "completed")
        await self.emit("response.output_item.done", **where, item=copy.deepcopy(item))
        if running.in_conversation:
            await self.emit("conversation.item.done", item=copy.deepcopy(item))
        return item, seconds

    async def _wait(self, running: Running, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)  # let the client's events (a cancel) in
            return
        try:
            await asyncio.wait_for(running.woken.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _pace(self, running: Running, tokens_written: int) -> None:
        profile = self.profile
        if profile is None:
            await self._wait(running, 0)
            return
        seconds = (
            profile.ttft_ms / 1000 if not tokens_written else (1 / profile.tokens_per_s if profile.tokens_per_s else 0)
        )
        await self._wait(running, seconds)

    async def _pace_audio(self, running: Running, started: float, at_s: float) -> None:
        """Audio goes out as fast as it plays (under a timing profile), after the time to first token."""
        profile = self.profile
        if profile is None:
            await self._wait(running, 0)
            return
        due = started + profile.ttft_ms / 1000 + at_s
        await self._wait(running, due - time.monotonic())

    async def close(self) -> None:
        """The socket closed: what is still running stops."""
        if self.response is not None:
            self.response.cancelled = "client_cancelled"
            self.response.woken.set()
        for task in [*(t for t in [self.response.task if self.response else None] if t), *self.out_of_band]:
            task.cancel()
