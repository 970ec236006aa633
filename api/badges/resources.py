from __future__ import annotations

import uuid

from flask import Response, request, send_file, url_for
from flask_jwt_extended import jwt_required

from api import rendering
from api.auth.tokens import current_user
from api.badges import service
from api.badges.intake import PREVIEW_FORMATS, check_in_worker, read_badge_request
from api.badges.schemas import BadgeJobLogSchema, BadgeJobSchema
from api.core.dumping import dumper
from api.core.pagination import link_header, page_body, page_request, query_int
from api.core.storage import storage
from api.extensions import db
from api.http import Resource, api, no_content, rate_limited, read_only, respond

jobs_ns = api.namespace("badge-jobs", description="Badge jobs")
previews_ns = api.namespace("badge-previews", description="Badge previews")
downloads_ns = api.namespace("downloads", description="Downloads by signed link")
job_schema = BadgeJobSchema()
log_schema = BadgeJobLogSchema()
dump_jobs, dump_log_lines = dumper(job_schema), dumper(log_schema)
MAX_LOG_LINES = 500


@jobs_ns.route("")
class BadgeJobs(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The current user's badge jobs, newest first."""
        page = page_request()
        found, total = service.list_jobs(db.session(), actor=current_user(), page=page)
        body = page_body(dump_jobs(found), total, page)
        return respond(body, headers={"Link": link_header(page, total)})

    @jwt_required()
    def post(self) -> Response:
        """Check the request now, queue the rendering; 202 with the job."""
        session, actor = db.session(), current_user()
        key = service.check_idempotency_key(request.headers.get("Idempotency-Key"))
        checked = read_badge_request(session, actor=actor)
        session.commit()  # no transaction stays open while a worker checks the options and image
        check_in_worker(checked, actor=actor)
        job, created = service.create_job(session, actor=actor, checked=checked, idempotency_key=key)
        headers = {"Location": url_for("api.badge-jobs_badge_job", job_id=job.id)}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        return respond(job_schema.dump(job), 202, headers=headers)


@jobs_ns.route("/<uuid:job_id>")
class BadgeJob(Resource):
    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """One job: status, progress, and when it succeeded, a signed download link."""
        job = service.owned_job(db.session(), actor=current_user(), job_id=job_id)
        return respond(job_schema.dump(job))

    @jwt_required()
    def delete(self, job_id: uuid.UUID) -> Response:
        """Cancel the job if it has not finished and remove its files; its record and log stay."""
        service.cancel_job(db.session(), actor=current_user(), job_id=job_id)
        return no_content()


@jobs_ns.route("/<uuid:job_id>/logs")
class BadgeJobLogs(Resource):
    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """Build log lines after `after` (a seq), oldest first: poll with the last seq seen."""
        after = query_int("after", 0, 2**31 - 1, minimum=0)
        limit = query_int("limit", 100, MAX_LOG_LINES)
        lines = service.job_logs(db.session(), actor=current_user(), job_id=job_id, after=after, limit=limit)
        return respond({"items": dump_log_lines(lines)})


@previews_ns.route("")
class BadgePreviews(Resource):
    @jwt_required()
    @rate_limited("RATELIMIT_PREVIEW")
    @read_only
    def post(self) -> Response:
        """One badge, rendered now: a PNG to look at, or with `Accept: application/pdf` (or
        `"format": "pdf"`) a one-page PDF at the badge's size, to print at a check-in desk."""
        session, actor = db.session(), current_user()
        checked = read_badge_request(session, actor=actor, preview=True)
        session.commit()  # no transaction stays open while a worker draws
        output = checked.preview_format or _format_from_accept()
        data = rendering.preview_badge(
            checked.spec,
            checked.rows[checked.preview_row],
            dpi=checked.preview_dpi,
            output=output,
            user=str(actor.id),
        )
        response = Response(data, mimetype=PREVIEW_FORMATS[output])
        if output == "pdf":
            response.headers["Content-Disposition"] = 'inline; filename="badge.pdf"'
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Accept")
        return response


def _format_from_accept() -> str:
    """PNG unless the client prefers a PDF (a browser's image request accepts anything)."""
    best = request.accept_mimetypes.best_match(["image/png", "application/pdf"], default="image/png")
    return "pdf" if best == "application/pdf" else "png"


@downloads_ns.route("/<string:token>")
class Download(Resource):
    def get(self, token: str) -> Response:
        """The PDF behind a signed link: no Authorization header, so a plain link works."""
        job = service.download_target(db.session(), token)
        assert job.file_key is not None
        response = send_file(
            storage().path(job.file_key),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=service.download_name(job),
            conditional=True,
            etag=job.file_sha256 or True,
            max_age=0,
        )
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
