"""What the pipeline works with: the operations (what each one is and what its handler
provides) and the state of one request as it moves through the steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.requests import Request

if TYPE_CHECKING:
    from .batch_runner import BatchRunner
    from .contentfilter import Verdict
    from .delivery import JsonReply, Reply
    from .deployments import Deployment, DeploymentTable
    from .errors import AzureError
    from .faults.engine import FaultPlan
    from .fine_tuning.runner import FineTuningRunner
    from .imagelinks import ImageLinks
    from .operations.responses.background import BackgroundClock
    from .replies import ScriptedReplies
    from .stores.chat_audio import ChatAudioStore
    from .stores.completions import CompletionStore
    from .stores.files import FileStore
    from .stores.prompt_cache import PromptCache
    from .stores.realtime_secrets import RealtimeSecrets
    from .stores.responses import ResponseStore
    from .stores.speech import SpeechMemory
    from .stores.vector_stores import VectorStoreStore
    from .versions import ApiVersion


@dataclass(frozen=True)
class Handler:
    """What an operation on a model provides. The pipeline validates the body into
    ``request_model``; ``check`` then returns a frozen value of what it worked out (token
    counts, resolved tools, retrieved documents ...), which ``respond`` (and ``prompt_texts``)
    take beside the request. Neither changes the request or the context."""

    request_model: type[BaseModel]
    # The tokens Azure would reserve against the quota for this body, before validation.
    estimate_tokens: Callable[[dict[str, Any], Deployment], int]
    # Checks that need the api-version or deployment (gated values, model limits).
    check: Callable[[RequestContext, Any], Any]
    respond: Callable[[RequestContext, Any, Any], Reply]
    # Given a remembered JSON result, the same result with fresh per-response fields (ids,
    # timestamps); None when results must not be remembered.
    renew: Callable[[JsonReply], JsonReply] | None = None
    # The texts of each prompt the content filter reads (chat: one prompt, every message;
    # completions: one per prompt); None for operations Azure does not filter.
    prompt_texts: Callable[[Any, Any], list[list[str]]] | None = None
    # The error for a prompt the content filter blocks, where it is not the chat one.
    refuse_prompt: Callable[[RequestContext, Any, dict[str, Any]], AzureError] | None = None
    # The bodies the operation takes: JSON, a multipart form (emulator/forms.py), or either
    # (chosen by Content-Type). A form's text values are read as the types they spell.
    bodies: tuple[str, ...] = ("json",)
    # ``respond`` does enough work (drawing, encoding) to run off the event loop.
    blocking: bool = False


def no_checks(ctx: RequestContext, req: Any) -> None:
    return None


@dataclass(frozen=True)
class Received:
    """What a resource handler's own ``receive`` read: the value ``respond`` gets, and the
    part of the body the journal keeps."""

    value: Any
    kept: bytes = b""


@dataclass(frozen=True)
class ResourceHandler:
    """What an operation on stored resources provides (a file, a batch, a response by id,
    the model list): no deployment, nothing charged or filtered."""

    # Given the request body (bytes, read whole), or what ``receive`` returned.
    respond: Callable[[RequestContext, Any], Reply]
    # Reads the body itself, as it streams in (a large upload goes to disk, never whole
    # into memory).
    receive: Callable[[RequestContext], Awaitable[Received]] | None = None


@dataclass(frozen=True)
class Operation:
    """One operation of the Azure surface, as the table in emulator/operations/ declares it."""

    name: str  # the catalog id: its key in data/api_versions.yaml
    method: str
    handler: Handler | ResourceHandler
    # The model families whose deployments serve it (none for stored resources).
    families: tuple[str, ...]
    # Its path after /openai/deployments/{deployment}/, after /openai/ (the dated root, with
    # ?api-version=) and after /openai/v1/; None where it has none. "{id}" stands for one
    # path segment.
    deployment_path: str | None
    root_path: str | None
    v1_path: str | None
    # Azure's names for it: the spec's operationId as 429 messages write it, and the name
    # OperationNotSupported's message gives it.
    operation_id: str
    display: str


@dataclass(frozen=True)
class Services:
    """What one emulator keeps across requests, handed to the operations that use it. Per
    app, not per module: several emulators can share a process (the pytest plugin)."""

    deployments: DeploymentTable
    replies: ScriptedReplies
    image_links: ImageLinks  # generated images kept for their links
    speech_memory: SpeechMemory  # the speech lately written, for transcription
    responses: ResponseStore  # stored Responses API answers
    completions: CompletionStore  # stored chat completions (store: true)
    files: FileStore
    batches: BatchRunner
    fine_tuning: FineTuningRunner
    prompt_cache: PromptCache  # the prompt prefixes each deployment saw lately
    chat_audio: ChatAudioStore  # chat's spoken answers, which later turns may name
    background: BackgroundClock  # how background responses move on
    vector_stores: VectorStoreStore
    vector_store_step_s: float  # how long a file added to a vector store is in progress
    realtime_secrets: RealtimeSecrets  # ephemeral keys for realtime clients

    def close(self) -> None:
        """The emulator is stopping: running jobs stop, and what it made for itself on disk
        goes. Safe to call more than once."""
        self.batches.close()
        self.fine_tuning.close()
        self.files.close()


@dataclass(slots=True)
class RequestContext:
    """One request as the pipeline's steps fill it in, in order (the steps live in pipeline.py,
    and a few in the modules they belong to: contentfilter.screen_prompts, Pacing.start,
    retry_after.judge, InFlight.admit, validation.reject_unknown_parameters). Handlers only
    read it."""

    request: Request
    request_id: str
    operation: Operation
    surface: str  # "deployment", "root" (the dated root, /openai/...) or "v1"
    received: float  # time.monotonic() on arrival
    received_at: float  # time.time() on arrival
    request_headers: RequestHeaders
    services: Services
    run_seed: int = 0
    # Headers every response of this request carries, success or error.
    headers: dict[str, str] = field(default_factory=dict)
    api_version: ApiVersion | None = None
    deployment_name: str | None = None  # from the path, or the body's model
    deployment: Deployment | None = None
    raw: bytes = b""  # the body as it came (or the part of it the journal keeps)
    body: dict[str, Any] | None = None  # parsed, before validation
    form: bool = False  # the body was a multipart form (its values are text)
    faults: FaultPlan | None = None
    # When the model starts "working": after any fault delays, so a delay adds to the time
    # to first token instead of hiding in it.
    paced_from: float | None = None
    tokens_charged: int | None = None  # set once the quota admits the request
    quota_refused: bool = False  # the deployment's quota answered 429
    early_retry: bool | None = None  # judged once the deployment is known (None: not yet)
    in_flight: int = 0  # requests on its deployment, itself included, once admitted (load.py)
    # Azure's annotations of the prompt, from the content-filter step, and what the filter
    # will find in the answer.
    prompt_filter_results: list[dict[str, Any]] = field(default_factory=list)
    completion_verdict: Verdict | None = None
    reply: Reply | None = None  # a model's answer, before delivery (what Azure bills it for)


class RequestHeaders:
    """A request's headers, read once into a dictionary: the pipeline looks up half a dozen
    of them per request, and Starlette's ``Headers`` scans the whole list for each.
    Names are lower-case, as ASGI gives them; a repeated header keeps its last value."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = dict(raw)

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._raw.get(_NAMES.get(name) or _encoded(name))
        return value.decode("latin-1") if value is not None else default


# Header names as bytes, encoded once: the pipeline asks for the same few on every request.
_NAMES: dict[str, bytes] = {}


def _encoded(name: str) -> bytes:
    encoded = name.encode("latin-1")
    if len(_NAMES) < 1000:
        _NAMES[name] = encoded
    return encoded
