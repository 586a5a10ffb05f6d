"""A realtime session's configuration: what ``session.created`` shows, and how a checked
``session.update`` changes it (the fields given replace theirs; an audio setting given comes
with the service's defaults for what it leaves out)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import ids
from .events import ClientEventError

if TYPE_CHECKING:
    from ..deployments import Deployment
    from . import events

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


def check_update(
    update: dict[str, Any], config: dict[str, Any], deployment: Deployment, voices: tuple[str, ...], spoken: bool
) -> None:
    """What the pydantic model of ``session.update`` cannot check: the model's voices, a
    voice kept once the model has spoken, and the session's model."""
    voice = ((update.get("audio") or {}).get("output") or {}).get("voice")
    if voice is not None and voice not in voices:
        raise ClientEventError(
            f"Invalid value: '{voice}'. Supported values are: " + ", ".join(f"'{v}'" for v in voices) + ".",
            code="invalid_value",
            param="session.audio.output.voice",
        )
    if voice is not None and voice != config["audio"]["output"]["voice"] and spoken:
        raise ClientEventError(
            "Cannot update a conversation's voice if assistant audio is present.",
            code="cannot_update_voice",
            param="session.audio.output.voice",
        )
    model = update.get("model")
    if model is not None and model != deployment.name:
        raise ClientEventError(
            f"Cannot change the session's model from '{deployment.name}' to '{model}'.",
            code="invalid_value",
            param="session.model",
        )


@dataclass
class ResponseSettings:
    """What this response uses: the session's configuration, with the response's overrides."""

    instructions: str
    tool_defs: list[dict[str, Any]]
    tool_choice: Any
    modalities: list[str]
    limit_value: Any
    voice: str
    speed: float
    out_format: dict[str, Any]

    @classmethod
    def of(cls, config: dict[str, Any], params: events.ResponseParams) -> ResponseSettings:
        out = config["audio"]["output"]
        tool_choice = params.tool_choice if params.tool_choice is not None else config["tool_choice"]
        if not isinstance(tool_choice, (str, dict)):
            tool_choice = tool_choice.model_dump()
        given_out = params.audio.output if params.audio and params.audio.output else None
        return cls(
            instructions=params.instructions if params.instructions is not None else config["instructions"],
            tool_defs=(
                [t.model_dump(exclude_none=True) for t in params.tools] if params.tools is not None else config["tools"]
            ),
            tool_choice=tool_choice,
            modalities=list(params.output_modalities or config["output_modalities"]),
            limit_value=params.max_output_tokens
            if params.max_output_tokens is not None
            else config["max_output_tokens"],
            voice=given_out.voice if given_out and given_out.voice else out["voice"],
            speed=out.get("speed") or 1.0,
            out_format=dict(
                given_out.format.model_dump(exclude_none=True) if given_out and given_out.format else out["format"]
            ),
        )

    @property
    def limit(self) -> int | None:
        return None if self.limit_value == "inf" else int(self.limit_value)
