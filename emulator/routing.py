"""The outermost ASGI layer: Azure's routes straight to the pipeline, the rest to Starlette.

Azure's routes are a fixed table of three shapes (/openai/deployments/{deployment}/<op>,
/openai/v1/<op>, /openai/<op>), so a dictionary finds the operation without Starlette's
middleware and route matching, which would otherwise cost the hot path a fifth of its time.
The pipeline turns every failure into an Azure response itself, so those layers add nothing
there. Everything else (the admin API, unknown paths) goes to the Starlette app.

This layer also keeps the server's own ``send`` in the scope, for ``connection.abort``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .connection import RAW_SEND
from .operations import Operation

if TYPE_CHECKING:
    from starlette.responses import Response


class Server(Protocol):
    """What answers Azure's routes: the pipeline, or a recorder or replayer."""

    async def serve(self, request: Request, operation: Operation, surface: str) -> Response: ...


_DEPLOYMENTS = "/openai/deployments/"
_V1 = "/openai/v1/"
_ROOT = "/openai/"


class AzureRouter:
    def __init__(
        self,
        pipeline: Server,
        deployment_routes: dict[str, Operation],
        v1_routes: dict[str, Operation],
        root_routes: dict[str, Operation],
        fallback: ASGIApp,
    ) -> None:
        self.pipeline = pipeline
        self._deployment = deployment_routes
        self._v1 = v1_routes
        self._root = root_routes
        self._fallback = fallback

    def match(self, path: str) -> tuple[Operation, str, dict[str, str]] | None:
        """The operation, surface and path parameters of an Azure path, or None."""
        if path.startswith(_DEPLOYMENTS):
            deployment, _, rest = path[len(_DEPLOYMENTS) :].partition("/")
            operation = self._deployment.get(rest) if deployment else None
            return (operation, "deployment", {"deployment": deployment}) if operation else None
        if path.startswith(_V1):
            operation = self._v1.get(path[len(_V1) :])
            return (operation, "v1", {}) if operation else None
        if path.startswith(_ROOT):
            operation = self._root.get(path[len(_ROOT) :])
            return (operation, "deployment", {}) if operation else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RAW_SEND] = send
        found = self.match(scope["path"]) if scope["type"] == "http" else None
        if found is None:
            await self._fallback(scope, receive, send)
            return
        operation, surface, params = found
        scope["path_params"] = params
        response = await self.pipeline.serve(Request(scope, receive, send), operation, surface)
        await response(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        # app.state and the like belong to the Starlette app behind.
        return getattr(self._fallback, name)
