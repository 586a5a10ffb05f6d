"""One realtime response, from ``response.created`` to ``response.done``: the answer chat's
choice maker gives for the conversation, sent as the service sends it (output items, content
parts, text or audio deltas with their transcript, function-call arguments), paced by the
deployment's timing profile, screened by its content filter, and charged to its quota.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import time
from typing import TYPE_CHECKING, Any

from .. import contentfilter, ids, tokens
from ..synth import speech
from . import answer as answering
from . import events, formats
from .config import ResponseSettings
from .running import Running

if TYPE_CHECKING:
    from .session import Session

AUDIO_CHUNK_S = 0.1  # each output_audio.delta carries this much sound


class SocketClosed(Exception):
    """The socket is closed (a fault closed it): nothing more is sent, the session ends."""


class Responder:
    """Sends one response on its session."""

    def __init__(
        self, session: Session, running: Running, params: events.ResponseParams, given: list[dict[str, Any]]
    ) -> None:
        self.session = session
        self.running = running
        self.params = params
        self.given = given
        self.settings = ResponseSettings.of(session.config, params)
        self.where = {"response_id": running.id}
        self.started = time.monotonic()

    async def run(self) -> None:
        session = self.session
        try:
            await self._produce()
        except SocketClosed:
            pass  # the session is over
        finally:
            if session.response is self.running:
                session.response = None

    async def _produce(self) -> None:
        session, running, s = self.session, self.running, self.settings
        conversation = session.conversation
        items = (list(conversation.items) if running.in_conversation else []) + self.given
        shell = {
            "object": "realtime.response",
            "id": running.id,
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "conversation_id": "conv_" + session.config["id"][5:] if running.in_conversation else None,
            "output_modalities": s.modalities,
            "max_output_tokens": s.limit_value,
            "audio": {"output": {"format": s.out_format, "voice": s.voice}},
            "usage": None,
            "metadata": self.params.metadata,
        }
        await session.emit("response.created", response=copy.deepcopy(shell))
        messages = conversation.messages(items, s.instructions)
        usage = conversation.input_usage(items, s.instructions, s.tool_defs, session.deployment, session.services)
        policy = session.deployment.content_filter
        prompt_texts = [m["content"] for m in messages if isinstance(m.get("content"), str) and m["role"] != "tool"]
        outputs: list[dict[str, Any]] = []
        text_out = audio_out = 0
        played_s = 0.0
        finish_reason = "stop"
        if contentfilter.judge_prompt(prompt_texts, policy).blocked:
            running.filtered = True  # the prompt is refused: nothing is said
        else:
            req = answering.chat_request(messages, s.tool_defs, s.tool_choice)
            made = answering.answer(
                req,
                session.deployment,
                session.services,
                session.headers,
                session.run_seed,
                s.limit,
                lambda prefix: f"{prefix}_{ids.hex32()[:21]}",
            )
            finish_reason = made.finish_reason
            if contentfilter.judge_completion(prompt_texts, policy).blocked:
                running.filtered = True
                self._cut(made.outputs)
            spoken = "audio" in s.modalities
            self.started = time.monotonic()
            for index, output in enumerate(made.outputs):
                if running.cancelled:
                    break
                text_out += len(output.token_ids)
                if output.name is not None:
                    outputs.append(await self._send_call(index, output))
                    continue
                if spoken:
                    answering.speak(output, s.voice, s.speed, session.services)
                item, said_s = await self._send_message(index, output, spoken)
                if spoken:
                    audio_out += round(said_s * session.abilities.spoken_tokens_per_second)
                    conversation.spoken[item["id"]] = said_s
                    played_s += said_s
                outputs.append(item)
        status, details = "completed", None
        if running.cancelled:
            status, details = "cancelled", {"type": "cancelled", "reason": running.cancelled}
        elif running.filtered:
            status, details = "incomplete", {"type": "incomplete", "reason": "content_filter"}
        elif finish_reason == "length":
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
            limits = session.charge(usage["total_tokens"])
        except Exception as refused:  # the deployment's quota: the response fails, the session stays
            message = getattr(refused, "message", str(refused))
            shell.update(
                status="failed",
                status_details={
                    "type": "failed",
                    "error": {"type": "rate_limit_exceeded", "code": "rate_limit_exceeded", "message": message},
                },
            )
        session.tokens_used[0] += usage["input_tokens"]
        session.tokens_used[1] += total_out
        session.tokens_used[2] += usage["input_token_details"]["cached_tokens"]
        await session.emit("response.done", response=shell)
        if running.in_conversation and not running.cancelled:
            session.idle.arm(played_s)
        if limits is not None:
            await session.emit("rate_limits.updated", rate_limits=limits)

    def _cut(self, outputs: list[answering.Output]) -> None:
        """The answer as far as the filter lets it go: the first message cut where the filter
        acts, nothing after it; function calls are withheld."""
        encoding = self.session.deployment.model.encoding
        for at, output in enumerate(outputs):
            if output.name is None:
                keep = output.token_ids[: contentfilter.cut_point(len(output.token_ids))]
                output.token_ids, output.text = keep, tokens.decode(keep, encoding)
                del outputs[at + 1 :]
                del outputs[:at]
                return
        outputs.clear()

    async def _added(self, index: int, item: dict[str, Any]) -> None:
        session = self.session
        await session.emit("response.output_item.added", **self.where, output_index=index, item=copy.deepcopy(item))
        if self.running.in_conversation:
            previous = session.conversation.insert(item)
            await session.emit("conversation.item.added", previous_item_id=previous, item=copy.deepcopy(item))

    async def _done(self, index: int, item: dict[str, Any]) -> None:
        session = self.session
        await session.emit("response.output_item.done", **self.where, output_index=index, item=copy.deepcopy(item))
        if self.running.in_conversation:
            await session.emit("conversation.item.done", item=copy.deepcopy(item))

    async def _send_call(self, index: int, output: answering.Output) -> dict[str, Any]:
        session = self.session
        item = {
            "id": output.item_id,
            "type": "function_call",
            "object": "realtime.item",
            "status": "in_progress",
            "name": output.name,
            "call_id": output.call_id,
            "arguments": "",
        }
        await self._added(index, item)
        where = {**self.where, "output_index": index, "item_id": item["id"], "call_id": output.call_id}
        for piece in answering.arguments_pieces(output.arguments or ""):
            await self._pace(1)
            await session.emit("response.function_call_arguments.delta", **where, delta=piece)
        item.update(arguments=output.arguments, status="completed")
        await session.emit(
            "response.function_call_arguments.done", **where, name=output.name, arguments=output.arguments
        )
        await self._done(index, item)
        return item

    async def _send_message(self, index: int, output: answering.Output, spoken: bool) -> tuple[dict[str, Any], float]:
        session, running = self.session, self.running
        item: dict[str, Any] = {
            "id": output.item_id,
            "type": "message",
            "object": "realtime.item",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        where = {**self.where, "output_index": index, "item_id": item["id"], "content_index": 0}
        await self._added(index, item)
        empty = {"type": "audio", "transcript": ""} if spoken else {"type": "text", "text": ""}
        await session.emit("response.content_part.added", **where, part=empty)
        encoding = session.deployment.model.encoding
        pieces = [tokens.decode([t], encoding) for t in output.token_ids]
        said: list[str] = []
        seconds = 0.0
        if spoken:
            assert output.samples is not None
            samples = output.samples
            chunk = int(AUDIO_CHUNK_S * speech.SAMPLE_RATE)
            chunks = max(1, -(-len(samples) // chunk))
            per_chunk = -(-len(pieces) // chunks) if pieces else 0
            kind = self.settings.out_format.get("type", "audio/pcm")
            for c in range(chunks):
                await self._pace_audio(c * AUDIO_CHUNK_S)
                if running.cancelled:
                    break
                for piece in pieces[c * per_chunk : (c + 1) * per_chunk]:
                    said.append(piece)
                    await session.emit("response.output_audio_transcript.delta", **where, delta=piece)
                data = formats.encode(samples[c * chunk : (c + 1) * chunk], kind)
                seconds = min((c + 1) * AUDIO_CHUNK_S, len(samples) / speech.SAMPLE_RATE)
                await session.emit("response.output_audio.delta", **where, delta=base64.b64encode(data).decode("ascii"))
            transcript = "".join(said)
            await session.emit("response.output_audio.done", **where)
            await session.emit("response.output_audio_transcript.done", **where, transcript=transcript)
            part: dict[str, Any] = {"type": "audio", "transcript": transcript}
            content: dict[str, Any] = {"type": "output_audio", "transcript": transcript}
        else:
            for p, piece in enumerate(pieces):
                await self._pace(1 if p else 0)
                if running.cancelled:
                    break
                said.append(piece)
                await session.emit("response.output_text.delta", **where, delta=piece)
            text = "".join(said)
            await session.emit("response.output_text.done", **where, text=text)
            part = {"type": "text", "text": text}
            content = {"type": "output_text", "text": text}
        await session.emit("response.content_part.done", **where, part=part)
        cut = running.cancelled or running.filtered
        item.update(content=[content], status="incomplete" if cut else "completed")
        await self._done(index, item)
        return item, seconds

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)  # let the client's events (a cancel) in
            return
        await self.running.pause(seconds)

    async def _pace(self, tokens_written: int) -> None:
        profile = self.session.profile
        if profile is None:
            await self._wait(0)
            return
        if not tokens_written:
            await self._wait(profile.ttft_ms / 1000)
        else:
            await self._wait(1 / profile.tokens_per_s if profile.tokens_per_s else 0)

    async def _pace_audio(self, at_s: float) -> None:
        """Audio goes out as fast as it plays (under a timing profile), after the time to first token."""
        profile = self.session.profile
        if profile is None:
            await self._wait(0)
            return
        due = self.started + profile.ttft_ms / 1000 + at_s
        await self._wait(due - time.monotonic())
