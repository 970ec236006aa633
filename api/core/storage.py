"""Where job inputs and generated files live: a small interface, a directory by default.

Keys are relative paths such as "jobs/<id>/badges.pdf". Writes go to a temporary file in the same
directory and are renamed into place, so a reader never sees half a file and a crash leaves no
partial output under the key. The other backend, S3-compatible object storage
(api.core.object_storage, chosen by STORAGE_URL=s3://bucket/prefix), keeps the same methods
(`Storage`): callers never take a stored file's path, they ask for a local copy (`local_copy`), a
reader (`open`, seekable) or the file's size and time (`stat`), so API and workers on different
machines share nothing but the store.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import Flask, current_app


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class FileInfo:
    size: int
    modified: float  # a time.time() value


class StorageError(Exception):
    pass


class StorageUnavailableError(StorageError):
    """The store cannot be reached (an object store down, a network partition): a request that
    needs it answers 503, never 500."""


class StorageFullError(StorageError):
    """The filesystem has no room left (ENOSPC, or a quota): it clears once files are deleted."""


PARTIAL_PREFIX = ".partial-"
FETCH_PREFIX = "fetch-"  # folders of local copies of stored files, in the scratch folder
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def is_full_error(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _FULL_ERRNOS


class Storage(Protocol):
    """What job files are kept in: a local directory (LocalStorage) or an object store (S3Storage)."""

    def put_bytes(self, key: str, data: bytes) -> StoredFile: ...
    def put_file(self, key: str, source: str | Path) -> StoredFile: ...
    def open(self, key: str) -> BinaryIO: ...
    def read_bytes(self, key: str) -> bytes: ...
    def stat(self, key: str) -> FileInfo: ...
    def exists(self, key: str) -> bool: ...
    def local_copy(self, key: str) -> AbstractContextManager[Path]: ...
    def delete(self, key: str) -> None: ...
    def delete_folder(self, prefix: str) -> None: ...
    def folders(self, prefix: str) -> list[tuple[str, float]]: ...
    def delete_partials(self, older_than: float, keep: Callable[[str], bool] = ...) -> int: ...
    def scratch_dir(self) -> Path: ...
    def health(self, min_free_bytes: int = ...) -> dict[str, object]: ...
    def presigned_url(
        self, key: str, *, name: str, mimetype: str, as_attachment: bool, expires_in: int
    ) -> str | None: ...


@contextmanager
def _storage_errors(key: str) -> Iterator[None]:
    """OSError while writing becomes StorageError (StorageFullError when the disk is full)."""
    try:
        yield
    except StorageError:
        raise
    except OSError as error:
        if is_full_error(error):
            raise StorageFullError("storage is full") from error
        raise StorageError(f"storage could not write {key!r}: {error.strerror or error}") from error


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """The file's path on disk; a key that would leave the root is refused."""
        relative = PurePosixPath(key)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise StorageError(f"bad storage key {key!r}")
        return self.root.joinpath(*relative.parts)

    def put_bytes(self, key: str, data: bytes) -> StoredFile:
        target = self.path(key)
        with _storage_errors(key):
            target.parent.mkdir(parents=True, exist_ok=True)
            with self._temporary_beside(target) as temporary:
                temporary.write_bytes(data)
                os.replace(temporary, target)
        return StoredFile(key, len(data), hashlib.sha256(data).hexdigest())

    @contextmanager
    def _temporary_beside(self, target: Path) -> Iterator[Path]:
        """A temporary name in the target's folder, removed unless it was renamed into place: a
        failed write (a full disk) leaves no partial file behind."""
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
        os.close(handle)
        temporary = Path(name)
        try:
            yield temporary
        finally:
            temporary.unlink(missing_ok=True)

    def put_file(self, key: str, source: str | Path) -> StoredFile:
        """Move `source` (a finished file, ideally on the same filesystem) under `key`."""
        target = self.path(key)
        digest, size = file_digest(source)
        with _storage_errors(key):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source, target)
            except OSError as error:
                if error.errno != errno.EXDEV:
                    raise
                # Another filesystem: copy beside the target, then rename, so the swap stays atomic.
                with self._temporary_beside(target) as temporary:
                    shutil.copyfile(source, temporary)
                    os.replace(temporary, target)
                os.unlink(source)
        return StoredFile(key, size, digest)

    def scratch_dir(self) -> Path:
        """A folder for files being made, on the same filesystem as the store (renames stay cheap)."""
        folder = self.root / ".scratch"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"no stored file {key!r}") from None

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def stat(self, key: str) -> FileInfo:
        try:
            found = self.path(key).stat()
        except FileNotFoundError:
            raise StorageError(f"no stored file {key!r}") from None
        return FileInfo(found.st_size, found.st_mtime)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """The file itself: it is already on this machine's disk."""
        if not self.exists(key):
            raise StorageError(f"no stored file {key!r}")
        yield self.path(key)

    def presigned_url(
        self,
        key: str,  # noqa: ARG002  (the interface's signature)
        *,
        name: str,  # noqa: ARG002
        mimetype: str,  # noqa: ARG002
        as_attachment: bool,  # noqa: ARG002
        expires_in: int,  # noqa: ARG002
    ) -> str | None:
        return None  # a directory has no URL of its own: the API serves its files

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_folder(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def folders(self, prefix: str) -> list[tuple[str, float]]:
        """The folders directly under `prefix` ("jobs"), with when each last changed."""
        found = []
        try:
            for entry in os.scandir(self.path(prefix)):
                if entry.is_dir(follow_symlinks=False):
                    found.append((entry.name, entry.stat(follow_symlinks=False).st_mtime))
        except FileNotFoundError:
            pass
        return found

    def delete_partials(self, older_than: float, keep: Callable[[str], bool] = lambda _key: False) -> int:  # noqa: ARG002  (the interface's signature)
        """Delete temporary files of writes that never finished (a crash mid-write), older than
        `older_than` (a time.time() value); return how many. A file being written has a fresh
        modification time, so `keep` (which an object store needs) is not consulted."""
        deleted = 0
        for leftover in self.root.rglob(f"{PARTIAL_PREFIX}*"):
            try:
                if leftover.is_file() and leftover.stat().st_mtime < older_than:
                    leftover.unlink()
                    deleted += 1
            except FileNotFoundError:
                pass
        return deleted

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def health(self, min_free_bytes: int = 64 * 1024**2) -> dict[str, object]:
        """Writable, and how much room is left (a full disk fails jobs, so health says so early)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
                pass
            free = self.free_bytes()
        except OSError as error:
            return {"ok": False, "reason": f"storage is not writable: {error.strerror or error}"}
        if free < min_free_bytes:
            return {
                "ok": False,
                "free_bytes": free,
                "reason": f"storage is nearly full: {free} bytes free, under the mark of {min_free_bytes}"
                " (STORAGE_MIN_FREE_BYTES)",
            }
        return {"ok": True, "free_bytes": free}


def file_digest(path: str | Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def init_storage(app: Flask) -> None:
    root = app.config.get("STORAGE_DIR") or os.path.join(app.instance_path, "storage")
    url = app.config.get("STORAGE_URL")
    if url:
        # Imported here: boto3 takes a moment to import, and the default store does not need it.
        from api.core.object_storage import S3Storage

        app.extensions["storage"] = S3Storage.from_url(
            url,
            scratch_root=root,
            multipart_threshold=app.config["STORAGE_MULTIPART_THRESHOLD"],
        )
    else:
        app.extensions["storage"] = LocalStorage(root)


def storage() -> Storage:
    store: Storage = current_app.extensions["storage"]
    return store
