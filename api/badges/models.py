from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey, utcnow


class JobStatus(StrEnum):
    """Where a badge job is; the column stores the value."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNFINISHED_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class BadgeJob(UUIDPrimaryKey, Timestamps, Base):
    """One request for badges. Its state lives here, never only in a broker or a worker's memory."""

    __tablename__ = "badge_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{status}'" for status in JobStatus)), name="status_known"
        ),
        UniqueConstraint("owner_id", "idempotency_key"),
        Index("ix_badge_jobs_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_badge_jobs_status_heartbeat_at", "status", "heartbeat_at"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    template_ref: Mapped[str] = mapped_column(String(64))  # a built-in id or an uploaded template's id
    # Where the checked input (rows, template source, background) waits for the worker.
    input_key: Mapped[str | None] = mapped_column(String(255))
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # A running job's worker touches this while it renders; a stale one means the worker died.
    heartbeat_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    badges: Mapped[int | None]
    pages: Mapped[int | None]
    file_key: Mapped[str | None] = mapped_column(String(255))
    file_bytes: Mapped[int | None]
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_deleted_at: Mapped[datetime | None]
    # The proof report's counts (findings by kind; badges with a warning or an error), set when the
    # job succeeds; the report and the proof sheet are files in the job's folder. Null before.
    finding_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    flagged_badges: Mapped[int | None]
    expires_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_sha256: Mapped[str | None] = mapped_column(String(64))
    log_count: Mapped[int] = mapped_column(default=0)


# What a build log line is: its colour in the Ember app's log view.
LOG_TYPES = ("INFO", "SUCCESS", "WARNING", "ERROR")


class BadgeJobLog(Base):
    """A build log line: numbered per job so a client can ask for the lines after the last it saw."""

    __tablename__ = "badge_job_logs"
    __table_args__ = (
        CheckConstraint(f"type IN ({', '.join(repr(kind) for kind in LOG_TYPES)})", name="type_known"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("badge_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
