"""Downloads of a job's files by signed link: the token, the one URL builder, and serving the file.

A link carries no Authorization header (a plain <a href> and a link in a mail both work), so the
token itself is the permission: signed, bound to the job and its file's content, and expiring.
"""

from __future__ import annotations

import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app, send_file
from sqlalchemy.orm import Session

from api.badges.models import BadgeJob, JobStatus
from api.badges.service import proof_key
from api.core.db import utcnow
from api.core.security import TokenError, make_signed_token, read_signed_token
from api.core.storage import storage
from api.errors import GoneError, NotFoundError
from api.links import absolute_url

DOWNLOAD_PURPOSE = "badge-download"


@dataclass(frozen=True)
class DownloadLink:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class DownloadFile:
    """A file of a job as a response sends it."""

    key: str
    name: str  # the file name a browser saves it under
    etag: str | bool  # True: from the file's size and time
    as_attachment: bool = True
    mimetype: str = "application/pdf"


PROOF = "proof"  # a download token's `file` for the proof sheet; without it, the badges' PDF


def download_link(job: BadgeJob, file: str | None = None) -> DownloadLink | None:
    """A signed link to the job's PDF (or its proof sheet, `file` "proof"): bound to the job and
    the badges' content, and expiring."""
    if job.status != JobStatus.SUCCEEDED or job.file_sha256 is None or job.file_deleted_at is not None:
        return None
    if file == PROOF and not job.flagged_badges:
        return None
    max_age = current_app.config["DOWNLOAD_LINK_MAX_AGE"]
    expires_at = utcnow() + timedelta(seconds=max_age)
    if job.expires_at is not None:
        expires_at = min(expires_at, job.expires_at)
    payload = {"job": str(job.id), "sha": job.file_sha256[:32], "exp": int(expires_at.timestamp())}
    if file is not None:
        payload["file"] = file
    return DownloadLink(make_signed_token(DOWNLOAD_PURPOSE, payload), expires_at)


def download_url(token: str) -> str:
    """The absolute URL of a download token: the one builder for the API's answers and the mails."""
    return absolute_url("api.downloads_download", token=token)


def download_target(session: Session, token: str) -> DownloadFile:
    """The file a download token names; 404 for a forged token, 410 for an expired link or file."""
    not_found = NotFoundError("No download with this link.", code="download_not_found")
    try:
        # The signature's own age check is a backstop; `exp` is the link's real deadline.
        payload = read_signed_token(DOWNLOAD_PURPOSE, token, max_age=10 * 365 * 86400)
        job_id = uuid.UUID(str(payload["job"]))
        deadline, sha = int(payload["exp"]), str(payload["sha"])
        file = payload.get("file")
    except (TokenError, KeyError, ValueError, TypeError, AttributeError):
        raise not_found from None
    if file not in (None, PROOF):
        raise not_found
    job = session.get(BadgeJob, job_id)
    if job is not None and job.file_sha256 is not None and job.file_sha256[:32] != sha:
        raise not_found  # a token for another file of this job (a re-render) never fits this one
    if time.time() > deadline:
        raise GoneError(
            "This download link has expired; open the job again for a new link.", code="link_expired"
        )
    gone = GoneError("The file was deleted; generate the badges again.", code="file_deleted")
    if job is None or job.file_key is None or job.file_deleted_at is not None:
        raise gone
    found = proof_download(job) if file == PROOF else badges_download(job)
    if found is None or not storage().exists(found.key):
        raise gone
    return found


def send_download(found: DownloadFile, environ: dict[str, Any]) -> Response:
    """A stored PDF (or ZIP) with Range, ETag and a file name, streamed from storage; or, with
    object storage and STORAGE_PRESIGNED_DOWNLOADS, a redirect to a short-lived presigned URL."""
    store = storage()
    config = current_app.config
    if config["STORAGE_PRESIGNED_DOWNLOADS"]:
        url = store.presigned_url(
            found.key,
            name=found.name,
            mimetype=found.mimetype,
            as_attachment=found.as_attachment,
            expires_in=config["STORAGE_PRESIGNED_SECONDS"],
        )
        if url is not None:
            moved = Response(status=302, headers={"Location": url, "Cache-Control": "private, no-store"})
            return moved
    info = store.stat(found.key)
    response = send_file(
        store.open(found.key),
        mimetype=found.mimetype,
        as_attachment=found.as_attachment,
        download_name=found.name,
        conditional=False,  # made conditional below, once the size is known
        etag=False,
        max_age=0,
        last_modified=info.modified,
    )
    response.content_length = info.size
    # The badges' sha256 when the job kept one; otherwise the file's size and time, which change
    # with every write.
    response.set_etag(found.etag if isinstance(found.etag, str) else f"{info.size:x}-{info.modified:.6f}")
    response.make_conditional(environ, accept_ranges=True, complete_length=info.size)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def badges_download(job: BadgeJob) -> DownloadFile:
    assert job.file_key is not None
    mimetype = "application/zip" if is_zip(job) else "application/pdf"
    return DownloadFile(job.file_key, download_name(job), job.file_sha256 or True, mimetype=mimetype)


def proof_download(job: BadgeJob) -> DownloadFile | None:
    """The proof sheet, shown in the browser rather than saved; None when no badge was flagged."""
    if not job.flagged_badges:
        return None
    return DownloadFile(proof_key(job.id), f"{_file_stem(job)} proof.pdf", True, as_attachment=False)


def download_name(job: BadgeJob) -> str:
    """A file name from the job's (or event's) name: readable, safe on every OS."""
    return f"{_file_stem(job)} badges.{'zip' if is_zip(job) else 'pdf'}"


def is_zip(job: BadgeJob) -> bool:
    """Whether the job's file is a ZIP of one file per attendee (options.output "zip")."""
    return (job.file_key or "").endswith(".zip")


def _file_stem(job: BadgeJob) -> str:
    name = unicodedata.normalize("NFC", job.name)
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", name)
    return re.sub(r"\s+", " ", name).strip(" .")[:120] or "badges"
