"""The outermost ASGI layer: Azure's routes straight to the pipeline, the rest to Starlette.

Azure's routes are a fixed table of three shapes (/openai/deployments/{deployment}/<op>,
/openai/v1/<op>, /openai/<op>), so a dictionary finds the operation without Starlette's
middleware and route matching, which would otherwise cost the hot path a fifth of its time.
The pipeline turns every failure into an Azure response itself, so those layers add nothing
there. Everything else (the admin API, unknown paths) goes to the Starlette app.

This layer also keeps the server's own ``send`` in the scope, for ``connection.abort``.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from .connection import RAW_SEND
from .context import Operation
from .delivery import error_response
from .errors import ResourceNotFound
from .operations import UNKNOWN_ROUTE


class Server(Protocol):
    """What answers Azure's routes: the pipeline (which sends the whole answer itself, so it
    can record the request once it is over), or a recorder or replayer (which record
    nothing: they stand in for the whole emulator)."""

    async def serve(self, scope: Scope, receive: Receive, send: Send, operation: Operation, surface: str) -> None: ...


_DEPLOYMENTS = "/openai/deployments/"
_V1 = "/openai/v1/"
_ROOT = "/openai/"
_ADMIN = "/_emulator/"


class _Table:
    """One shape of path: exact paths in a dictionary (the hot path), and the few with named
    segments (``{id}``, ``{file_id}``) as templates."""

    def __init__(self, routes: dict[str, list[Operation]]) -> None:
        self.exact = {path: ops for path, ops in routes.items() if "{" not in path}
        self.templates = [(path.split("/"), ops) for path, ops in routes.items() if "{" in path]

    def find(self, rest: str) -> tuple[list[Operation], dict[str, str]] | None:
        found = self.exact.get(rest)
        if found is not None:
            return found, {}
        parts = rest.split("/")
        for template, ops in self.templates:
            if len(template) == len(parts) and all(t == p or (t[:1] == "{" and p) for t, p in zip(template, parts)):
                return ops, {t[1:-1]: p for t, p in zip(template, parts) if t[:1] == "{"}
        return None


def _by_method(ops: list[Operation], method: str) -> Operation:
    # Operations sharing a path differ by method. Azure's gateway matches method and path
    # together, so another method is a route it does not have (its 404, journaled as such);
    # a browser's preflight (OPTIONS) belongs to the route it asks about.
    if method == "OPTIONS":
        return ops[0]
    return next((op for op in ops if op.method == method), UNKNOWN_ROUTE)


class AzureRouter:
    def __init__(
        self,
        pipeline: Server,
        deployment_routes: dict[str, list[Operation]],
        v1_routes: dict[str, list[Operation]],
        root_routes: dict[str, list[Operation]],
        fallback: ASGIApp,
        refusals: Server | None = None,
        realtime: Server | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.realtime = realtime  # the Realtime API's WebSockets (emulator/realtime/)
        # What answers a route Azure does not have: the pipeline's 404, even when recording or
        # replaying (nothing to forward, nothing recorded).
        self._refusals = refusals or pipeline
        self._deployment = _Table(deployment_routes)
        self._v1 = _Table(v1_routes)
        self._root = _Table(root_routes)
        self._fallback = fallback

    def match(self, path: str, method: str = "POST") -> tuple[Operation, str, dict[str, str]] | None:
        """The operation, surface and path parameters of an Azure path, or None."""
        if path.startswith(_DEPLOYMENTS):
            deployment, _, rest = path[len(_DEPLOYMENTS) :].partition("/")
            found = self._deployment.find(rest) if deployment else None
            surface, params = "deployment", {"deployment": deployment}
        elif path.startswith(_V1):
            found = self._v1.find(path[len(_V1) :])
            surface, params = "v1", {}
        elif path.startswith(_ROOT):
            found = self._root.find(path[len(_ROOT) :])
            surface, params = "root", {}
        else:
            return None
        if found is None:
            return None
        ops, ids = found
        if ids:
            params = {**params, **ids}
        return _by_method(ops, method), surface, params

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RAW_SEND] = send
        try:
            await self._route(scope, receive, send)
        finally:
            # The server's send holds its request cycle, which holds this scope: left here,
            # the pair (and all the request reached) would wait for the garbage collector,
            # whose full collections then stall a busy server for tens of milliseconds.
            del scope[RAW_SEND]

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        found = self.match(scope["path"], scope["method"]) if scope["type"] == "http" else None
        if found is None:
            if scope["type"] == "http" and not scope["path"].startswith(_ADMIN):
                # Not an Azure route: Azure's 404, through the pipeline (and the journal).
                surface = "v1" if scope["path"].startswith(_V1) else "root"
                await self._refusals.serve(scope, receive, send, UNKNOWN_ROUTE, surface)
                return
            await self._fallback(scope, receive, send)
            return
        operation, surface, params = found
        scope["path_params"] = params
        server = self._refusals if operation is UNKNOWN_ROUTE else self.pipeline
        await server.serve(scope, receive, send, operation, surface)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket: the Realtime API's route, or Azure's 404 before the upgrade."""
        found = self.match(scope["path"], "GET")
        if found is None or self.realtime is None or found[0].name != "realtime":
            refusal = error_response(ResourceNotFound(), {})
            await send({"type": "websocket.http.response.start", "status": 404, "headers": refusal.raw_headers})
            await send({"type": "websocket.http.response.body", "body": refusal.body})
            return
        operation, surface, params = found
        scope["path_params"] = params
        await self.realtime.serve(scope, receive, send, operation, surface)

    def __getattr__(self, name: str) -> Any:
        # app.state and the like belong to the Starlette app behind.
        return getattr(self._fallback, name)
