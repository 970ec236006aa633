"""Where job inputs and generated files live: a small interface, a directory by default.

Keys are relative paths such as "jobs/<id>/badges.pdf". Writes go to a temporary file in the same
directory and are renamed into place, so a reader never sees half a file and a crash leaves no
partial output under the key. Another backend (an object store) would keep the same methods.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import Flask, current_app


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class StorageError(Exception):
    pass


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
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".partial-", delete=False) as handle:
            handle.write(data)
            temporary = Path(handle.name)
        os.replace(temporary, target)
        return StoredFile(key, len(data), hashlib.sha256(data).hexdigest())

    def put_file(self, key: str, source: str | Path) -> StoredFile:
        """Move `source` (a finished file, ideally on the same filesystem) under `key`."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = file_digest(source)
        try:
            os.replace(source, target)
        except OSError:
            # Another filesystem: copy beside the target, then rename, so the swap stays atomic.
            with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".partial-", delete=False) as handle:
                temporary = Path(handle.name)
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

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_folder(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def health(self) -> dict[str, object]:
        """Writable, and how much room is left (a full disk fails jobs, so health says so early)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
                pass
            usage = shutil.disk_usage(self.root)
        except OSError as error:
            return {"ok": False, "reason": f"storage is not writable: {error.strerror or error}"}
        return {"ok": usage.free > 64 * 1024**2, "free_bytes": usage.free}


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
    app.extensions["storage"] = LocalStorage(root)


def storage() -> LocalStorage:
    store: LocalStorage = current_app.extensions["storage"]
    return store
