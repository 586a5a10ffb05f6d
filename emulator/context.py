"""The state of one request as it moves through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from .audio import SpeechMemory
    from .stores.batches import BatchRunner
    from .stores.blobs import BlobStore
    from .contentfilter import Verdict
    from .deployments import Deployment, DeploymentTable
    from .faults.engine import FaultPlan
    from .stores.files import FileStore
    from .operations import Operation
    from .stores.responses import ResponseStore
    from .ratelimit import QuotaReading
    from .replies import ScriptedReplies
    from .versions import ApiVersion


@dataclass(frozen=True)
class Services:
    """What one emulator keeps across requests, handed to the operations that use it. Per
    app, not per module: several emulators can share a process (the pytest plugin)."""

    replies: ScriptedReplies
    blobs: BlobStore  # generated images kept for their links
    speech_memory: SpeechMemory  # the speech lately written, for transcription
    responses: ResponseStore  # stored Responses API answers
    deployments: DeploymentTable
    files: FileStore
    batches: BatchRunner


@dataclass
class RequestContext:
    request: Request
    request_id: str
    operation: Operation
    surface: str  # "deployment" (dated routes) or "v1"
    deployment_name: str | None = None
    api_version: ApiVersion | None = None
    deployment: Deployment | None = None
    body: dict[str, Any] | None = None
    raw: bytes = b""
    tokens_charged: int | None = None
    quota: QuotaReading | None = None
    run_seed: int = 0
    faults: FaultPlan | None = None
    services: Services | None = None
    # Set when the answer depends on more than the request (a counted scripted reply), so
    # it must not be remembered for byte-identical repeats.
    no_memo: bool = False
    # When the model starts "working": after any fault delays, so a delay adds to the
    # time to first token instead of hiding in it.
    paced_from: float | None = None
    # Azure's annotations of the prompt, from the content-filter step, and what the filter
    # will find in the answer.
    prompt_filter_results: list[dict[str, Any]] = field(default_factory=list)
    completion_verdict: Verdict | None = None
    # Headers every response of this request carries, success or error.
    headers: dict[str, str] = field(default_factory=dict)
    request_headers: RequestHeaders = field(default_factory=lambda: RequestHeaders([]))

    @property
    def api_version_name(self) -> str:
        return self.api_version.name if self.api_version else ""


class RequestHeaders:
    """A request's headers, read once into a dictionary: the pipeline looks up half a dozen
    of them per request, and Starlette's ``Headers`` scans the whole list for each.
    Names are lower-case, as ASGI gives them; a repeated header keeps its last value."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = dict(raw)

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._raw.get(name.encode("latin-1"))
        return value.decode("latin-1") if value is not None else default
