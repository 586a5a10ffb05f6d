"""Links to generated images, signed and answered as Azure serves them from blob storage
with a SAS token (the images themselves are kept in emulator/stores/blobs.py).

Each stored image gets a signed link that expires (24 hours by default, as Azure's do).
The store keeps at most a set number of images and bytes, dropping the oldest first, so a
long run cannot grow without limit. A request for a link answers as Azure Storage does:
the bytes; 403 ``AuthenticationFailed`` once the link has expired or when its signature is
wrong; 404 ``BlobNotFound`` when the image is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone
from email.utils import formatdate
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from . import ids
from .stores.blobs import Blob, BlobStore

# The storage service version Azure's image links carry.
_STORAGE_VERSION = "2020-10-02"


class ImageLinks:
    """Signed links to stored images, and the answers to requests for them."""

    def __init__(self, store: BlobStore, lifetime_s: float) -> None:
        self.store = store
        self.lifetime_s = lifetime_s
        self._secret = secrets.token_bytes(32)

    def issue(self, data: bytes, content_type: str, name: str, base_url: str) -> str:
        """Store ``data``; the signed link to it under ``base_url``."""
        now = time.time()
        blob = Blob(data, content_type, now, now + self.lifetime_s)
        path = f"images/{ids.uuid4()}/{name}"
        self.store.put(path, blob)
        start, expiry = _iso(blob.created), _iso(blob.expires)
        query = f"st={quote(start)}&se={quote(expiry)}&sp=r&sv={_STORAGE_VERSION}&sr=b"
        return f"{base_url.rstrip('/')}/_emulator/blobs/private/{path}?{query}&sig={quote(self._sign(path, expiry))}"

    def _sign(self, path: str, expiry: str) -> str:
        return hmac.new(self._secret, f"{path}\n{expiry}".encode(), hashlib.sha256).hexdigest()[:43] + "="

    async def serve(self, request: Request) -> Response:
        """``GET``/``HEAD`` on a link."""
        request_id = ids.uuid4()
        if request.method not in ("GET", "HEAD"):
            return _storage_error(
                405, "UnsupportedHttpVerb", "The resource doesn't support specified Http Verb.", request_id
            )
        path = request.path_params["path"]
        expiry = request.query_params.get("se", "")
        signature = request.query_params.get("sig", "")
        if not hmac.compare_digest(signature, self._sign(path, expiry)):
            return _auth_failed(request_id, "Signature did not match.")
        blob = self.store.get(path)
        # Storage checks the token before it looks for the blob: an expired link is refused
        # even when its image has already been dropped.
        now = time.time()
        start = blob.created if blob else _parse_iso(request.query_params.get("st", ""))
        expires = blob.expires if blob else _parse_iso(expiry)
        if now >= expires:
            return _auth_failed(
                request_id,
                f"Signature not valid in the specified time frame: Start [{_http_date(start)}] - "
                f"Expiry [{_http_date(expires)}] - Current [{_http_date(now)}]",
            )
        if blob is None:
            return _storage_error(404, "BlobNotFound", "The specified blob does not exist.", request_id)
        headers = {
            "content-type": blob.content_type,
            "content-length": str(len(blob.data)),
            "last-modified": _http_date(blob.created),
            "etag": f'"0x{hashlib.sha1(path.encode()).hexdigest()[:15].upper()}"',
            "accept-ranges": "bytes",
            "x-ms-blob-type": "BlockBlob",
            "x-ms-request-id": request_id,
            "x-ms-version": _STORAGE_VERSION,
        }
        return Response(b"" if request.method == "HEAD" else blob.data, headers=headers)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> float:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 0.0


def _http_date(moment: float) -> str:
    return formatdate(moment, usegmt=True)


def _auth_failed(request_id: str, detail: str) -> Response:
    message = (
        "Server failed to authenticate the request. Make sure the value of Authorization header is formed "
        "correctly including the signature."
    )
    return _storage_error(403, "AuthenticationFailed", message, request_id, detail)


def _storage_error(status: int, code: str, message: str, request_id: str, detail: str | None = None) -> Response:
    """Azure Storage's XML error body."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    body = (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{message}\nRequestId:{request_id}\nTime:{stamp}</Message>"
        + (f"<AuthenticationErrorDetail>{detail}</AuthenticationErrorDetail>" if detail else "")
        + "</Error>"
    )
    headers = {"x-ms-request-id": request_id, "x-ms-error-code": code, "x-ms-version": _STORAGE_VERSION}
    return Response(body.encode("utf-8"), status_code=status, headers=headers, media_type="application/xml")
