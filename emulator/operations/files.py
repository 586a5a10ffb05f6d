"""Files: upload (multipart), list, retrieve, content and delete, on ``/openai/files`` and
``/openai/v1/files``. The store is emulator/stores/files.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..context import Received
from ..delivery import FileReply, JsonReply, Reply
from ..errors import InvalidRequest, NotFound, RequestTooLarge
from ..forms import FormReader, SpooledUpload
from ..observers.journal import KEPT_BODY_BYTES
from ..wording import invalid_type, missing_parameter
from . import fields, resource

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..stores.files import FileStore, StoredFile

PURPOSES = ("assistants", "batch", "fine-tune", "user_data", "evals")
# Purposes whose files are read line by line and must be JSON Lines.
_JSONL_PURPOSES = ("batch", "fine-tune", "evals")
MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024  # Azure's limit for a batch input file
# expires_after: Azure keeps batch files 14 to 30 days when asked to expire them.
_MIN_EXPIRY_S, _MAX_EXPIRY_S = 14 * 86400, 30 * 86400


def file_not_found(file_id: str) -> NotFound:
    return NotFound(f"No such File object: {file_id}", param="id")


def store(ctx: RequestContext) -> FileStore:
    assert ctx.services is not None
    return ctx.services.files


def stored(ctx: RequestContext, file_id: str) -> StoredFile:
    found = store(ctx).get(file_id)
    if found is None:
        raise file_not_found(file_id)
    return found


async def receive_upload(ctx: RequestContext) -> Received:
    """The form as it streams in: text fields in memory, the file straight into the store's
    folder, the size limit checked as the bytes arrive."""
    files = store(ctx)
    reader = FormReader(ctx.request_headers.get("content-type"), spool_dir=files.directory)
    size = 0
    kept: list[bytes] = []
    while True:
        message = await ctx.request.receive()
        if message["type"] == "http.disconnect":
            reader.discard()
            raise InvalidRequest("The upload ended before its body was complete.", param="file")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > files.max_upload_bytes:
            reader.discard()
            raise RequestTooLarge(files.max_upload_bytes)
        if sum(map(len, kept)) < KEPT_BODY_BYTES:
            kept.append(chunk[:KEPT_BODY_BYTES])
        reader.feed(chunk)
        if not message.get("more_body", False):
            break
    form = reader.finish()
    form["_spooled"] = reader.spooled
    return Received(form, kept=b"".join(kept)[:KEPT_BODY_BYTES])


def upload(ctx: RequestContext, form: dict[str, Any]) -> Reply:
    spooled: list[SpooledUpload] = form.pop("_spooled", [])
    try:
        return JsonReply(_adopt(ctx, form).describe())
    finally:
        for leftover in spooled:  # parts not kept (refused, or more than the one file)
            leftover.path.unlink(missing_ok=True)


def _adopt(ctx: RequestContext, form: dict[str, Any]) -> StoredFile:
    purpose = form.get("purpose")
    if not isinstance(purpose, str):
        raise missing_parameter("purpose")
    fields.one_of("purpose", purpose, PURPOSES)
    upload = form.get("file")
    if not isinstance(upload, SpooledUpload):
        raise missing_parameter("file")
    if not upload.size:
        raise InvalidRequest("The file is empty.", param="file", code="invalid_value")
    if purpose in _JSONL_PURPOSES and not upload.filename.lower().endswith(".jsonl"):
        raise InvalidRequest(
            f"Invalid file format for purpose '{purpose}': the file must be JSON Lines with a .jsonl extension.",
            param="file",
            code="invalid_file_format",
        )
    if purpose == "batch" and upload.size > MAX_BATCH_FILE_BYTES:
        raise InvalidRequest(
            f"The file is larger than the {MAX_BATCH_FILE_BYTES // (1024 * 1024)} MB a batch input file may be.",
            param="file",
            code="file_too_large",
        )
    expires = _expiry(form.get("expires_after[anchor]"), form.get("expires_after[seconds]"))
    return store(ctx).adopt(upload.path, upload.size, upload.filename, purpose, expires)


def _expiry(anchor: object, seconds: object) -> int | None:
    if anchor is None and seconds is None:
        return None
    fields.one_of("expires_after.anchor", str(anchor), ("created_at",))
    if not isinstance(seconds, str) or not seconds.isdecimal():
        raise invalid_type("expires_after.seconds", "an integer", seconds)
    fields.int_range("expires_after.seconds", int(seconds), _MIN_EXPIRY_S, _MAX_EXPIRY_S)
    return int(seconds)


def list_files(ctx: RequestContext, _: bytes) -> Reply:
    """Oldest first, by ``purpose`` if asked, paged by ``after`` and ``limit``."""
    query = ctx.request.query_params
    found = [f.describe() for f in store(ctx).all(query.get("purpose"))]
    # The Files API pages by up to 10,000, all of them by default.
    return JsonReply(fields.page(found, query, default=10_000, most=10_000))


def retrieve(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply(stored(ctx, ctx.request.path_params["id"]).describe())


def content(ctx: RequestContext, _: bytes) -> Reply:
    file_id = ctx.request.path_params["id"]
    path = store(ctx).path(file_id)
    if path is None or not path.exists():
        raise file_not_found(file_id)
    return FileReply(path, "application/octet-stream")


def delete(ctx: RequestContext, _: bytes) -> Reply:
    file_id = ctx.request.path_params["id"]
    if not store(ctx).delete(file_id):
        raise file_not_found(file_id)
    return JsonReply({"id": file_id, "object": "file", "deleted": True})


UPLOAD = resource(upload, receive_upload)
LIST = resource(list_files)
RETRIEVE = resource(retrieve)
CONTENT = resource(content)
DELETE = resource(delete)
