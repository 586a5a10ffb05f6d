"""The Starlette app: the routes table is the emulator's table of contents."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import tokens
from .admin import Admin, admin_error
from .connection import KeepRawSend
from .deployments import DeploymentTable
from .operations import OPERATIONS
from .pipeline import Pipeline
from .settings import Settings
from .synth import embeddings
from .versions import load_catalog

Endpoint = Callable[[Request], Awaitable[Response]]
# Azure routes take every method so a wrong one reaches the pipeline and gets Azure's 404,
# rather than Starlette's plain 405.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# Operation -> its path after /openai/deployments/{deployment}/ and after /openai/v1/.
OPERATION_PATHS = {
    "chat_completions": "chat/completions",
    "completions": "completions",
    "embeddings": "embeddings",
    "transcriptions": "audio/transcriptions",
    "translations": "audio/translations",
    "speech": "audio/speech",
    "image_generations": "images/generations",
    "image_edits": "images/edits",
}


def build_app(settings: Settings) -> KeepRawSend:
    pipeline = Pipeline(settings, load_catalog(), DeploymentTable(settings))

    def azure(operation: str, surface: str) -> Endpoint:
        op = OPERATIONS[operation]

        async def endpoint(request: Request) -> Response:
            return await pipeline.serve(request, op, surface)

        return endpoint

    admin = Admin(pipeline.faults)

    routes = [
        # The dated surface: /openai/deployments/{deployment}/...?api-version=...
        *[
            Route(f"/openai/deployments/{{deployment}}/{path}", azure(op, "deployment"), methods=ANY_METHOD)
            for op, path in OPERATION_PATHS.items()
        ],
        Route("/openai/responses", azure("responses", "deployment"), methods=ANY_METHOD),
        # The v1 surface: /openai/v1/... with the deployment in the body's `model`.
        *[Route(f"/openai/v1/{path}", azure(op, "v1"), methods=ANY_METHOD) for op, path in OPERATION_PATHS.items()],
        Route("/openai/v1/responses", azure("responses", "v1"), methods=ANY_METHOD),
        # The emulator's own endpoints.
        Route("/_emulator/health", admin.health, methods=ANY_METHOD),
        Route("/_emulator/scenarios", admin.scenarios, methods=ANY_METHOD),
        Route("/_emulator/scenarios/active", admin.active, methods=ANY_METHOD),
        Route("/_emulator/scenarios/reset", admin.reset, methods=ANY_METHOD),
        Route("/_emulator/scenarios/{name}", admin.scenario, methods=["GET"]),
        # Everything else is a resource Azure does not have.
        Route("/{path:path}", pipeline.not_found, methods=ANY_METHOD),
    ]

    async def admin_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return admin_error(exc.status_code, exc.detail)

    def warm_up() -> None:
        tokens.warm_up()
        embeddings.warm_up()
        # Everything loaded so far (modules, catalogs, vocabularies) lives as long as the
        # process; moving it out of the collector's sight keeps full collections cheap.
        gc.freeze()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Load the tokenizers beside start-up rather than on the first request.
        threading.Thread(target=warm_up, name="tokenizer-warm-up", daemon=True).start()
        yield

    app = Starlette(routes=routes, exception_handlers={HTTPException: admin_http_error}, lifespan=lifespan)
    app.state.pipeline = pipeline
    app.state.settings = settings
    return KeepRawSend(app)
