"""Every operation the emulator serves, one row each.

The route tables (emulator/app.py), the api-version catalog's names (data/api_versions.yaml
lists what each version takes of these) and the pipeline's knowledge of each operation all
come from this table; adding an operation is one row here plus its handler. An operation
module only parses its body and produces its result: auth, api-versions, deployments, quota,
errors and delivery are the pipeline's (emulator/pipeline.py).

``python -m emulator --routes`` prints the table as ``METHOD /path -> operation``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from ..context import Handler, Operation, ResourceHandler


def requests_only(body: dict[str, Any], deployment: Any) -> int:
    """For operations whose quotas Azure counts in requests, not tokens (images: "2 capacity
    units (6 requests per minute)"; speech and Whisper: requests per minute)."""
    return 0


def resource(respond: Any, receive: Any = None) -> ResourceHandler:
    """A handler of stored resources: a response by id, a file, a batch, the model list."""
    return ResourceHandler(respond, receive)


def _handler(reference: str) -> Handler | ResourceHandler:
    """``module:ATTRIBUTE`` in this package, imported when the table is built."""
    module, _, attribute = reference.partition(":")
    found: Handler | ResourceHandler = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    return found


def _op(
    name: str,
    method: str,
    handler: str,
    *,
    families: tuple[str, ...] = (),
    deployment: str | None = None,
    root: str | None = None,
    v1: str | None = None,
    operation_id: str,
    display: str,
) -> Operation:
    return Operation(name, method, _handler(handler), families, deployment, root, v1, operation_id, display)


# name, method, handler; then where it is routed (after /openai/deployments/{deployment}/,
# after /openai/ with ?api-version=, after /openai/v1/), which model families serve it, and
# Azure's names for it (operationId in 429s; the name OperationNotSupported gives).
# fmt: off
_TABLE = (
    _op("chat_completions", "POST", "chat:HANDLER", families=("chat",),
        deployment="chat/completions", v1="chat/completions",
        operation_id="ChatCompletions_Create", display="chatCompletion"),
    _op("completions", "POST", "completions:HANDLER", families=("completions",),
        deployment="completions", v1="completions",
        operation_id="Completions_Create", display="completion"),
    _op("embeddings", "POST", "embeddings:HANDLER", families=("embeddings",),
        deployment="embeddings", v1="embeddings",
        operation_id="Embeddings_Create", display="embeddings"),
    _op("transcriptions", "POST", "transcriptions:HANDLER", families=("transcription",),
        deployment="audio/transcriptions", v1="audio/transcriptions",
        operation_id="Transcriptions_Create", display="transcription"),
    _op("translations", "POST", "transcriptions:HANDLER", families=("transcription",),
        deployment="audio/translations", v1="audio/translations",
        operation_id="Translations_Create", display="translation"),
    _op("speech", "POST", "speech:HANDLER", families=("speech",),
        deployment="audio/speech", v1="audio/speech",
        operation_id="Speech_Create", display="speech"),
    _op("image_generations", "POST", "images:GENERATIONS", families=("image",),
        deployment="images/generations", v1="images/generations",
        operation_id="ImageGenerations_Create", display="imageGeneration"),
    _op("image_edits", "POST", "images:EDITS", families=("image",),
        deployment="images/edits", v1="images/edits",
        operation_id="ImageEdits_Create", display="imageEdit"),
    _op("responses", "POST", "responses:CREATE", families=("chat",),
        root="responses", v1="responses",
        operation_id="Responses_Create", display="responses"),
    _op("responses_get", "GET", "responses:RETRIEVE",
        root="responses/{id}", v1="responses/{id}",
        operation_id="Responses_Get", display="responses"),
    _op("responses_delete", "DELETE", "responses:DELETE",
        root="responses/{id}", v1="responses/{id}",
        operation_id="Responses_Delete", display="responses"),
    _op("responses_cancel", "POST", "responses:CANCEL",
        root="responses/{id}/cancel", v1="responses/{id}/cancel",
        operation_id="Responses_Cancel", display="responses"),
    _op("responses_input_items", "GET", "responses:INPUT_ITEMS",
        root="responses/{id}/input_items", v1="responses/{id}/input_items",
        operation_id="Responses_ListInputItems", display="responses"),
    _op("fine_tuning_create", "POST", "fine_tuning:CREATE",
        root="fine_tuning/jobs", v1="fine_tuning/jobs",
        operation_id="FineTuning_Create", display="fineTuning"),
    _op("fine_tuning_list", "GET", "fine_tuning:LIST",
        root="fine_tuning/jobs", v1="fine_tuning/jobs",
        operation_id="FineTuning_List", display="fineTuning"),
    _op("fine_tuning_get", "GET", "fine_tuning:RETRIEVE",
        root="fine_tuning/jobs/{id}", v1="fine_tuning/jobs/{id}",
        operation_id="FineTuning_Get", display="fineTuning"),
    _op("fine_tuning_cancel", "POST", "fine_tuning:CANCEL",
        root="fine_tuning/jobs/{id}/cancel", v1="fine_tuning/jobs/{id}/cancel",
        operation_id="FineTuning_Cancel", display="fineTuning"),
    _op("fine_tuning_pause", "POST", "fine_tuning:PAUSE",
        root="fine_tuning/jobs/{id}/pause", v1="fine_tuning/jobs/{id}/pause",
        operation_id="FineTuning_Pause", display="fineTuning"),
    _op("fine_tuning_resume", "POST", "fine_tuning:RESUME",
        root="fine_tuning/jobs/{id}/resume", v1="fine_tuning/jobs/{id}/resume",
        operation_id="FineTuning_Resume", display="fineTuning"),
    _op("fine_tuning_events", "GET", "fine_tuning:EVENTS",
        root="fine_tuning/jobs/{id}/events", v1="fine_tuning/jobs/{id}/events",
        operation_id="FineTuning_GetEvents", display="fineTuning"),
    _op("fine_tuning_checkpoints", "GET", "fine_tuning:CHECKPOINTS",
        root="fine_tuning/jobs/{id}/checkpoints", v1="fine_tuning/jobs/{id}/checkpoints",
        operation_id="FineTuning_GetCheckpoints", display="fineTuning"),
    _op("vector_stores_create", "POST", "vector_stores:CREATE",
        root="vector_stores", v1="vector_stores",
        operation_id="VectorStores_Create", display="vectorStores"),
    _op("vector_stores_list", "GET", "vector_stores:LIST",
        root="vector_stores", v1="vector_stores",
        operation_id="VectorStores_List", display="vectorStores"),
    _op("vector_stores_get", "GET", "vector_stores:RETRIEVE",
        root="vector_stores/{id}", v1="vector_stores/{id}",
        operation_id="VectorStores_Get", display="vectorStores"),
    _op("vector_stores_modify", "POST", "vector_stores:MODIFY",
        root="vector_stores/{id}", v1="vector_stores/{id}",
        operation_id="VectorStores_Modify", display="vectorStores"),
    _op("vector_stores_delete", "DELETE", "vector_stores:DELETE",
        root="vector_stores/{id}", v1="vector_stores/{id}",
        operation_id="VectorStores_Delete", display="vectorStores"),
    _op("vector_stores_search", "POST", "vector_stores:SEARCH",
        root="vector_stores/{id}/search", v1="vector_stores/{id}/search",
        operation_id="VectorStores_Search", display="vectorStores"),
    _op("vector_store_files_create", "POST", "vector_stores:ADD_FILE",
        root="vector_stores/{id}/files", v1="vector_stores/{id}/files",
        operation_id="VectorStoreFiles_Create", display="vectorStores"),
    _op("vector_store_files_list", "GET", "vector_stores:LIST_FILES",
        root="vector_stores/{id}/files", v1="vector_stores/{id}/files",
        operation_id="VectorStoreFiles_List", display="vectorStores"),
    _op("vector_store_files_get", "GET", "vector_stores:RETRIEVE_FILE",
        root="vector_stores/{id}/files/{file_id}", v1="vector_stores/{id}/files/{file_id}",
        operation_id="VectorStoreFiles_Get", display="vectorStores"),
    _op("vector_store_files_update", "POST", "vector_stores:UPDATE_FILE",
        root="vector_stores/{id}/files/{file_id}", v1="vector_stores/{id}/files/{file_id}",
        operation_id="VectorStoreFiles_Update", display="vectorStores"),
    _op("vector_store_files_delete", "DELETE", "vector_stores:DELETE_FILE",
        root="vector_stores/{id}/files/{file_id}", v1="vector_stores/{id}/files/{file_id}",
        operation_id="VectorStoreFiles_Delete", display="vectorStores"),
    _op("vector_store_files_content", "GET", "vector_stores:FILE_CONTENT",
        root="vector_stores/{id}/files/{file_id}/content", v1="vector_stores/{id}/files/{file_id}/content",
        operation_id="VectorStoreFiles_GetContent", display="vectorStores"),
    _op("vector_store_file_batches_create", "POST", "vector_stores:CREATE_BATCH",
        root="vector_stores/{id}/file_batches", v1="vector_stores/{id}/file_batches",
        operation_id="VectorStoreFileBatches_Create", display="vectorStores"),
    _op("vector_store_file_batches_get", "GET", "vector_stores:RETRIEVE_BATCH",
        root="vector_stores/{id}/file_batches/{batch_id}", v1="vector_stores/{id}/file_batches/{batch_id}",
        operation_id="VectorStoreFileBatches_Get", display="vectorStores"),
    _op("vector_store_file_batches_cancel", "POST", "vector_stores:CANCEL_BATCH",
        root="vector_stores/{id}/file_batches/{batch_id}/cancel", v1="vector_stores/{id}/file_batches/{batch_id}/cancel",
        operation_id="VectorStoreFileBatches_Cancel", display="vectorStores"),
    _op("vector_store_file_batches_files", "GET", "vector_stores:LIST_BATCH_FILES",
        root="vector_stores/{id}/file_batches/{batch_id}/files", v1="vector_stores/{id}/file_batches/{batch_id}/files",
        operation_id="VectorStoreFileBatches_ListFiles", display="vectorStores"),
    # The Realtime API is a WebSocket (emulator/realtime/); a plain GET there is refused.
    _op("realtime", "GET", "realtime_http:PLAIN_GET", families=("realtime",),
        root="realtime", v1="realtime",
        operation_id="Realtime_Connect", display="realtime"),
    _op("realtime_client_secrets", "POST", "realtime_http:CLIENT_SECRETS",
        v1="realtime/client_secrets",
        operation_id="Realtime_CreateClientSecret", display="realtime"),
    _op("models_list", "GET", "model_list:LIST",
        root="models", v1="models",
        operation_id="Models_List", display="models"),
    _op("models_get", "GET", "model_list:GET",
        root="models/{id}", v1="models/{id}",
        operation_id="Models_Get", display="models"),
    _op("files_upload", "POST", "files:UPLOAD",
        root="files", v1="files",
        operation_id="Files_Upload", display="files"),
    _op("files_list", "GET", "files:LIST",
        root="files", v1="files",
        operation_id="Files_List", display="files"),
    _op("files_get", "GET", "files:RETRIEVE",
        root="files/{id}", v1="files/{id}",
        operation_id="Files_Get", display="files"),
    _op("files_content", "GET", "files:CONTENT",
        root="files/{id}/content", v1="files/{id}/content",
        operation_id="Files_GetContent", display="files"),
    _op("files_delete", "DELETE", "files:DELETE",
        root="files/{id}", v1="files/{id}",
        operation_id="Files_Delete", display="files"),
    _op("stored_completions_list", "GET", "stored_completions:LIST",
        root="chat/completions", v1="chat/completions",
        operation_id="StoredCompletions_List", display="storedCompletions"),
    _op("stored_completions_get", "GET", "stored_completions:RETRIEVE",
        root="chat/completions/{id}", v1="chat/completions/{id}",
        operation_id="StoredCompletions_Get", display="storedCompletions"),
    _op("stored_completions_update", "POST", "stored_completions:UPDATE",
        root="chat/completions/{id}", v1="chat/completions/{id}",
        operation_id="StoredCompletions_Update", display="storedCompletions"),
    _op("stored_completions_delete", "DELETE", "stored_completions:DELETE",
        root="chat/completions/{id}", v1="chat/completions/{id}",
        operation_id="StoredCompletions_Delete", display="storedCompletions"),
    _op("stored_completions_messages", "GET", "stored_completions:MESSAGES",
        root="chat/completions/{id}/messages", v1="chat/completions/{id}/messages",
        operation_id="StoredCompletions_ListMessages", display="storedCompletions"),
    _op("batches_create", "POST", "batches:CREATE",
        root="batches", v1="batches",
        operation_id="Batch_Create", display="batches"),
    _op("batches_list", "GET", "batches:LIST",
        root="batches", v1="batches",
        operation_id="Batch_List", display="batches"),
    _op("batches_get", "GET", "batches:RETRIEVE",
        root="batches/{id}", v1="batches/{id}",
        operation_id="Batch_Get", display="batches"),
    _op("batches_cancel", "POST", "batches:CANCEL",
        root="batches/{id}/cancel", v1="batches/{id}/cancel",
        operation_id="Batch_Cancel", display="batches"),
)
# fmt: on

OPERATIONS: dict[str, Operation] = {op.name: op for op in _TABLE}


def _no_such_route(ctx: Any, body: Any) -> Any:
    raise AssertionError("the pipeline answers an unknown route before its handler")


# A path Azure does not have. It still takes the one path (its answer is the pipeline's
# first step: Azure's 404, with its headers), so the journal, the metrics and the dashboard
# see the requests of a client that builds a wrong URL. No method matches it.
UNKNOWN_ROUTE = Operation(
    name="unknown_route",
    method="",
    handler=ResourceHandler(respond=_no_such_route),
    families=(),
    deployment_path=None,
    root_path=None,
    v1_path=None,
    operation_id="",
    display="",
)

# The three shapes of Azure path, by the Operation field that holds the rest of the path.
SURFACES = (
    ("deployment", "/openai/deployments/{deployment}/", "deployment_path"),
    ("root", "/openai/", "root_path"),
    ("v1", "/openai/v1/", "v1_path"),
)


def routes() -> Iterator[tuple[str, str, Operation]]:
    """Every route: method, whole path and operation, surface by surface."""
    for _, prefix, attribute in SURFACES:
        for op in _TABLE:
            rest = getattr(op, attribute)
            if rest is not None:
                yield op.method, prefix + rest, op


def route_table() -> str:
    """The routes as a person reads them: ``METHOD /path -> operation  (its handler's module)``."""
    rows = [(f"{method:<6} {path}", op) for method, path, op in routes()]
    width = max(len(route) for route, _ in rows)
    return "\n".join(f"{route:<{width}}  -> {op.name}  ({_module_of(op)})" for route, op in rows)


def _module_of(op: Operation) -> str:
    module: str = op.handler.respond.__module__
    return module.removeprefix("emulator.").replace(".", "/") + ".py"
