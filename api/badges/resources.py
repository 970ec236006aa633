from __future__ import annotations

import uuid

from flask import Response, request
from flask_jwt_extended import jwt_required
from sqlalchemy.orm import Session

from api import rendering
from api.auth.tokens import current_user
from api.badges import report, service
from api.badges.downloads import download_target, send_download
from api.badges.intake import (
    PREVIEW_FORMATS,
    BadgeRequest,
    body_limit,
    check_in_worker,
    check_json,
    check_multipart,
)
from api.badges.schemas import BadgeJobLogSchema, BadgeJobSchema
from api.core.dumping import dumper
from api.core.pagination import page_body
from api.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from api.extensions import db
from api.http import (
    Resource,
    api,
    json_body,
    link_header,
    no_content,
    page_request,
    query_int,
    rate_limited,
    read_only,
    respond,
)
from api.links import absolute_url
from api.users.models import User

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
        checked = _badge_request(session, actor)
        session.commit()  # no transaction stays open while a worker checks the options and image
        check_in_worker(checked, actor=actor)
        job, created = service.create_job(session, actor=actor, checked=checked, idempotency_key=key)
        headers = {"Location": absolute_url("api.badge-jobs_badge_job", job_id=job.id)}
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


@jobs_ns.route("/<uuid:job_id>/report")
class BadgeJobReport(Resource):
    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """The proof report of a job that succeeded: counts, and the badges with findings by row."""
        page = page_request()
        summary, badges, total = report.job_report(
            db.session(),
            actor=current_user(),
            job_id=job_id,
            page=page,
            levels=_query_list("level"),
            kinds=_query_list("kind"),
        )
        body = {**summary, **page_body(badges, total, page)}
        return respond(body, headers={"Link": link_header(page, total)})


@jobs_ns.route("/<uuid:job_id>/proof.pdf")
class BadgeJobProof(Resource):
    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """The proof sheet: only the badges that need a look, larger, labelled with row and finding."""
        return send_download(report.proof_file(db.session(), actor=current_user(), job_id=job_id))


def _badge_request(session: Session, actor: User, *, preview: bool = False) -> BadgeRequest:
    """The body of a job (multipart or JSON) or a preview (JSON), checked by intake."""
    _allow_large_body()
    if request.mimetype != "multipart/form-data":
        return check_json(session, actor=actor, body=json_body("BADGE_JOB_JSON_MAX_BYTES"), preview=preview)
    if preview:
        raise UnsupportedMediaTypeError("A preview takes a JSON body: {attendees, options, row}.")
    return check_multipart(session, actor=actor, form=request.form, files=request.files)


def _allow_large_body() -> None:
    """Lift this request's size limit (MAX_CONTENT_LENGTH, for every other request) to body_limit()."""
    limit = body_limit()
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(
            f"The request body is larger than the limit of {limit} bytes for a badge request"
            " (BADGE_JOB_CSV_MAX_BYTES and BADGE_BACKGROUND_MAX_BYTES, or BADGE_JOB_JSON_MAX_BYTES)."
        )
    request.max_content_length = limit


def _query_list(name: str) -> list[str]:
    """`?kind=a&kind=b` or `?kind=a,b`: the values, in order, without blanks."""
    values = (part.strip() for raw in request.args.getlist(name) for part in raw.split(","))
    return [value for value in values if value]


@previews_ns.route("")
class BadgePreviews(Resource):
    @jwt_required()
    @rate_limited("RATELIMIT_PREVIEW")
    @read_only
    def post(self) -> Response:
        """One badge, rendered now: a PNG to look at, or with `Accept: application/pdf` (or
        `"format": "pdf"`) a one-page PDF at the badge's size, to print at a check-in desk."""
        session, actor = db.session(), current_user()
        checked = _badge_request(session, actor, preview=True)
        session.commit()  # no transaction stays open while a worker draws
        output = checked.preview_format or _format_from_accept()
        preview = rendering.preview_badge(
            checked.spec,
            checked.rows[checked.preview_row],
            row_number=checked.row_numbers[checked.preview_row],
            dpi=checked.preview_dpi,
            output=output,
            user=str(actor.id),
        )
        response = Response(preview.content, mimetype=PREVIEW_FORMATS[output])
        response.headers["Badge-Findings"] = report.findings_header(preview.findings)
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
        """A job's PDF (or proof sheet) behind a signed link: no Authorization header, so a plain
        link works."""
        return send_download(download_target(db.session(), token))
