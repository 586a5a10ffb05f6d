"""The Starlette app: the routes table is the emulator's table of contents."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import tokens
from .admin import Admin, admin_error
from .deployments import DeploymentTable
from .operations import OPERATIONS, Operation
from .pipeline import Pipeline
from .recording import Recorder, Replayer
from .routing import AzureRouter, Server
from .settings import Settings
from .synth import embeddings
from .versions import load_catalog

# Routes take every method, so a wrong one gets an answer in the right shape (Azure's 404,
# the admin API's 405) rather than Starlette's plain one.
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


# The Azure surface, by its three shapes of path: path after /openai/deployments/{deployment}/,
# after /openai/v1/, and after /openai/ -> the operation. A `{id}` segment stands for any
# one segment; operations on the same path differ by method (emulator/routing.py).
DEPLOYMENT_ROUTES = {path: op for op, path in OPERATION_PATHS.items()}
# Operations that name no deployment in their path: on v1 and on the dated root.
RESOURCE_ROUTES: dict[str, str | list[str]] = {
    "responses": "responses",
    "responses/{id}": ["responses_get", "responses_delete"],
    "responses/{id}/input_items": "responses_input_items",
    "models": "models_list",
    "models/{id}": "models_get",
    "files": ["files_upload", "files_list"],
    "files/{id}": ["files_get", "files_delete"],
    "files/{id}/content": "files_content",
    "batches": ["batches_create", "batches_list"],
    "batches/{id}": "batches_get",
    "batches/{id}/cancel": "batches_cancel",
}
V1_ROUTES: dict[str, str | list[str]] = {**DEPLOYMENT_ROUTES, **RESOURCE_ROUTES}
ROOT_ROUTES: dict[str, str | list[str]] = dict(RESOURCE_ROUTES)


def build_app(settings: Settings) -> AzureRouter:
    pipeline = Pipeline(settings, load_catalog(), DeploymentTable(settings))
    warmed = threading.Event()
    admin = Admin(pipeline.faults, pipeline.journal, pipeline.replies, warmed, pipeline.memo.clear)

    # Azure's routes are dispatched by AzureRouter (emulator/routing.py) from the tables
    # above; Starlette serves the emulator's own endpoints and answers everything else.
    routes = [
        Route("/_emulator/health", admin.health, methods=ANY_METHOD),
        Route("/_emulator/scenarios", admin.scenarios, methods=ANY_METHOD),
        Route("/_emulator/scenarios/active", admin.active, methods=ANY_METHOD),
        Route("/_emulator/scenarios/reset", admin.reset, methods=ANY_METHOD),
        Route("/_emulator/scenarios/{name}", admin.scenario, methods=["GET"]),
        Route("/_emulator/replies", admin.scripted_replies, methods=ANY_METHOD),
        Route("/_emulator/metrics", pipeline.metrics.serve, methods=ANY_METHOD),
        Route("/_emulator/requests", admin.requests, methods=ANY_METHOD),
        Route("/_emulator/requests/{id}", admin.request, methods=["GET"]),
        # Generated images' links (response_format: url), as Azure's blob storage serves them.
        Route("/_emulator/blobs/private/{path:path}", pipeline.blobs.serve, methods=ANY_METHOD),
        Route("/_emulator/{path:path}", admin.unknown, methods=ANY_METHOD),
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
        warmed.set()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Load the tokenizers beside start-up rather than on the first request.
        threading.Thread(target=warm_up, name="tokenizer-warm-up", daemon=True).start()
        yield

    app = Starlette(routes=routes, exception_handlers={HTTPException: admin_http_error}, lifespan=lifespan)
    app.state.pipeline = pipeline
    app.state.settings = settings
    app.state.warmed = warmed  # set once start-up loading is done (emulator/embedded.py waits)

    def table(paths: Mapping[str, str | list[str]]) -> dict[str, list[Operation]]:
        return {
            path: [OPERATIONS[op] for op in ([ops] if isinstance(ops, str) else ops)] for path, ops in paths.items()
        }

    router_tables = (table(DEPLOYMENT_ROUTES), table(V1_ROUTES), table(ROOT_ROUTES))
    server: Server = pipeline
    if settings.record_upstream and settings.record_dir:
        server = Recorder(settings.record_upstream, settings.record_dir)
    elif settings.replay_dir:
        server = Replayer(settings.replay_dir, settings.replay_timing)
    router = AzureRouter(server, *router_tables, app)
    # Batch jobs send their lines through the whole app, as a client would.
    pipeline.services.batches.app = router
    return router
