"""The badge job as a background task: claim, render, report progress, store, mail the result.

A worker claims a queued job with one conditional UPDATE (so a duplicate message, or two workers,
cannot both run it), renders it in a warm render worker of the job lane (api.rendering), and reports
progress with UPDATEs that also carry the heartbeat and notice cancellation: each one is
conditional on the job still being this attempt's, so a job cancelled or taken over meanwhile stops
here. A worker that dies is noticed by the sweep (api.badges.sweep).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from array import array
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.badges.downloads import download_link, download_name, download_url
from api.badges.intake import photo_limits
from api.badges.models import BadgeJob, JobStatus
from api.badges.options import BadgeOptionsSchema
from api.badges.report import store_report, summary_lines
from api.badges.service import add_log, folder, lock_owner, photos_key, rows_key
from api.core.db import rows_changed, utcnow
from api.core.storage import Storage, StorageError, StorageFullError, storage
from api.extensions import db, jobs
from api.links import links_from
from api.mail.service import queue_email
from api.render.attendees import PackedRows
from api.render.errors import LimitExceededError, OutputWriteError, RenderInputError
from api.render.options import BadgeOptions
from api.render.parallel import remove_parts
from api.render.printready import (
    FLATTENED_WARNING,
    PDFX_VERSION,
    PROFILE_DESCRIPTION,
    Conversion,
    working_files,
)
from api.render.tasks import RenderSummary, RenderTask
from api.rendering import render_job as render_in_worker
from api.users.models import User
from api.users.service import has_mail_budget
from api.webhooks.job_events import announce_job

log = logging.getLogger(__name__)

PDF_NAME = "badges.pdf"
ZIP_NAME = "badges.zip"  # options.output "zip": one file per attendee
PROGRESS_EVERY_SECONDS = 0.25


class JobStopped(Exception):
    """The job was cancelled, or taken over after this worker was presumed dead."""


def render_job(job_id: str) -> None:
    job_uuid = uuid.UUID(job_id)
    session = db.session()
    attempt = _claim(session, job_uuid)
    if attempt is None:
        return
    job = session.get(BadgeJob, job_uuid, populate_existing=True)
    assert job is not None
    output = storage().scratch_dir() / f"{job.id}-{attempt}.pdf"
    proof = output.with_name(f"{job.id}-{attempt}-proof.pdf")
    report = output.with_name(f"{job.id}-{attempt}.pdf.report")  # + .jsonl, .index while written
    try:
        _run(session, job, attempt, output, proof, report)
    except JobStopped:
        session.rollback()
        log.info("Badge job %s stopped: cancelled or taken over", job_id)
    except StorageError as error:
        session.rollback()
        log.warning("Badge job %s could not store its PDF: %s", job_id, error.__cause__ or error)
        _fail(session, job_uuid, attempt, _storage_failure(error), "storage")
    except OutputWriteError as error:
        session.rollback()
        failure = StorageFullError(error.message) if error.full else StorageError(error.message)
        _fail(session, job_uuid, attempt, _storage_failure(failure), "storage")
    except RenderInputError as error:
        session.rollback()
        kind = "over a limit" if isinstance(error, LimitExceededError) else "refused"
        _fail(
            session,
            job_uuid,
            attempt,
            f"The badges could not be made ({kind}): {error.message}",
            error.location,
        )
    except Exception as error:
        session.rollback()
        log.exception("Badge job %s failed", job_id)
        _fail(session, job_uuid, attempt, "An internal error stopped the job.", type(error).__name__)
    finally:
        output.unlink(missing_ok=True)
        remove_parts(output)
        for leftover in working_files(str(output)):  # of a print conversion stopped midway
            leftover.unlink(missing_ok=True)
        proof.unlink(missing_ok=True)
        _start_next_for_owner(session, job_uuid)


def _storage_failure(error: StorageError) -> str:
    if isinstance(error, StorageFullError):
        return "The badges could not be stored: storage is full. Start the job again later."
    return "The badges could not be stored: storage could not be written. Start the job again later."


def _claim(session: Session, job_id: uuid.UUID) -> int | None:
    """queued -> running, if the owner is under the running limit; the attempt number, or None."""
    owner_id = session.scalar(select(BadgeJob.owner_id).where(BadgeJob.id == job_id))
    if owner_id is None:
        return None
    lock_owner(session, owner_id)  # the count below then sees every claim committed before it
    running = (
        select(func.count())
        .select_from(BadgeJob)
        .where(BadgeJob.owner_id == owner_id, BadgeJob.status == JobStatus.RUNNING)
        .scalar_subquery()
    )
    now = utcnow()
    claimed = rows_changed(
        session.execute(
            update(BadgeJob)
            .where(
                BadgeJob.id == job_id,
                BadgeJob.status == JobStatus.QUEUED,
                running < current_app.config["BADGE_JOBS_MAX_RUNNING_PER_USER"],
            )
            .values(
                status=JobStatus.RUNNING,
                attempts=BadgeJob.attempts + 1,
                started_at=func.coalesce(BadgeJob.started_at, now),
                heartbeat_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    if not claimed:
        return None
    return session.scalar(select(BadgeJob.attempts).where(BadgeJob.id == job_id))


def still_mine(job_id: uuid.UUID, attempt: int) -> Any:
    """The condition of every write of a running job: still running, and still this attempt's."""
    return (BadgeJob.id == job_id) & (BadgeJob.status == JobStatus.RUNNING) & (BadgeJob.attempts == attempt)


def _run(session: Session, job: BadgeJob, attempt: int, output: Path, proof: Path, report: Path) -> None:
    with ExitStack() as local_files:  # local copies of stored inputs, removed however the job ends
        _render(session, job, attempt, output, proof, report, local_files)


def _render(
    session: Session,
    job: BadgeJob,
    attempt: int,
    output: Path,
    proof: Path,
    report: Path,
    local_files: ExitStack,
) -> None:
    started = time.monotonic()
    store = storage()
    try:
        bundle = json.loads(store.read_bytes(job.input_key or ""))
        # Loaded again with the request's schema: the bundle is input that crossed storage.
        options = BadgeOptionsSchema().load(bundle["options"])
        background = store.read_bytes(f"{folder(job.id)}/background") if bundle["background"] else None
        template_svg = store.read_bytes(f"{folder(job.id)}/template.svg") if bundle["template_svg"] else None
        # Bundles stored before templates had backs have no such key.
        back_key = f"{folder(job.id)}/template-back.svg"
        template_back_svg = store.read_bytes(back_key) if bundle.get("template_back_svg") else None
        # The ZIP is not read here: each render process opens it and reads the photos it draws, so
        # it needs a file on this machine (the stored one, or a copy of the object in scratch).
        photos_path = None
        if bundle.get("photos"):
            photos_path = str(local_files.enter_context(store.local_copy(photos_key(job.id))))
        fonts = {family: store.read_bytes(f"{folder(job.id)}/fonts/{family}") for family in bundle["fonts"]}
        columns = bundle["columns"]
        rows = _stored_rows(store, job, bundle)
        numbers = bundle.pop("row_numbers", None)
        row_numbers = None if numbers is None else array("i", numbers)
        del numbers
    except (StorageError, ValueError, KeyError, TypeError, OverflowError, MarshmallowValidationError):
        raise RenderInputError("the job's stored input is missing or damaged", location="storage") from None
    add_log(session, job, "INFO", f"Intake: {len(rows):,} attendees, columns {', '.join(columns)}.")
    add_log(session, job, "INFO", _template_line(bundle["template_ref"], options))
    # A job queued before these were kept logged its warnings when it was queued.
    for warning in bundle.get("intake_warnings", []):
        add_log(session, job, "WARNING", warning)
    session.commit()
    render_task = RenderTask(
        template_svg=template_svg,
        template_back_svg=template_back_svg,
        template_id=bundle["template_ref"],
        options=options,
        rows=rows,
        columns=columns,
        output_path=str(output),
        background=background,
        ticket_colors=bundle.get("ticket_colors"),
        fonts=fonts,
        row_numbers=row_numbers,
        proof_path=str(proof),
        processes=current_app.config["BADGE_RENDER_PROCESSES"] or None,
        photos_path=photos_path,
        photo_limits=photo_limits(),
    )
    del rows, row_numbers  # the task holds them now
    progress = _Progress(session, job, attempt, len(render_task.rows))
    summary = render_in_worker(
        render_task, user=str(job.owner_id), on_progress=progress.report, on_wait=progress.beat
    )
    progress.report(summary.badges, final=True)
    if summary.bleed_note:
        add_log(session, job, "INFO", summary.bleed_note)
    for kind, message in summary_lines(summary):
        add_log(session, job, kind, message)
    zipped = options.output == "zip"
    _log(session, job, "INFO", _zip_line(output, summary) if zipped else _joining_line(output, summary))
    if summary.print_conversion is not None:
        _log(session, job, "INFO", _print_line(summary.print_conversion))
        if summary.print_conversion.flattened:
            _log(session, job, "WARNING", FLATTENED_WARNING)
    stored = store.put_file(f"{folder(job.id)}/{ZIP_NAME if zipped else PDF_NAME}", output)
    store_report(store, job.id, summary, proof, report)
    retention = timedelta(seconds=current_app.config["BADGE_FILE_RETENTION_SECONDS"])
    now = utcnow()
    finished = rows_changed(
        session.execute(
            update(BadgeJob)
            .where(still_mine(job.id, attempt))
            .values(
                status=JobStatus.SUCCEEDED,
                finished_at=now,
                updated_at=now,
                heartbeat_at=None,
                badges=summary.badges,
                pages=summary.pages,
                progress_done=summary.badges,
                file_key=stored.key,
                file_bytes=stored.size,
                file_sha256=stored.sha256,
                finding_counts=summary.counts,
                flagged_badges=summary.flagged,
                expires_at=now + retention,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not finished:
        session.rollback()
        raise JobStopped
    session.refresh(job)
    add_log(session, job, "INFO", f"Storing: kept until {job.expires_at:%Y-%m-%d %H:%M} UTC.")
    seconds = time.monotonic() - started
    add_log(
        session,
        job,
        "SUCCESS",
        f"Done: {summary.badges:,} badges on {summary.pages:,} pages in {seconds:.1f} s.",
    )
    mail_result(session, job)
    announce_job(session, job, links_base=_asked_at(job))
    session.commit()


def _stored_rows(store: Storage, job: BadgeJob, bundle: dict[str, Any]) -> PackedRows:
    """The job's attendees as intake packed them; a job queued before that kept them in the bundle."""
    if bundle.get("rows_file"):
        return PackedRows(bundle["columns"], store.read_bytes(rows_key(job.id)))
    return PackedRows.pack(bundle["columns"], bundle.pop("rows"))


def _joining_line(output: Path, summary: RenderSummary) -> str:
    # Print output replaced the joined PDF with its conversion; this line tells the joined one.
    conversion = summary.print_conversion
    size = conversion.bytes_before if conversion else output.stat().st_size
    line = f"Joining: one PDF of {summary.pages:,} pages, {size / 1e6:.1f} MB"
    if summary.processes > 1:
        line += f", rendered in {summary.processes} processes side by side"
    if summary.proof_pages:
        pages = "page" if summary.proof_pages == 1 else "pages"
        line += f"; a proof sheet of {summary.proof_pages:,} {pages}"
    return line + "."


def _print_line(conversion: Conversion) -> str:
    return (
        f"Print: converted to {PDFX_VERSION} in CMYK ({PROFILE_DESCRIPTION}) with Ghostscript in "
        f"{conversion.seconds:.1f} s, {conversion.bytes_before / 1e6:.1f} MB -> "
        f"{conversion.bytes_after / 1e6:.1f} MB."
    )


def _zip_line(output: Path, summary: RenderSummary) -> str:
    files = "file" if summary.badges == 1 else "files"
    return f"Zipping: one ZIP of {summary.badges:,} {files}, {output.stat().st_size / 1e6:.1f} MB."


def _template_line(template_ref: str, options: BadgeOptions) -> str:
    sheet_name = options.sheet if isinstance(options.sheet, str) else "custom layout"
    sides = f"; both sides, duplex {options.duplex}" if options.sides == "both" else ""
    return f"Template: {template_ref}; sheet: {sheet_name}{sides}."


class _Progress:
    """Progress, heartbeat and cancellation in one conditional UPDATE, at most a few times a second."""

    def __init__(self, session: Session, job: BadgeJob, attempt: int, total: int) -> None:
        self.session, self.job, self.attempt, self.total = session, job, attempt, total
        self.last_write = 0.0
        self.last_beat = time.monotonic()  # the claim has just written one
        self.chunk = max(100, int(round(total / 10, -2)))
        self.next_log = self.chunk

    def beat(self) -> None:
        """The heartbeat between progress reports (a child starting, a slow template)."""
        if time.monotonic() - self.last_beat < current_app.config["JOB_HEARTBEAT_SECONDS"]:
            return
        self.last_beat = time.monotonic()
        changed = rows_changed(
            self.session.execute(
                update(BadgeJob)
                .where(still_mine(self.job.id, self.attempt))
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        )
        self.session.commit()
        if not changed:
            raise JobStopped

    def report(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last_write < PROGRESS_EVERY_SECONDS and done < self.next_log:
            return
        self.last_write = self.last_beat = now
        changed = rows_changed(
            self.session.execute(
                update(BadgeJob)
                .where(still_mine(self.job.id, self.attempt))
                .values(progress_done=done, heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        )
        if not changed:
            self.session.rollback()
            raise JobStopped
        while done >= self.next_log and self.next_log < self.total:
            add_log(self.session, self.job, "INFO", f"Rendering: {self.next_log:,} of {self.total:,} badges.")
            self.next_log += self.chunk
        self.session.commit()


def _log(session: Session, job: BadgeJob, kind: str, message: str) -> None:
    add_log(session, job, kind, message)
    session.commit()


def _fail(session: Session, job_id: uuid.UUID, attempt: int, message: str, detail: str | None) -> None:
    now = utcnow()
    retention = timedelta(seconds=current_app.config["BADGE_FILE_RETENTION_SECONDS"])
    failed = rows_changed(
        session.execute(
            update(BadgeJob)
            .where(still_mine(job_id, attempt))
            .values(
                status=JobStatus.FAILED,
                error=message,
                finished_at=now,
                updated_at=now,
                heartbeat_at=None,
                expires_at=now + retention,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not failed:
        session.rollback()
        return
    job = session.get(BadgeJob, job_id, populate_existing=True)
    assert job is not None
    add_log(session, job, "ERROR", message, detail)
    mail_result(session, job)
    announce_job(session, job, links_base=_asked_at(job))
    session.commit()


def mail_result(session: Session, job: BadgeJob) -> None:
    """The completion mail, through the outbox: the link always, the PDF when it is small enough."""
    owner = session.get(User, job.owner_id)
    if owner is None:
        return
    if not owner.is_verified:
        # The address was never proven to be the owner's: mailing it a PDF under a subject the
        # owner chose would make this service a relay for unsolicited mail.
        add_log(session, job, "INFO", "No mail sent: the account's email address is not verified yet.")
        return
    if not has_mail_budget(session, owner, what=f"the result of badge job {job.id}"):
        budget = current_app.config["MAIL_BUDGET_PER_HOUR"]
        add_log(session, job, "WARNING", f"No mail sent: the account had its {budget} mails of the hour.")
        return
    context: dict[str, Any] = {"name": owner.name, "job_name": job.name, "job": job}
    if job.status == JobStatus.SUCCEEDED:
        link = download_link(job)
        assert link is not None
        with links_from(_asked_at(job)):
            context["download_url"] = download_url(link.token)
        context["expires_at"] = link.expires_at
        attach = (job.file_bytes or 0) <= current_app.config["MAIL_ATTACHMENT_MAX_BYTES"]
        context["attached"] = attach
        queue_email(
            session,
            to=owner.email,
            template="badges_ready",
            context=context,
            attachment_key=job.file_key if attach else None,
            attachment_name=download_name(job) if attach else None,
        )
    else:
        context["error"] = job.error or "Unknown error."
        queue_email(session, to=owner.email, template="badges_failed", context=context)


def _asked_at(job: BadgeJob) -> str | None:
    """The address the job's request came to, as its stored input keeps it (None for a job
    stored before it was kept, or whose input is gone)."""
    try:
        bundle = json.loads(storage().read_bytes(job.input_key or ""))
    except (StorageError, ValueError):
        return None
    base = bundle.get("links_base") if isinstance(bundle, dict) else None
    return base if isinstance(base, str) else None


def _start_next_for_owner(session: Session, finished_job_id: uuid.UUID) -> None:
    """A job waiting for the per-user running limit starts as soon as one finishes."""
    owner_id = session.scalar(select(BadgeJob.owner_id).where(BadgeJob.id == finished_job_id))
    waiting = session.scalar(
        select(BadgeJob.id)
        .where(BadgeJob.owner_id == owner_id, BadgeJob.status == JobStatus.QUEUED)
        .order_by(BadgeJob.created_at)
        .limit(1)
    )
    session.commit()
    if waiting is not None:
        jobs.enqueue("badges.render", job_id=str(waiting))
