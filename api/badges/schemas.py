from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import Schema, fields

from api.badges.models import BadgeJob
from api.badges.service import download_link


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
        if job.status != "succeeded":
            return None
        link = download_link(job)
        return {
            "badges": job.badges,
            "pages": job.pages,
            "bytes": job.file_bytes,
            # A fresh signed link on every read; null once the file is deleted.
            "download_url": url_for("api.downloads_download", token=link.token, _external=True)
            if link
            else None,
            "expires_at": job.expires_at.isoformat() if job.expires_at else None,
            "file_deleted": job.file_deleted_at is not None,
        }


class BadgeJobLogSchema(Schema):
    seq = fields.Integer()
    type = fields.String()
    message = fields.String()
    detail = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
