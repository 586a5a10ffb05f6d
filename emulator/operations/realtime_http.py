"""The Realtime API's HTTP side: its route asked without a WebSocket upgrade (a 400 saying
how to connect; the session lives in emulator/realtime/), and the ephemeral client secrets
browsers connect with."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import ids
from ..context import RequestContext
from ..delivery import JsonReply, Reply
from ..errors import InvalidRequest
from ..realtime.config import initial_session, merge
from ..realtime.events import SessionConfig
from ..validation import parse_json_body, validated
from ..wording import invalid_value
from . import resource


def _plain_get(ctx: RequestContext, body: Any) -> Reply:
    raise InvalidRequest(
        "The Realtime API is served over WebSocket: connect with an upgrade request (wss://).",
        param=None,
        code="websocket_upgrade_required",
    )


PLAIN_GET = resource(_plain_get)


class ExpiresAfter(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    anchor: Literal["created_at"] = "created_at"
    seconds: int = Field(default=600, ge=10, le=7200)


class SecretSession(SessionConfig):
    model: str  # the realtime deployment the secret opens


class ClientSecretRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    session: SecretSession
    expires_after: ExpiresAfter | None = None


def _client_secrets(ctx: RequestContext, raw: bytes) -> Reply:
    """An ephemeral key a browser connects with (``Authorization: Bearer ek_...``), good for
    ``expires_after.seconds`` (10 minutes unless asked), with the session it was made for."""
    from . import OPERATIONS  # the table this module is a row of

    req = validated(ClientSecretRequest, parse_json_body(raw), False)
    deployment = ctx.services.deployments.serving(req.session.model, OPERATIONS["realtime"])
    abilities = deployment.model.realtime
    assert abilities is not None
    update = req.session.model_dump(exclude_unset=True)
    voice = ((update.get("audio") or {}).get("output") or {}).get("voice")
    if voice is not None and voice not in abilities.voices:
        raise invalid_value("session.audio.output.voice", voice, abilities.voices)
    session = initial_session(deployment, abilities.voices[0])
    merge(session, update)
    seconds = req.expires_after.seconds if req.expires_after else 600
    expires_at = int(time.time()) + seconds
    value = f"ek_{ids.hex32()}"
    ctx.services.realtime_secrets.put(value, expires_at, update)
    return JsonReply({"value": value, "expires_at": expires_at, "session": session})


CLIENT_SECRETS = resource(_client_secrets)
