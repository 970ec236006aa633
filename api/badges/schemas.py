from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from api.badges.downloads import PROOF, download_link, download_url
from api.badges.models import BadgeJob, JobStatus
from api.links import absolute_url


class BadgeJobSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    status = fields.String()
    template = fields.String(attribute="template_ref")
    event_id = fields.UUID(allow_none=True)
    options = fields.Dict()
    progress = fields.Method("get_progress")
    attempts = fields.Integer()
    error = fields.String(allow_none=True)
    result = fields.Method("get_result")
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)

    def get_progress(self, job: BadgeJob) -> dict[str, int]:
        return {"done": job.progress_done, "total": job.progress_total}

    def get_result(self, job: BadgeJob) -> dict[str, Any] | None:
        if job.status != JobStatus.SUCCEEDED:
            return None
        link = download_link(job)
        return {
            "badges": job.badges,
            "pages": job.pages,
            "bytes": job.file_bytes,
            # A fresh signed link on every read; null once the file is deleted.
            "download_url": download_url(link.token) if link else None,
            "download_token": link.token if link else None,
            "expires_at": job.expires_at.isoformat() if job.expires_at else None,
            "file_deleted": job.file_deleted_at is not None,
            "findings": self.get_findings(job),
        }

    def get_findings(self, job: BadgeJob) -> dict[str, Any] | None:
        """The proof report's counts; null for a job made before reports existed."""
        if job.finding_counts is None:
            return None
        proof = download_link(job, PROOF)
        return {
            "counts": job.finding_counts,
            "flagged": job.flagged_badges or 0,
            "report_url": absolute_url("api.badge-jobs_badge_job_report", job_id=job.id),
            # Signed like download_url, so it opens in a new tab; null when no badge was flagged.
            "proof_url": download_url(proof.token) if proof else None,
        }


class BadgeJobLogSchema(Schema):
    seq = fields.Integer()
    type = fields.String()
    message = fields.String()
    detail = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
