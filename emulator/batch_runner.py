"""Running batch jobs (kept in emulator/stores/batches.py): an uploaded JSONL file of chat or
embeddings requests, validated line by line, then run request by request through the
emulator's own pipeline (so scenarios, quotas and content filtering apply per line), with
Azure's output and error files at the end.

A job moves validating -> in_progress -> finalizing -> completed (or failed, cancelled,
expired), each step taking ``batches.step_s``, so clients that poll see every state.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from . import ids
from .stores.batches import BatchStore, Job
from .stores.files import FileStore

if TYPE_CHECKING:
    from .deployments import Deployment

ENDPOINTS = ("/chat/completions", "/embeddings")
TERMINAL = ("completed", "failed", "cancelled", "expired")
COMPLETION_WINDOW_S = 24 * 3600
# Headers a job's requests carry over from the request that created it: credentials (never
# stored beyond the job) and the scenario a test chose.
CARRIED_HEADERS = ("api-key", "authorization", "x-emulator-scenario", "x-test-id")


class BatchRunner:
    def __init__(
        self, jobs: BatchStore, files: FileStore, step_s: float, deployments: Callable[[str], Deployment | None]
    ) -> None:
        self.jobs = jobs
        self.files = files
        self.deployments = deployments
        self.step_s = step_s
        self.app: Any = None  # the emulator's ASGI app, set once it is built
        self._tasks: set[asyncio.Task[None]] = set()

    def create(
        self, input_file_id: str, endpoint: str, metadata: dict[str, str] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        now = int(time.time())
        batch_id = f"batch_{ids.uuid4()}"
        batch: dict[str, Any] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": endpoint,
            "errors": None,
            "input_file_id": input_file_id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + COMPLETION_WINDOW_S,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": metadata,
        }
        job = Job(batch, {k: v for k, v in headers.items() if k in CARRIED_HEADERS})
        self.jobs.add(job)
        task = asyncio.get_running_loop().create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return dict(batch)

    def close(self) -> None:
        """The emulator is stopping: jobs still running stop where they are."""
        for task in list(self._tasks):
            task.cancel()

    def get(self, batch_id: str) -> dict[str, Any] | None:
        job = self.jobs.get(batch_id)
        return dict(job.batch) if job else None

    def all(self) -> list[dict[str, Any]]:
        return [dict(job.batch) for job in self.jobs.newest_first()]

    def cancel(self, batch_id: str) -> dict[str, Any] | None:
        job = self.jobs.get(batch_id)
        if job is None:
            return None
        if job.batch["status"] not in TERMINAL:
            job.cancel = True
            self._move(job, status="cancelling", cancelling_at=int(time.time()))
        return dict(job.batch)

    def _move(self, job: Job, **changes: Any) -> None:
        job.batch.update(changes)
        self.jobs.save(job)

    # -- the run -----------------------------------------------------------------------------

    async def _run(self, job: Job) -> None:
        batch = job.batch
        await asyncio.sleep(self.step_s)
        errors = self._validate(job)
        if errors:
            self._move(job, status="failed", failed_at=int(time.time()), errors={"object": "list", "data": errors})
            return
        if job.cancel:
            self._move(job, status="cancelled", cancelled_at=int(time.time()))
            return
        counts = {"total": len(job.lines), "completed": 0, "failed": 0}
        self._move(job, status="in_progress", in_progress_at=int(time.time()), request_counts=counts)
        await asyncio.sleep(self.step_s)  # as queued as a real job is, at least briefly
        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://batch.local", timeout=None) as client:
            for line in job.lines:
                if job.cancel or time.time() > batch["expires_at"]:
                    break
                result = await self._request(client, job, line)
                done = result["response"]["status_code"] == 200
                (outputs if done else failures).append(result)
                counts = {**counts, "completed" if done else "failed": counts["completed" if done else "failed"] + 1}
                self._move(job, request_counts=counts)
        final = "cancelled" if job.cancel else "expired" if time.time() > batch["expires_at"] else "completed"
        if final == "completed":
            self._move(job, status="finalizing", finalizing_at=int(time.time()))
            await asyncio.sleep(self.step_s)
        output_file = self._write(batch["id"], "output", outputs)
        error_file = self._write(batch["id"], "error", failures) if failures else None
        self._move(
            job, output_file_id=output_file, error_file_id=error_file, status=final, **{f"{final}_at": int(time.time())}
        )

    def _validate(self, job: Job) -> list[dict[str, Any]]:
        """Each line checked as Azure checks it: JSON, a unique custom_id, POST to the batch's
        endpoint, a body naming a batch deployment, one deployment for the whole file."""
        batch = job.batch
        data = self.files.content(batch["input_file_id"])
        if data is None:
            return [_error("file_not_found", f"The input file {batch['input_file_id']} no longer exists.", None)]
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        deployments: set[str] = set()
        for number, text in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                errors.append(_error("invalid_json_line", "This line is not valid JSON.", number))
                continue
            if not isinstance(line, dict):
                errors.append(_error("invalid_json_line", "This line is not a JSON object.", number))
                continue
            custom_id = line.get("custom_id")
            if not isinstance(custom_id, str) or not custom_id:
                errors.append(_error("missing_required_parameter", "The line has no custom_id.", number, "custom_id"))
            elif custom_id in seen:
                errors.append(
                    _error("duplicate_custom_id", f"The custom_id '{custom_id}' is used twice.", number, "custom_id")
                )
            else:
                seen.add(custom_id)
            if line.get("method") != "POST":
                errors.append(_error("invalid_method", "The method must be POST.", number, "method"))
            if _endpoint(line.get("url")) != batch["endpoint"]:
                errors.append(
                    _error("invalid_url", f"The url must be the batch's endpoint, {batch['endpoint']}.", number, "url")
                )
            body = line.get("body")
            model = body.get("model") if isinstance(body, dict) else None
            if not isinstance(model, str):
                errors.append(_error("missing_required_parameter", "The body names no model.", number, "body.model"))
            else:
                deployments.add(model)
                found = self.deployments(model)
                if found is None:
                    errors.append(
                        _error("model_not_found", f"The deployment '{model}' does not exist.", number, "body.model")
                    )
                elif not found.batch:
                    errors.append(
                        _error(
                            "invalid_deployment_type",
                            f"Batch jobs need a Global-Batch or Data-Zone-Batch deployment; '{model}' is a "
                            f"{found.sku} deployment.",
                            number,
                            "body.model",
                        )
                    )
            job.lines.append(line)
        if not job.lines and not errors:
            errors.append(_error("empty_file", "The input file has no requests.", None))
        if len(deployments) > 1:
            errors.append(
                _error(
                    "mixed_deployments",
                    f"Every line must use one deployment; found {', '.join(sorted(deployments))}.",
                    None,
                )
            )
        return errors

    async def _request(self, client: httpx.AsyncClient, job: Job, line: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(f"/openai/v1{job.batch['endpoint']}", json=line["body"], headers=job.headers)
        try:
            body = response.json()
        except ValueError:
            body = {"error": {"code": "InternalServerError", "message": response.text[:200]}}
        return {
            "id": f"batch_req_{ids.hex32()}",
            "custom_id": line["custom_id"],
            "response": {
                "status_code": response.status_code,
                "request_id": response.headers.get("x-request-id"),
                "body": body,
            },
            "error": None,
        }

    def _write(self, batch_id: str, kind: str, results: list[dict[str, Any]]) -> str:
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results).encode()
        return self.files.add(data, f"{batch_id}_{kind}.jsonl", "batch_output").id


def _endpoint(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    return url.removeprefix("/v1") if url.startswith("/v1/") else url


def _error(code: str, message: str, line: int | None, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}
