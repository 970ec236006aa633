"""Signed URLs for a job's live build log (`GET /badge-jobs/{id}/log-stream?token=...`).

A browser's EventSource cannot send an Authorization header, so, as for downloads, the token in the
URL is the permission: signed, bound to the job and to the user it was handed to, and expiring
within minutes (LOG_STREAM_LINK_MAX_AGE). The deadline is checked when a stream opens; a stream
that opened in time runs until its job ends.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from flask import current_app

from api.badges.models import BadgeJob
from api.core.security import TokenError, make_signed_token, read_signed_token
from api.errors import AuthenticationError, PermissionDeniedError
from api.links import absolute_url

LOG_STREAM_PURPOSE = "badge-log-stream"


@dataclass(frozen=True)
class StreamGrant:
    """What a valid token allows: this user may read this job's log."""

    job_id: uuid.UUID
    user_id: uuid.UUID


def log_stream_token(job: BadgeJob) -> str:
    deadline = int(time.time()) + current_app.config["LOG_STREAM_LINK_MAX_AGE"]
    payload = {"job": str(job.id), "user": str(job.owner_id), "exp": deadline}
    return make_signed_token(LOG_STREAM_PURPOSE, payload)


def log_stream_url(job: BadgeJob) -> str:
    """The absolute, signed URL of the job's live log: an EventSource opens it as it is."""
    return absolute_url("api.badge-jobs_badge_job_log_stream", job_id=job.id, token=log_stream_token(job))


def read_log_stream_token(token: str, job_id: uuid.UUID) -> StreamGrant:
    """The grant a token carries for this job; 403 for a forged, altered or another job's token,
    401 for an expired one (the job's answer has a fresh URL)."""
    invalid = PermissionDeniedError(
        "This log stream link is not valid for this job.", code="stream_link_invalid"
    )
    try:
        # The signature's own age check is a backstop; `exp` is the link's real deadline.
        payload = read_signed_token(LOG_STREAM_PURPOSE, token, max_age=86400)
        grant = StreamGrant(uuid.UUID(str(payload["job"])), uuid.UUID(str(payload["user"])))
        deadline = int(payload["exp"])
    except TokenError as error:
        if error.expired:
            raise _expired() from None
        raise invalid from None
    except (KeyError, ValueError, TypeError, AttributeError):
        raise invalid from None
    if grant.job_id != job_id:
        raise invalid
    if time.time() > deadline:
        raise _expired()
    return grant


def _expired() -> AuthenticationError:
    return AuthenticationError(
        "This log stream link has expired; read the job again for a fresh `log_stream_url`.",
        code="stream_link_expired",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
