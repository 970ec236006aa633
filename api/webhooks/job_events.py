"""A badge job that ended, as a webhook event: job.succeeded, job.failed or job.cancelled."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.badges.models import BadgeJob, JobStatus
from api.core.db import utcnow
from api.links import absolute_url, links_from
from api.webhooks.outbox import queue_event

EVENT_OF_STATUS = {
    JobStatus.SUCCEEDED: "job.succeeded",
    JobStatus.FAILED: "job.failed",
    JobStatus.CANCELLED: "job.cancelled",
}


def announce_job(session: Session, job: BadgeJob, *, links_base: str | None = None) -> str | None:
    """Queue the event of a job that has just ended, in the transaction that ended it.

    `links_base` is the address the job's request came to (links built by a worker use it, as the
    job's mail does). Returns the event's id, or None when no endpoint of the owner wants it.
    """
    event_type = EVENT_OF_STATUS.get(JobStatus(job.status))
    if event_type is None:
        return None
    with links_from(links_base):
        data = job_event_data(job)
    return queue_event(
        session,
        owner_id=job.owner_id,
        event_type=event_type,
        data=data,
        occurred_at=job.finished_at or utcnow(),
    )


def job_event_data(job: BadgeJob) -> dict[str, Any]:
    # Imported here: api.badges.downloads imports api.badges.service, which announces cancellations
    # through this module.
    from api.badges.downloads import download_link, download_url

    data: dict[str, Any] = {
        "id": str(job.id),
        "status": job.status,
        "name": job.name,
        "badges": job.badges,
        "pages": job.pages,
        "flagged_badges": job.flagged_badges,
        "finding_counts": job.finding_counts,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "links": {
            "job": absolute_url("api.badge-jobs_badge_job", job_id=job.id),
            "logs": absolute_url("api.badge-jobs_badge_job_logs", job_id=job.id),
        },
    }
    if job.status == JobStatus.SUCCEEDED:
        link = download_link(job)
        data["download_url"] = download_url(link.token) if link else None
        data["download_expires_at"] = link.expires_at.isoformat() if link else None
    else:
        data["error"] = job.error
    return data
