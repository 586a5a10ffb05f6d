"""A realtime session's conversation: its items in order, what each user audio said and how
long the model spoke, the items a client sends checked as the service checks them, and the
conversation read as chat messages with its exact prompt usage."""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import TYPE_CHECKING, Any, Callable

from .. import ids, tokens
from . import answer as answering
from . import events
from .events import ClientEventError

if TYPE_CHECKING:
    from ..context import Services
    from ..deployments import Deployment

_ALLOWED_PARTS = {
    "user": ("input_text", "input_audio", "input_image"),
    "system": ("input_text",),
    "assistant": ("output_text", "output_audio"),
}


def new_item_id() -> str:
    return f"item_{ids.hex32()[:21]}"


def _missing(where: str, name: str) -> ClientEventError:
    return ClientEventError(
        f"Missing required parameter: '{where}.{name}'.", code="missing_required_parameter", param=f"{where}.{name}"
    )


class Conversation:
    def __init__(self, hear: Callable[[bytes], tuple[str, float]]) -> None:
        self._hear = hear  # audio bytes in the input format -> (words, seconds)
        self.items: list[dict[str, Any]] = []
        self.heard: dict[str, tuple[str, float]] = {}  # item id -> (words, seconds) of user audio
        self.spoken: dict[str, float] = {}  # item id -> seconds of the model's audio

    @property
    def last_id(self) -> str | None:
        return self.items[-1]["id"] if self.items else None

    def index(self, item_id: str) -> int | None:
        return next((i for i, item in enumerate(self.items) if item["id"] == item_id), None)

    def found(self, item_id: str) -> int:
        index = self.index(item_id)
        if index is None:
            raise ClientEventError(f"Item with item_id not found: {item_id}", code="item_not_found", param="item_id")
        return index

    def truncate(self, item_id: str, content_index: int, audio_end_ms: int) -> None:
        """An assistant's spoken answer cut where the user stopped hearing it: the model will
        remember only the words heard by then."""
        item = self.items[self.found(item_id)]
        if item.get("role") != "assistant" or content_index >= len(item.get("content") or []):
            raise ClientEventError(
                "Only the audio of an assistant message can be truncated.", code="invalid_value", param="content_index"
            )
        seconds = self.spoken.get(item["id"], 0.0)
        if audio_end_ms > seconds * 1000:
            raise ClientEventError(
                f"Audio content of {seconds * 1000:.0f}ms is already shorter than {audio_end_ms}ms",
                code="invalid_value",
                param="audio_end_ms",
            )
        part = item["content"][content_index]
        heard = audio_end_ms / 1000 / seconds if seconds else 0.0
        words = (part.get("transcript") or "").split()
        part["transcript"] = " ".join(words[: round(len(words) * heard)])
        self.spoken[item["id"]] = audio_end_ms / 1000

    def insert(self, item: dict[str, Any], previous: str | None = None) -> str | None:
        """The item after ``previous`` ("root": first; None: last); the id of the one before it."""
        if previous == "root":
            self.items.insert(0, item)
            return None
        if previous is not None:
            self.items.insert(self.found(previous) + 1, item)
            return previous
        before = self.last_id
        self.items.append(item)
        return before

    def item_from(self, given: events.Item, where: str) -> dict[str, Any]:
        """A client's item as the conversation keeps it, or the error the service gives."""
        item_id = given.id or new_item_id()
        item: dict[str, Any] = {"id": item_id, "type": given.type, "object": "realtime.item", "status": "completed"}
        if given.type == "message":
            if given.role is None or not given.content:
                raise _missing(where, "role" if given.role is None else "content")
            allowed = _ALLOWED_PARTS[given.role]
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
                raise _missing(where, "name" if given.name is None else "arguments")
            item.update(name=given.name, arguments=given.arguments, call_id=given.call_id or f"call_{ids.hex32()[:16]}")
        else:
            if given.call_id is None or given.output is None:
                raise _missing(where, "call_id" if given.call_id is None else "output")
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
        self.heard[item_id] = self._hear(data)
        return {"type": "input_audio", "transcript": part.transcript}

    def texts(self, item: dict[str, Any]) -> list[str]:
        """What a message says, its audio as heard."""
        words = []
        for part in item.get("content") or []:
            if part["type"] == "input_audio":
                words.append(self.heard.get(item["id"], ("", 0.0))[0])
            else:
                words.append(part.get("text") or part.get("transcript") or "")
        return [w for w in words if w]

    def messages(self, items: list[dict[str, Any]], instructions: str) -> list[dict[str, Any]]:
        """The items as chat messages, for chat's choice maker."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": instructions}] if instructions else []
        for item in items:
            if item["type"] == "function_call":
                call = {
                    "id": item["call_id"],
                    "type": "function",
                    "function": {"name": item["name"], "arguments": item["arguments"]},
                }
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            elif item["type"] == "function_call_output":
                messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": item["output"]})
            else:
                messages.append({"role": item["role"], "content": " ".join(self.texts(item))})
        return messages

    def input_usage(
        self,
        items: list[dict[str, Any]],
        instructions: str,
        tool_defs: list[dict[str, Any]],
        deployment: Deployment,
        services: Services,
    ) -> dict[str, Any]:
        """The prompt's tokens, text and audio, and how many of them the prompt cache held."""
        abilities = deployment.model.realtime
        assert abilities is not None
        encoding = deployment.model.encoding
        text_ids = tokens.encode(instructions + answering.dumps(tool_defs) if tool_defs else instructions, encoding)
        audio = 0
        sequence: list[int] = list(text_ids)
        for item in items:
            if item["id"] in self.heard and any(p["type"] == "input_audio" for p in item.get("content", [])):
                count = round(self.heard[item["id"]][1] * abilities.heard_tokens_per_second)
                texts = [p.get("text") or "" for p in item["content"] if p["type"] == "input_text"]
            elif item["id"] in self.spoken:
                count = round(self.spoken[item["id"]] * abilities.spoken_tokens_per_second)
                texts = []
            else:
                count = 0
                texts = [answering.dumps({k: v for k, v in item.items() if k not in ("id", "object", "status")})]
            audio += count
            # Stand-ins for the audio's tokens, the same for the same item in every process, so the
            # prompt cache sees them.
            base = zlib.crc32(item["id"].encode())
            sequence += [(base + i) & 0x7FFFFFFF for i in range(count)]
            for text in texts:
                sequence += tokens.encode(text, encoding)
        cached = 0
        if deployment.model.prompt_caching:
            cached = services.prompt_cache.read_and_keep(deployment.name, sequence)
        cached_audio = min(audio, max(cached - len(text_ids), 0))
        return {
            "input_tokens": len(sequence),
            "input_token_details": {
                "text_tokens": len(sequence) - audio,
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
