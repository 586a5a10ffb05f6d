"""The Starlette app: the routes table is the emulator's table of contents."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import tokens, ui
from .admin import Admin, admin_error
from .batch_runner import BatchRunner
from .context import Operation, Services
from .dashboard_api import DashboardApi
from .deployments import DeploymentTable
from .fine_tuning.runner import FineTuningRunner
from .imagelinks import ImageLinks
from .operations import OPERATIONS, SURFACES
from .operations.responses.background import BackgroundClock
from .pipeline import Pipeline
from .realtime.server import RealtimeServer
from .recording import Recorder, Replayer
from .replies import ScriptedReplies
from .routing import AzureRouter, Server
from .settings import Settings
from .stores.batches import MemoryBatchStore
from .stores.blobs import MemoryBlobStore
from .stores.chat_audio import MemoryChatAudioStore
from .stores.completions import MemoryCompletionStore
from .stores.files import LocalFileStore
from .stores.fine_tuning import MemoryFineTuningStore
from .stores.prompt_cache import MemoryPromptCache
from .stores.realtime_secrets import MemoryRealtimeSecrets
from .stores.responses import MemoryResponseStore
from .stores.speech import MemorySpeechMemory
from .stores.vector_stores import MemoryVectorStores
from .synth import embeddings
from .versions import load_catalog

# Routes take every method, so a wrong one gets an answer in the right shape (Azure's 404,
# the admin API's 405) rather than Starlette's plain one.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# The collector's thresholds once start-up is done (Python's are 700, 10, 10): a young
# collection per 100,000 new objects, so the few cycles that are made still go.
GC_THRESHOLDS = (100_000, 50, 100)


def build_services(settings: Settings, deployments: DeploymentTable) -> Services:
    """The stores one emulator keeps, in this process's memory (and files on its disk)."""
    images, f = settings.images, settings.files
    blobs = MemoryBlobStore(max_count=images.store_max_images, max_bytes=images.store_max_bytes)
    files = LocalFileStore(f.dir, f.max_files, f.max_bytes, f.max_upload_bytes)
    return Services(
        deployments=deployments,
        replies=ScriptedReplies(settings.replies),
        image_links=ImageLinks(blobs, images.url_lifetime_s),
        speech_memory=MemorySpeechMemory(),
        responses=MemoryResponseStore(),
        completions=MemoryCompletionStore(),
        files=files,
        batches=BatchRunner(MemoryBatchStore(), files, settings.batches.step_s, deployments.resolve),
        fine_tuning=FineTuningRunner(MemoryFineTuningStore(), files, settings.fine_tuning.step_s),
        prompt_cache=MemoryPromptCache(),
        chat_audio=MemoryChatAudioStore(),
        background=BackgroundClock(settings.responses.background_step_s),
        vector_stores=MemoryVectorStores(),
        vector_store_step_s=settings.vector_stores.step_s,
        realtime_secrets=MemoryRealtimeSecrets(),
    )


def build_app(settings: Settings) -> AzureRouter:
    deployments = DeploymentTable(settings)
    services = build_services(settings, deployments)
    pipeline = Pipeline(settings, load_catalog(), deployments, services)
    warmed = threading.Event()
    admin = Admin(pipeline, services.replies, warmed, settings.admin_key)
    guard = admin.guarded
    dashboard = DashboardApi(pipeline)

    # Azure's routes are dispatched by AzureRouter (emulator/routing.py) from the tables
    # above, and so are paths Azure does not have (its 404, journaled); Starlette serves the
    # emulator's own endpoints.
    routes = [
        Route("/_emulator/health", admin.health, methods=ANY_METHOD),
        Route("/_emulator/scenarios", guard(admin.scenarios), methods=ANY_METHOD),
        Route("/_emulator/scenarios/active", guard(admin.active), methods=ANY_METHOD),
        Route("/_emulator/scenarios/reset", guard(admin.reset), methods=ANY_METHOD),
        Route("/_emulator/scenarios/{name}", guard(admin.scenario), methods=["GET"]),
        Route("/_emulator/replies", guard(admin.scripted_replies), methods=ANY_METHOD),
        Route("/_emulator/deployments", guard(admin.deployments), methods=ANY_METHOD),
        Route("/_emulator/deployments/{name}", guard(admin.deployment), methods=ANY_METHOD),
        Route("/_emulator/metrics", guard(admin.metrics), methods=ANY_METHOD),
        Route("/_emulator/requests", guard(admin.requests), methods=ANY_METHOD),
        Route("/_emulator/requests/{id}", guard(admin.request), methods=["GET"]),
        Route("/_emulator/feed", guard(dashboard.feed), methods=ANY_METHOD),
        Route("/_emulator/quotas", guard(dashboard.quotas), methods=ANY_METHOD),
        Route("/_emulator/costs", guard(dashboard.costs), methods=ANY_METHOD),
        # The dashboard: files with no secrets in them; the page sends the key to the API.
        Route("/_emulator/ui", ui.page, methods=["GET"]),
        Route("/_emulator/ui/", ui.page, methods=["GET"]),
        Route("/_emulator/ui/{name}", ui.asset, methods=["GET"]),
        # Generated images' links (response_format: url), as Azure's blob storage serves them.
        Route("/_emulator/blobs/private/{path:path}", services.image_links.serve, methods=ANY_METHOD),
        Route("/_emulator/{path:path}", admin.unknown, methods=ANY_METHOD),
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
        # A request leaves no reference cycles behind (emulator/routing.py breaks the one
        # the server's send makes), so the collector finds next to nothing: at the default
        # thresholds it still walked every live stream's objects many times a second, a
        # sixth of the time of a thousand paced streams, in pauses of up to 70 ms.
        gc.set_threshold(*GC_THRESHOLDS)
        warmed.set()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Load the tokenizers beside start-up rather than on the first request.
        threading.Thread(target=warm_up, name="tokenizer-warm-up", daemon=True).start()
        yield
        services.close()
        pipeline.observers.close()

    app = Starlette(routes=routes, exception_handlers={HTTPException: admin_http_error}, lifespan=lifespan)
    app.state.pipeline = pipeline
    app.state.settings = settings
    app.state.warmed = warmed  # set once start-up loading is done (emulator/testing/server.py waits)
    # What the server calls when it stops (emulator/serving.py): end waits and streams first,
    # let go of files and jobs last.
    app.state.stop_answers = pipeline.stop
    app.state.close = services.close

    # Each surface's table: the rest of the path after its prefix -> the operations there.
    tables: dict[str, dict[str, list[Operation]]] = {surface: {} for surface, _, _ in SURFACES}
    for surface, _, attribute in SURFACES:
        for op in OPERATIONS.values():
            rest = getattr(op, attribute)
            if rest is not None:
                tables[surface].setdefault(rest, []).append(op)
    server: Server = pipeline
    if settings.record_upstream and settings.record_dir:
        server = Recorder(settings.record_upstream, settings.record_dir)
    elif settings.replay_dir:
        server = Replayer(settings.replay_dir, settings.replay_timing)
    router = AzureRouter(
        server,
        tables["deployment"],
        tables["v1"],
        tables["root"],
        app,
        refusals=pipeline,
        realtime=RealtimeServer(pipeline),
    )
    # Batch jobs send their lines through the whole app, as a client would.
    services.batches.app = router
    return router
