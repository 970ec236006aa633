"""Job files in S3-compatible object storage (AWS S3, MinIO, Ceph, ...): the `Storage` of
STORAGE_URL=s3://bucket/prefix.

Endpoint, region and credentials come from boto3's standard sources (AWS_ENDPOINT_URL,
AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or an instance role). An object is
written whole or not at all (a PUT, or a multipart upload completed at the end), so no reader sees
half a file; an upload abandoned by a crash is aborted by `delete_partials`. Files being made live in
a local scratch folder, never in the bucket: a render writes there, then the result is uploaded.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from werkzeug.http import dump_options_header

from api.core.storage import (
    FETCH_PREFIX,
    FileInfo,
    StorageError,
    StorageUnavailableError,
    StoredFile,
    file_digest,
)

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
READ_BUFFER = 256 * 1024


@contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """boto3's errors as the store's: a missing object is a StorageError, an unreachable or failing
    store a StorageUnavailableError (a request answers 503)."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _MISSING:
            raise StorageError(f"no stored file {what!r}") from error
        if status >= 500 or code in {"SlowDown", "ServiceUnavailable", "RequestTimeout"}:
            raise StorageUnavailableError(f"object storage failed on {what!r}: {code}") from error
        raise StorageError(f"object storage refused {what!r}: {code}") from error
    except BotoCoreError as error:  # connection refused, timeouts, no credentials
        raise StorageUnavailableError(f"object storage is unreachable: {error}") from error


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str,
        *,
        scratch_root: str | Path,
        multipart_threshold: int = 64 * 1024**2,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.scratch_root = Path(scratch_root).resolve()
        # Few, quick retries: a request waiting on a store that is down should answer 503 soon.
        config = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
        self.client = client or boto3.client("s3", config=config)
        # Files over the threshold go up in parts of that size, several at once; S3 wants parts of
        # at least 5 MiB.
        size = max(multipart_threshold, 5 * 1024**2)
        self.transfer = TransferConfig(multipart_threshold=size, multipart_chunksize=size, max_concurrency=4)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> S3Storage:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
        return cls(parts.netloc, parts.path, **options)

    def object_key(self, key: str) -> str:
        """The object's name in the bucket; a key that would climb out of the prefix is refused."""
        relative = PurePosixPath(key)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise StorageError(f"bad storage key {key!r}")
        return f"{self.prefix}/{relative}" if self.prefix else str(relative)

    def _folder_prefix(self, prefix: str) -> str:
        return self.object_key(prefix).rstrip("/") + "/"

    # Writing ----------------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        with _s3_errors(key):
            self.client.put_object(
                Bucket=self.bucket, Key=self.object_key(key), Body=data, Metadata={"sha256": digest}
            )
        return StoredFile(key, len(data), digest)

    def put_file(self, key: str, source: str | Path) -> StoredFile:
        """Upload `source` (a finished file) under `key`, in parts when large, then delete it: the
        same move as the local store's."""
        digest, size = file_digest(source)
        with _s3_errors(key):
            self.client.upload_file(
                str(source),
                self.bucket,
                self.object_key(key),
                ExtraArgs={"Metadata": {"sha256": digest}},
                Config=self.transfer,
            )
        Path(source).unlink(missing_ok=True)
        return StoredFile(key, size, digest)

    # Reading ----------------------------------------------------------------------------------

    def stat(self, key: str) -> FileInfo:
        with _s3_errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        modified: datetime = head["LastModified"]
        return FileInfo(int(head["ContentLength"]), modified.timestamp())

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except StorageUnavailableError:
            raise
        except StorageError:
            return False
        return True

    def open(self, key: str) -> BinaryIO:
        """A seekable reader that streams the object: one GET from where it is read, another after
        a seek elsewhere (a Range request, a report page)."""
        info = self.stat(key)
        return io.BufferedReader(_ObjectReader(self, key, info.size), buffer_size=READ_BUFFER)

    def read_bytes(self, key: str) -> bytes:
        with _s3_errors(key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
            data: bytes = answer["Body"].read()
        return data

    def get_range(self, key: str, start: int) -> Any:
        """The object's body from byte `start` on, as a stream."""
        with _s3_errors(key):
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self.object_key(key), Range=f"bytes={start}-"
            )
        return answer["Body"]

    def fetch(self, key: str, target: str | Path) -> None:
        """Download the object to `target` (in parts, side by side, when large)."""
        with _s3_errors(key):
            self.client.download_file(self.bucket, self.object_key(key), str(target), Config=self.transfer)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """A copy of the object on this machine's disk, in a folder of its own in the scratch
        folder, removed when the block ends (however it ends)."""
        folder = Path(tempfile.mkdtemp(dir=self.scratch_dir(), prefix=FETCH_PREFIX))
        try:
            target = folder / PurePosixPath(key).name
            self.fetch(key, target)
            yield target
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def presigned_url(
        self, key: str, *, name: str, mimetype: str, as_attachment: bool, expires_in: int
    ) -> str | None:
        disposition = "attachment" if as_attachment else "inline"
        with _s3_errors(key):
            url: str = self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self.object_key(key),
                    "ResponseContentType": mimetype,
                    "ResponseContentDisposition": _content_disposition(disposition, name),
                },
                ExpiresIn=expires_in,
            )
        return url

    # Deleting and listing ---------------------------------------------------------------------

    def delete(self, key: str) -> None:
        with _s3_errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def delete_folder(self, prefix: str) -> None:
        """Every object under `prefix`, a page of up to 1,000 per request."""
        with _s3_errors(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._folder_prefix(prefix)
            )
            for page in pages:
                names = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if names:
                    self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": names, "Quiet": True})

    def folders(self, prefix: str) -> list[tuple[str, float]]:
        """The folders directly under `prefix`, each with its newest object's time: an object store
        has no folders, so a folder changed when the last object under it was written."""
        base = self._folder_prefix(prefix)
        newest: dict[str, float] = {}
        with _s3_errors(prefix):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=base
            ):
                for item in page.get("Contents", []):
                    name, slash, _ = item["Key"][len(base) :].partition("/")
                    if slash:
                        changed = item["LastModified"].timestamp()
                        newest[name] = max(newest.get(name, changed), changed)
        return sorted(newest.items())

    def delete_partials(self, older_than: float, keep: Callable[[str], bool] = lambda _key: False) -> int:
        """Abort multipart uploads under the prefix that a crash left unfinished (their parts are
        stored, and billed, until aborted), except those whose key (relative to the prefix) `keep`
        says are still being written; return how many.

        `keep` matters more than the age: a store's clock, or moto's (which reports every upload
        as initiated in 2010), can make an upload in progress look old, and aborting it fails the
        job that is writing it (seen: a 500 on CompleteMultipartUpload)."""
        aborted = 0
        prefix = f"{self.prefix}/" if self.prefix else ""
        with _s3_errors("multipart uploads"):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if keep(upload["Key"].removeprefix(prefix)):
                        continue
                    if upload["Initiated"].timestamp() < older_than:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        aborted += 1
        return aborted

    # The machine's side -----------------------------------------------------------------------

    def scratch_dir(self) -> Path:
        """Files being made (a render's PDF) and local copies: on this machine, never shared."""
        folder = self.scratch_root / ".scratch"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def health(self, min_free_bytes: int = 0) -> dict[str, object]:  # noqa: ARG002  (the interface's signature)
        """Whether the bucket answers (HEAD bucket) and this machine's scratch folder is writable;
        free space has no meaning in a bucket."""
        try:
            with _s3_errors(self.bucket):
                self.client.head_bucket(Bucket=self.bucket)
        except StorageError as error:
            return {"ok": False, "bucket": self.bucket, "reason": str(error)}
        try:
            with tempfile.NamedTemporaryFile(dir=self.scratch_dir(), prefix=".health-"):
                pass
        except OSError as error:
            reason = f"the scratch folder is not writable: {error.strerror or error}"
            return {"ok": False, "bucket": self.bucket, "reason": reason}
        return {"ok": True, "bucket": self.bucket}


def _content_disposition(disposition: str, name: str) -> str:
    """The header a browser saves the presigned download under, as the API's own answer names it."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        return dump_options_header(disposition, {"filename*": f"UTF-8''{quote(name, safe='')}"})
    return dump_options_header(disposition, {"filename": name})


class _ObjectReader(io.RawIOBase):
    """An object read as a file: a GET from the current position, kept open while reads follow on."""

    def __init__(self, store: S3Storage, key: str, size: int) -> None:
        super().__init__()
        self.store, self.key, self.size = store, key, size
        self.position = 0
        self.body: Any = None
        self.body_position = -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        if self.position >= self.size:
            return 0
        if self.body is None or self.body_position != self.position:
            self._drop_body()
            self.body = self.store.get_range(self.key, self.position)
            self.body_position = self.position
        with _s3_errors(self.key):
            data = self.body.read(len(buffer))
        if not data:
            raise StorageError(f"stored file {self.key!r} ended early")
        count = len(data)
        buffer[:count] = data
        self.position += count
        self.body_position += count
        return count

    def _drop_body(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop_body()
        super().close()
