"""The sweep that keeps badge jobs honest, run periodically (JOBS_SWEEP_INTERVAL).

It re-queues or fails jobs whose worker went silent, queues again jobs whose message was lost, and
deletes files past their retention, half-written scratch files and folders no job owns.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.badges.models import FINISHED_STATUSES, BadgeJob, JobStatus
from api.badges.service import add_log, folder
from api.badges.worker import _asked_at, mail_result, still_mine
from api.core.db import rows_changed, utcnow
from api.core.storage import FETCH_PREFIX, storage
from api.extensions import db, jobs
from api.webhooks.job_events import announce_job

log = logging.getLogger(__name__)


def sweep_jobs(limit: int = 100) -> dict[str, int]:
    """Recover jobs of dead workers, re-send lost messages, delete expired files; return counts."""
    session = db.session()
    config = current_app.config
    now = utcnow()
    counts = {"requeued": 0, "failed": 0, "resent": 0, "expired": 0, "leftovers": 0}
    silent_since = now - timedelta(seconds=config["JOB_HEARTBEAT_TIMEOUT"])
    stale = session.scalars(
        select(BadgeJob)
        .where(BadgeJob.status == JobStatus.RUNNING, BadgeJob.heartbeat_at < silent_since)
        .limit(limit)
    ).all()
    for job in stale:
        counts["requeued" if _recover(session, job) else "failed"] += 1
    quiet_since = now - timedelta(seconds=config["JOB_REQUEUE_AFTER"])
    waiting = session.scalars(
        select(BadgeJob.id)
        .where(BadgeJob.status == JobStatus.QUEUED, BadgeJob.updated_at < quiet_since)
        .order_by(BadgeJob.created_at)
        .limit(limit)
    ).all()
    if waiting:
        session.execute(
            update(BadgeJob)
            .where(BadgeJob.id.in_(waiting), BadgeJob.status == JobStatus.QUEUED)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    for job_id in waiting:
        jobs.enqueue("badges.render", job_id=str(job_id))
        counts["resent"] += 1
    counts["expired"] = _delete_expired_files(session, limit)
    _clean_scratch()
    counts["leftovers"] = _delete_leftovers(session)
    return counts


def _recover(session: Session, job: BadgeJob) -> bool:
    """A running job whose worker went silent: queue it again, or fail it after the last attempt."""
    timeout = current_app.config["JOB_HEARTBEAT_TIMEOUT"]
    attempts_allowed = current_app.config["BADGE_JOB_MAX_ATTEMPTS"]
    now = utcnow()
    retry = bool(job.attempts < attempts_allowed)
    values: dict[str, Any] = (
        {"status": JobStatus.QUEUED, "progress_done": 0}
        if retry
        else {
            "status": JobStatus.FAILED,
            "finished_at": now,
            "error": f"The worker stopped {job.attempts} times while rendering this job.",
            "expires_at": now + timedelta(seconds=current_app.config["BADGE_FILE_RETENTION_SECONDS"]),
        }
    )
    changed = rows_changed(
        session.execute(
            update(BadgeJob)
            .where(still_mine(job.id, job.attempts), BadgeJob.heartbeat_at == job.heartbeat_at)
            .values(heartbeat_at=None, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
    )
    if not changed:
        session.rollback()
        return retry
    session.refresh(job)
    if retry:
        add_log(
            session,
            job,
            "WARNING",
            f"The worker stopped (silent for over {timeout:g} s); queued again,"
            f" attempt {job.attempts + 1} of {attempts_allowed}.",
        )
        session.commit()
        jobs.enqueue("badges.render", job_id=str(job.id))
    else:
        add_log(session, job, "ERROR", job.error or "", "worker lost")
        mail_result(session, job)
        announce_job(session, job, links_base=_asked_at(job))
        session.commit()
    return retry


def _delete_expired_files(session: Session, limit: int) -> int:
    now = utcnow()
    expired = session.scalars(
        select(BadgeJob)
        .where(
            BadgeJob.expires_at < now,
            BadgeJob.file_deleted_at.is_(None),
            BadgeJob.status.in_(FINISHED_STATUSES),
        )
        .limit(limit)
    ).all()
    for job in expired:
        storage().delete_folder(folder(job.id))
        job.file_deleted_at = now
        add_log(session, job, "INFO", "Files deleted: the retention period ended.")
    session.commit()
    return len(expired)


def _clean_scratch() -> None:
    """Half-written PDFs of workers that died, and local copies of stored files they had fetched;
    anything older than the longest job can run."""
    horizon = time.time() - 2 * current_app.config["BADGE_RENDER_WALL_SECONDS"]
    scratch = storage().scratch_dir()
    # PDFs, proofs, reports being written; folders of fetched copies (api.core.object_storage)
    for leftover in [*scratch.glob("*.pdf*"), *scratch.glob(f"{FETCH_PREFIX}*")]:
        try:
            if leftover.stat().st_mtime < horizon:
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        except FileNotFoundError:
            pass


def _delete_leftovers(session: Session) -> int:
    """Partial writes and job folders whose job row does not exist (a request that failed after
    writing, a crash), once older than STORAGE_LEFTOVER_SECONDS; return how many were deleted."""
    horizon = time.time() - current_app.config["STORAGE_LEFTOVER_SECONDS"]
    store = storage()
    # A job still queued or running may be writing its files right now: its uploads are not
    # leftovers, whatever their age says.
    active = {
        str(job_id)
        for job_id in session.scalars(select(BadgeJob.id).where(BadgeJob.status.not_in(FINISHED_STATUSES)))
    }
    deleted = store.delete_partials(older_than=horizon, keep=lambda key: _job_of(key) in active)
    candidates: dict[uuid.UUID, str] = {}
    for name, changed_at in store.folders("jobs"):
        try:
            job_id = uuid.UUID(name)
        except ValueError:
            continue
        if changed_at < horizon:
            candidates[job_id] = name
    if candidates:
        known = set(session.scalars(select(BadgeJob.id).where(BadgeJob.id.in_(list(candidates)))))
        session.commit()
        for job_id, name in candidates.items():
            if job_id not in known:
                store.delete_folder(f"jobs/{name}")
                deleted += 1
    if deleted:
        log.info("Storage sweep deleted %d leftover files and folders", deleted)
    return deleted


def _job_of(key: str) -> str | None:
    """The job id a storage key belongs to ("jobs/<id>/..."), or None."""
    parts = key.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "jobs" else None
