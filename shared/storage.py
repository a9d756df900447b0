"""Where uploaded files live: outside the database, behind a small interface (put, get, delete
by key). The database keeps what a file is (name, type, size, SHA-256, its key); the bytes
are here.

- `BlobStore`: the protocol. Keys are the service's own (`documents/ab/<uuid>`), never a name
  a user typed: letters, digits, `.`, `_`, `-` in `/`-separated parts, no part starting with
  a dot, so a key can never climb out of the store.
- `LocalFolderStore`: a folder on the local disk (the default). A write goes to a temporary
  file in the same folder, is flushed to disk and renamed into place, so a reader sees the
  whole file or none.
- `document_store_from_env()`: the store the settings name: `CRM_DOCUMENT_DIR` (default
  `<checkout>/var/documents`). S3-compatible storage (MinIO, Ceph, OSS, COS): see
  services/customer/README.md, "Documents": mount the bucket as a folder and point
  `CRM_DOCUMENT_DIR` at it, or add a class with these three methods.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOCUMENT_DIR = ROOT / "var" / "documents"
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,7}")


class BlobMissing(LookupError):
    """No file under that key."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """The key when it is one of ours (see the module's doc), else ValueError."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalFolderStore:
    """Files in a folder: key `documents/ab/<id>` is the file `<root>/documents/ab/<id>`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFolderStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def document_store_from_env() -> BlobStore:
    """The document store of this installation: the folder CRM_DOCUMENT_DIR (default
    var/documents in the checkout)."""
    return LocalFolderStore(os.environ.get("CRM_DOCUMENT_DIR") or DEFAULT_DOCUMENT_DIR)


def forget(store: BlobStore, key: str) -> None:
    """Delete a file that may already be gone."""
    try:
        store.delete(key)
    except BlobMissing:
        pass


def replace_file(store: BlobStore, key: str, data: bytes, write: Callable[[], tuple[str | None, T]]) -> T:
    """A file that a row names, replaced: the new file stored first, then write() (the
    transaction that points the row at `key`, answering the key it replaced and its result),
    so a row never names a file that is not there. A file whose row was not written is
    removed at once; the replaced one after the commit."""
    store.put(key, data)
    try:
        old, result = write()
    except BaseException:
        forget(store, key)
        raise
    if old and old != key:
        forget(store, old)
    return result
