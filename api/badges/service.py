"""Badge jobs: create (idempotent, limited per user), read, log, cancel. No HTTP here."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from api.badges.intake import BadgeRequest
from api.badges.models import FINISHED_STATUSES, UNFINISHED_STATUSES, BadgeJob, BadgeJobLog, JobStatus
from api.badges.options import BadgeOptionsSchema
from api.core.db import on_commit, rows_changed, utcnow
from api.core.pagination import PageRequest, paginate
from api.core.storage import StorageError, StorageFullError, storage
from api.errors import (
    NotFoundError,
    ServiceUnavailableError,
    TooManyRequestsError,
    ValidationError,
)
from api.extensions import jobs
from api.jobs import JobsUnavailableError
from api.links import public_base
from api.users.models import User
from api.webhooks.job_events import announce_job

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def job_not_found() -> NotFoundError:
    return NotFoundError("No badge job with this id.", code="job_not_found")


def input_key(job_id: uuid.UUID) -> str:
    return f"jobs/{job_id}/input.json"


def folder(job_id: uuid.UUID) -> str:
    return f"jobs/{job_id}"


def report_key(job_id: uuid.UUID) -> str:
    """The report of a job made before report.jsonl and report.index (one JSON document)."""
    return f"{folder(job_id)}/report.json"


def report_lines_key(job_id: uuid.UUID) -> str:
    return f"{folder(job_id)}/report.jsonl"


def report_index_key(job_id: uuid.UUID) -> str:
    return f"{folder(job_id)}/report.index"


def photos_key(job_id: uuid.UUID) -> str:
    """The job's ZIP of photos, as uploaded (its members are read by the render processes)."""
    return f"{folder(job_id)}/photos.zip"


def rows_key(job_id: uuid.UUID) -> str:
    """The job's attendees, packed (api.render.attendees.PackedRows): one JSON array per line."""
    return f"{folder(job_id)}/rows.jsonl"


def proof_key(job_id: uuid.UUID) -> str:
    return f"{folder(job_id)}/proof.pdf"


def check_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.match(value):
        raise ValidationError(
            {"Idempotency-Key": ["Must be 1 to 255 visible ASCII characters (a UUID is a good choice)."]}
        )
    return value


def find_repeated_request(
    session: Session, *, actor: User, idempotency_key: str | None, fingerprint: str
) -> BadgeJob | None:
    """The job an earlier request with this key made; the same key with another body is a 422."""
    if idempotency_key is None:
        return None
    job = session.scalar(
        select(BadgeJob).where(BadgeJob.owner_id == actor.id, BadgeJob.idempotency_key == idempotency_key)
    )
    if job is not None and job.request_sha256 != fingerprint:
        raise ValidationError(
            {"Idempotency-Key": ["This key was used for a different request; use a new key."]},
            detail="The Idempotency-Key was already used with a different request body.",
            code="idempotency_key_reused",
        )
    return job


def create_job(
    session: Session, *, actor: User, checked: BadgeRequest, idempotency_key: str | None
) -> tuple[BadgeJob, bool]:
    """Store the checked input and queue the job; return (job, created). A repeat returns the first."""
    repeated = find_repeated_request(
        session, actor=actor, idempotency_key=idempotency_key, fingerprint=checked.fingerprint
    )
    if repeated is not None:
        return repeated, False
    _check_queue_limit(session, actor)
    job = BadgeJob(
        id=uuid.uuid4(),
        owner_id=actor.id,
        event_id=checked.event.id if checked.event else None,
        name=checked.name,
        status=JobStatus.QUEUED,
        options=checked.options_as_sent,
        template_ref=checked.template.ref,
        progress_total=len(checked.rows),
        idempotency_key=idempotency_key,
        request_sha256=checked.fingerprint,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        # Two requests with one key raced; the other one's job is the answer.
        repeated = find_repeated_request(
            session, actor=actor, idempotency_key=idempotency_key, fingerprint=checked.fingerprint
        )
        if repeated is None:
            raise
        return repeated, False
    job.input_key = input_key(job.id)
    _store_input(job, checked)
    queued = f"Queued: {len(checked.rows):,} attendees, template {checked.template.name}."
    add_log(session, job, "INFO", queued)
    session.flush()
    on_commit(session, lambda: _enqueue_render(job.id))
    return job, True


def _enqueue_render(job_id: uuid.UUID) -> None:
    try:
        jobs.enqueue("badges.render", job_id=str(job_id))
    except JobsUnavailableError:
        # The job is stored as queued: the sweep sends it again once the broker answers.
        log.warning("Badge job %s is queued but the broker is unreachable; the sweep will resend it", job_id)


def lock_owner(session: Session, owner_id: uuid.UUID) -> None:
    """Serialise one user's job-limit checks until the transaction ends (PostgreSQL: a row lock on
    the user; SQLite: writers already hold the database's write lock from BEGIN IMMEDIATE).

    Without it two transactions count the same rows and both insert or claim past the limit.
    FOR NO KEY UPDATE does not block inserts of rows that merely reference the user.
    """
    session.execute(select(User.id).where(User.id == owner_id).with_for_update(key_share=True))


def _check_queue_limit(session: Session, actor: User) -> None:
    limit = current_app.config["BADGE_JOBS_MAX_QUEUED_PER_USER"]
    lock_owner(session, actor.id)
    queued = session.scalar(
        select(func.count())
        .select_from(BadgeJob)
        .where(BadgeJob.owner_id == actor.id, BadgeJob.status == JobStatus.QUEUED)
    )
    if (queued or 0) >= limit:
        raise TooManyRequestsError(
            f"You have {queued} badge jobs waiting, the limit (BADGE_JOBS_MAX_QUEUED_PER_USER is {limit});"
            " wait for one to start or cancel one.",
            code="too_many_jobs",
            headers={"Retry-After": "10"},
        )


def _store_input(job: BadgeJob, checked: BadgeRequest) -> None:
    """What the worker needs, in storage: it may run in another process, on another machine."""
    bundle = {
        "columns": list(checked.rows.columns),
        # The rows are a file of their own (rows_key), stored as intake packed them: reading the
        # bundle never makes a dict per attendee.
        "rows_file": True,
        "row_numbers": checked.row_numbers,
        # Found while checking the request, logged by the worker after its Intake line: the log
        # reads in the order a person would check things.
        "intake_warnings": intake_warnings(checked),
        "options": BadgeOptionsSchema().dump(checked.render_options),
        "template_ref": checked.template.ref,
        "fonts": sorted(checked.fonts),
        "template_svg": checked.template.svg is not None,
        "template_back_svg": checked.template.source.back_svg is not None,
        "ticket_colors": checked.ticket_colors,
        "background": bool(checked.background),
        "photos": checked.photos is not None,
        # The address this request came to: the worker's mail links start with it when no
        # PUBLIC_API_URL says otherwise (the worker has no request of its own).
        "links_base": public_base(),
    }
    store = storage()
    try:
        if checked.background:
            store.put_bytes(f"{folder(job.id)}/background", checked.background)
        if checked.photos is not None:
            store.put_bytes(photos_key(job.id), checked.photos)
        for family, data in checked.fonts.items():
            store.put_bytes(f"{folder(job.id)}/fonts/{family}", data)
        if checked.template.svg is not None:
            # Its own file, as uploaded: an SVG need not be UTF-8, and the template may be deleted later.
            store.put_bytes(f"{folder(job.id)}/template.svg", checked.template.svg)
        if checked.template.source.back_svg is not None:
            store.put_bytes(f"{folder(job.id)}/template-back.svg", checked.template.source.back_svg)
        store.put_bytes(rows_key(job.id), checked.rows.data)
        store.put_bytes(input_key(job.id), json.dumps(bundle, ensure_ascii=False).encode())
    except StorageError as error:
        # The request rolls back the job row; the files written so far go with it (or, with the
        # store unreachable, with the sweep's leftovers).
        with contextlib.suppress(StorageError):
            store.delete_folder(folder(job.id))
        log.warning("Badge job input not stored (%s); the request answers 503", error.__cause__ or error)
        reason = "storage is full" if isinstance(error, StorageFullError) else "storage could not be written"
        raise ServiceUnavailableError(
            f"The job could not be stored: {reason}. Retry after the time in Retry-After.",
            code="storage_full" if isinstance(error, StorageFullError) else "storage_unavailable",
            headers={"Retry-After": "60"},
        ) from None


def intake_warnings(checked: BadgeRequest) -> list[str]:
    """What the request's checks found that does not stop the job, as build log lines."""
    warnings, total = checked.font_warnings
    lines = list(warnings)
    if total > len(warnings):
        more = total - len(warnings)
        lines.append(f"... and {more:,} more texts with characters not in their font.")
    for name in checked.missing_fields:
        lines.append(f"The attendee list has no column for {{{{{name}}}}}; it is left empty.")
    return lines


def owned_job(session: Session, *, actor: User, job_id: uuid.UUID) -> BadgeJob:
    job = session.get(BadgeJob, job_id)
    if job is None or job.owner_id != actor.id:
        raise job_not_found()
    return job


def list_jobs(session: Session, *, actor: User, page: PageRequest) -> tuple[list[BadgeJob], int]:
    query = (
        select(BadgeJob)
        .where(BadgeJob.owner_id == actor.id)
        .order_by(BadgeJob.created_at.desc(), BadgeJob.id.desc())
    )
    return paginate(session, query, page)


def job_logs(
    session: Session, *, actor: User, job_id: uuid.UUID, after: int, limit: int
) -> list[BadgeJobLog]:
    owned_job(session, actor=actor, job_id=job_id)
    return list(
        session.scalars(
            select(BadgeJobLog)
            .where(BadgeJobLog.job_id == job_id, BadgeJobLog.seq > after)
            .order_by(BadgeJobLog.seq)
            .limit(limit)
        )
    )


def add_log(session: Session, job: BadgeJob, kind: str, message: str, detail: str | None = None) -> None:
    """Append a build log line, numbered after the job's last one.

    The number is counted up in the database, not in this session's copy of the job, which may be
    stale: a worker and a request (a cancel) both write lines, and the row lock the UPDATE takes
    keeps their numbers apart.
    """
    seq = session.execute(
        update(BadgeJob)
        .where(BadgeJob.id == job.id)
        .values(log_count=BadgeJob.log_count + 1)
        .returning(BadgeJob.log_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(job, "log_count", seq)
    session.add(BadgeJobLog(job_id=job.id, seq=seq, type=kind, message=message[:500], detail=detail))


def cancel_job(session: Session, *, actor: User, job_id: uuid.UUID) -> BadgeJob:
    """Cancel a queued or running job and remove its files; a finished job keeps its record and log."""
    job = owned_job(session, actor=actor, job_id=job_id)
    now = utcnow()
    if job.status not in FINISHED_STATUSES:
        # Conditional, so a worker finishing at this very moment cannot be overwritten half-way.
        changed = rows_changed(
            session.execute(
                update(BadgeJob)
                .where(BadgeJob.id == job.id, BadgeJob.status.in_(UNFINISHED_STATUSES))
                .values(
                    status=JobStatus.CANCELLED,
                    finished_at=now,
                    error="Cancelled by its owner.",
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        )
        session.refresh(job)
        if changed:
            add_log(session, job, "ERROR", "Cancelled by its owner.")
            announce_job(session, job)
    if job.file_deleted_at is None:
        job.file_deleted_at = now
        add_log(session, job, "INFO", "Files removed.")
    session.flush()
    job_folder = folder(job.id)  # taken now: after the commit, job is expired
    on_commit(session, lambda: _delete_files(job_folder))
    return job


def _delete_files(job_folder: str) -> None:
    """After the cancel committed: a store that cannot be reached then must not turn the answer into
    an error, as the job is cancelled either way; the folder stays behind (logged)."""
    try:
        storage().delete_folder(job_folder)
    except StorageError as error:
        log.warning("Files of %s not deleted: %s", job_folder, error.__cause__ or error)
