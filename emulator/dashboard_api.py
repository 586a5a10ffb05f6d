"""The admin API's reads for the dashboard (emulator/ui/): the live feed of requests, each
deployment's quota use and what the requests would cost. Guarded like the rest of the admin
API (admin.py); each reads what the observers already keep, and adds nothing to a request."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .admin import admin_error, deployment_entry
from .delivery import dumps
from .observers import quota_use

if TYPE_CHECKING:
    from .pipeline import Pipeline

# A feed with nothing to say still says something this often, so a proxy keeps it open and a
# page that has gone is noticed.
_FEED_KEEP_ALIVE_S = 15.0
_FEED_SNAPSHOT_ROWS = 500


class DashboardApi:
    def __init__(self, pipeline: Pipeline) -> None:
        self.deployments = pipeline.deployments
        self.observers = pipeline.observers
        self.journal = pipeline.observers.journal
        self.stopping = pipeline.stopping

    async def feed(self, request: Request) -> Response:
        """GET: server-sent events. ``snapshot``: the journal's newest rows, at once; then a
        ``request`` event with each request's row as it is recorded (``missed``: rows a slow
        reader lost; read the journal again)."""
        if request.method != "GET":
            return admin_error(405, f"{request.method} is not allowed here; use GET")
        headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
        return StreamingResponse(self._feed_events(), media_type="text/event-stream", headers=headers)

    async def _feed_events(self) -> AsyncIterator[bytes]:
        feed = self.observers.feed
        with feed.watch() as watcher:
            rows = self.journal.rows(_FEED_SNAPSHOT_ROWS)
            yield b"event: snapshot\ndata: " + dumps({"enabled": self.journal.enabled, "rows": rows}) + b"\n\n"
            while not self.stopping.stopped:
                found = None
                with self.stopping.at_most(_FEED_KEEP_ALIVE_S):
                    found = await watcher.rows.get()
                if watcher.missed:
                    yield b"event: missed\ndata: %d\n\n" % watcher.missed
                    watcher.missed = 0
                yield b": keep-alive\n\n" if found is None else b"event: request\ndata: " + dumps(found) + b"\n\n"

    async def quotas(self, request: Request) -> Response:
        """GET: each deployment's quota, and its use in ten-second steps over ten minutes."""
        if request.method not in ("GET", "HEAD"):
            return admin_error(405, f"{request.method} is not allowed here; use GET")
        table, use = self.deployments, self.observers.quota_use
        now = time.time()
        listed = []
        for name in sorted(set(table.names()) | set(use.deployments())):
            deployment = table.resolve(name)
            if deployment is None:
                continue  # removed since
            listed.append(
                {
                    **deployment_entry(deployment),
                    "enforced": deployment.enforce_quota,
                    "steps": use.steps(name, now),
                }
            )
        return JSONResponse({"now": now, "step_s": quota_use.STEP_S, "deployments": listed})

    async def costs(self, request: Request) -> Response:
        """GET: what the requests so far would have cost on Azure, per deployment and per test,
        and the prices used. DELETE: start counting afresh."""
        if request.method == "DELETE":
            self.observers.costs.clear()
            return JSONResponse({"cleared": True})
        if request.method not in ("GET", "HEAD"):
            return admin_error(405, f"{request.method} is not allowed here; use GET or DELETE")
        return JSONResponse(self.observers.costs.report())
