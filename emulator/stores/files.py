"""Uploaded files (and the files batch jobs write), kept on disk under one folder.

The folder is ``files.dir`` in the configuration, or a temporary one removed at exit. The
index stays in memory; the contents do not. The store is bounded by count and bytes: the
oldest files go first, as a long run must not fill the disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .. import ids


@dataclass(frozen=True)
class StoredFile:
    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    expires_at: int | None = None

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }
        if self.expires_at is not None:
            found["expires_at"] = self.expires_at
        return found


class FileStore(Protocol):
    """The files' index and their contents, as the Files API and batch jobs use them."""

    directory: Path  # where uploads are spooled as they stream in, before they are adopted
    max_upload_bytes: int

    def add(self, data: bytes, filename: str, purpose: str, expires_after_s: int | None = None) -> StoredFile: ...

    def adopt(self, path: Path, size: int, filename: str, purpose: str, expires_after_s: int | None) -> StoredFile:
        """A file already written in ``directory`` (a streamed upload) becomes a stored one."""

    def get(self, file_id: str) -> StoredFile | None: ...

    def path(self, file_id: str) -> Path | None: ...

    def content(self, file_id: str) -> bytes | None: ...

    def delete(self, file_id: str) -> bool: ...

    def all(self, purpose: str | None = None) -> list[StoredFile]: ...

    def close(self) -> None:
        """The emulator is stopping: let go of what the store made for itself."""


class LocalFileStore:
    """The index in memory, the contents on this machine's disk."""

    def __init__(self, directory: Path | None, max_files: int, max_bytes: int, max_upload_bytes: int) -> None:
        # A folder of its own is removed when the emulator stops (close), or at the latest
        # when the process exits; a folder the user named is theirs, and stays.
        self._own: Callable[[], object] | None = None
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="aoai-emulator-files-"))
            self._own = weakref.finalize(self, shutil.rmtree, directory, True)
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self._files: OrderedDict[str, StoredFile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        """Remove the folder, if it is the store's own."""
        if self._own is not None:
            self._own()

    def add(self, data: bytes, filename: str, purpose: str, expires_after_s: int | None = None) -> StoredFile:
        stored = self._describe(len(data), filename, purpose, expires_after_s)
        (self.directory / stored.id).write_bytes(data)
        return self._keep(stored)

    def adopt(self, path: Path, size: int, filename: str, purpose: str, expires_after_s: int | None) -> StoredFile:
        """A file already written in the store's folder (a streamed upload) becomes a stored one."""
        stored = self._describe(size, filename, purpose, expires_after_s)
        os.replace(path, self.directory / stored.id)
        return self._keep(stored)

    def path(self, file_id: str) -> Path | None:
        found = self.get(file_id)
        return self.directory / found.id if found is not None else None

    def _describe(self, size: int, filename: str, purpose: str, expires_after_s: int | None) -> StoredFile:
        now = int(time.time())
        return StoredFile(
            id=f"file-{ids.hex32()}",
            filename=filename,
            purpose=purpose,
            bytes=size,
            created_at=now,
            expires_at=now + expires_after_s if expires_after_s else None,
        )

    def _keep(self, stored: StoredFile) -> StoredFile:
        with self._lock:
            self._files[stored.id] = stored
            self._bytes += stored.bytes
            while self._files and (len(self._files) > self.max_files or self._bytes > self.max_bytes):
                _, dropped = self._files.popitem(last=False)
                self._forget(dropped)
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            found = self._files.get(file_id)
        if found is not None and found.expires_at is not None and found.expires_at <= time.time():
            self.delete(file_id)
            return None
        return found

    def content(self, file_id: str) -> bytes | None:
        found = self.get(file_id)
        if found is None:
            return None
        try:
            return (self.directory / found.id).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, file_id: str) -> bool:
        with self._lock:
            found = self._files.pop(file_id, None)
            if found is not None:
                self._forget(found)
        return found is not None

    def all(self, purpose: str | None = None) -> list[StoredFile]:
        with self._lock:
            found = list(self._files.values())
        return [f for f in found if purpose is None or f.purpose == purpose]

    def _forget(self, stored: StoredFile) -> None:
        # Called with the lock held.
        self._bytes -= stored.bytes
        (self.directory / stored.id).unlink(missing_ok=True)
