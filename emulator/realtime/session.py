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
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ids
from . import answer as answering
from . import events, formats, transcript
from .config import check_update, initial_session, merge
from .conversation import Conversation
from .events import ClientEventError
from .idle import IdleTimeout
from .listener import Listener, Started, words_in
from .responder import Responder, SocketClosed
from .running import Running

if TYPE_CHECKING:
    from ..context import Services
    from ..deployments import Deployment
    from ..timing import TimingProfile

__all__ = ["Session", "SocketClosed"]


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
        self.charge = charge  # tokens -> rate_limits list, or raises RateLimited
        abilities = deployment.model.realtime
        assert abilities is not None
        self.abilities = abilities
        self.config = initial_session(deployment, abilities.voices[0])
        if configured is not None:  # what the client secret it connects with was made for
            merge(self.config, configured)
        self.conversation = Conversation(self._hear)
        self.listener = Listener(self.config["audio"]["input"])
        self.idle = IdleTimeout(self)
        self.response: Running | None = None
        self.background: set[asyncio.Task[None]] = set()  # out-of-band responses, the idle timeout
        self.server_counts: Counter[str] = Counter()
        self.client_counts: Counter[str] = Counter()
        self.tokens_used = [0, 0, 0]  # input, output, and the input's cached tokens
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
        check_update(update, self.config, self.deployment, self.abilities.voices, bool(self.conversation.spoken))
        audio = (update.get("audio") or {}).get("input") or {}
        merge(self.config, update)
        if "format" in audio or "turn_detection" in audio:
            self.listener.configure(self.config["audio"]["input"])
            self.idle.disarm()
        await self.emit("session.updated", session=copy.deepcopy(self.config))

    async def _on_input_audio_buffer_append(self, event: events.BufferAppend) -> None:
        try:
            data = base64.b64decode(event.audio, validate=True)
        except (binascii.Error, ValueError):
            raise ClientEventError(
                "Invalid 'audio'. Expected base64-encoded audio bytes.", code="invalid_value", param="audio"
            ) from None
        detection = self.config["audio"]["input"]["turn_detection"]
        for found in self.listener.append(formats.decode(data, self.listener.format)):
            if isinstance(found, Started):
                self.idle.disarm()
                await self.emit(
                    "input_audio_buffer.speech_started", audio_start_ms=found.audio_start_ms, item_id=found.item_id
                )
                if self.response is not None and detection.get("interrupt_response", True):
                    await self._cancel(self.response, "turn_detected")
                continue
            await self.emit("input_audio_buffer.speech_stopped", audio_end_ms=found.audio_end_ms, item_id=found.item_id)
            await self.commit_audio(found.samples, found.item_id)
            if detection.get("create_response", True) and self.response is None:
                await self.respond(events.ResponseParams())

    async def _on_input_audio_buffer_commit(self, event: events.ClientEvent) -> None:
        held_ms = self.listener.held_ms
        if held_ms < 100:
            raise ClientEventError(
                f"Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                f"but buffer only has {held_ms:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
                param=None,
            )
        await self.commit_audio(*self.listener.take())

    async def _on_input_audio_buffer_clear(self, event: events.ClientEvent) -> None:
        self.listener.clear()
        await self.emit("input_audio_buffer.cleared")

    async def _on_conversation_item_create(self, event: events.ItemCreate) -> None:
        conversation = self.conversation
        item = conversation.item_from(event.item, "item")
        previous = event.previous_item_id
        if previous is not None and previous != "root" and conversation.index(previous) is None:
            raise ClientEventError(
                f"Error adding item: the previous item with id '{previous}' does not exist.",
                code="item_not_found",
                param="previous_item_id",
            )
        if conversation.index(item["id"]) is not None:
            raise ClientEventError(
                f"Item with id '{item['id']}' already exists.", code="item_already_exists", param="item.id"
            )
        await self._add(item, previous)

    async def _on_conversation_item_retrieve(self, event: events.ItemRetrieve) -> None:
        conversation = self.conversation
        item = copy.deepcopy(conversation.items[conversation.found(event.item_id)])
        await self.emit("conversation.item.retrieved", item=item)

    async def _on_conversation_item_truncate(self, event: events.ItemTruncate) -> None:
        self.conversation.truncate(event.item_id, event.content_index, event.audio_end_ms)
        await self.emit(
            "conversation.item.truncated",
            item_id=event.item_id,
            content_index=event.content_index,
            audio_end_ms=event.audio_end_ms,
        )

    async def _on_conversation_item_delete(self, event: events.ItemDelete) -> None:
        conversation = self.conversation
        del conversation.items[conversation.found(event.item_id)]
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
        await self.respond(params)

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

    async def _add(self, item: dict[str, Any], previous: str | None = None) -> None:
        before = self.conversation.insert(item, previous)
        await self.emit("conversation.item.added", previous_item_id=before, item=copy.deepcopy(item))
        await self.emit("conversation.item.done", previous_item_id=before, item=copy.deepcopy(item))

    # -- input audio ---------------------------------------------------------------------

    def _hear(self, data: bytes) -> tuple[str, float]:
        """An item's audio (in the input format): what it says, and how long it lasts."""
        samples = formats.decode(data, self.listener.format)
        return self._recognise(samples), len(samples) / self.listener.rate

    def _recognise(self, samples: np.ndarray) -> str:
        return words_in(samples, self.listener.rate, self.services, self.deployment.model.encoding)

    async def commit_audio(self, samples: np.ndarray, item_id: str) -> None:
        previous = self.conversation.last_id
        await self.emit("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id)
        words = self._recognise(samples)
        seconds = len(samples) / self.listener.rate
        self.conversation.heard[item_id] = (words, seconds)
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
            await transcript.send(self, item, words, seconds, transcription["model"])

    # -- responses -----------------------------------------------------------------------

    async def respond(self, params: events.ResponseParams) -> None:
        # The response's own input is checked here, so a bad item is an error event for the
        # client's response.create rather than a response that never ends.
        given: list[dict[str, Any]] = []
        for g, item in enumerate(params.input or []):
            if isinstance(item, events.ItemReference):
                given.append(self.conversation.items[self.conversation.found(item.id)])
            else:
                given.append(self.conversation.item_from(item, f"response.input[{g}]"))
        self.idle.disarm()
        running = Running(f"resp_{ids.hex32()[:21]}", in_conversation=params.conversation != "none")
        if running.in_conversation:
            self.response = running
        work = Responder(self, running, params, given).run()
        if running.in_conversation:
            running.task = asyncio.get_running_loop().create_task(work)
        else:
            self.in_background(work)

    async def _cancel(self, running: Running, reason: str) -> None:
        running.cancel(reason)
        if running.task is not None:
            await asyncio.shield(running.task)

    def in_background(self, work: Any) -> None:
        """A task the session runs beside its events, cancelled when it closes."""
        task = asyncio.get_running_loop().create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def close(self) -> None:
        """The socket closed: what is still running stops."""
        self.idle.disarm()
        if self.response is not None:
            self.response.cancel("client_cancelled")
        for task in [*(t for t in [self.response.task if self.response else None] if t), *self.background]:
            task.cancel()
