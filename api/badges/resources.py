from __future__ import annotations

import uuid

from flask import Response, current_app, request
from flask_jwt_extended import jwt_required, verify_jwt_in_request
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
from api.badges.log_stream import ENVIRON_KEY, LogStream
from api.badges.schemas import BadgeJobLogSchema, BadgeJobSchema
from api.badges.stream_links import read_log_stream_token
from api.core.dumping import dumper
from api.core.pagination import page_body
from api.errors import PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError
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
    respond_page,
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
MAX_SEQ = 2**31 - 1


@jobs_ns.route("")
class BadgeJobs(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The current user's badge jobs, newest first.

        ---
        tags: [badge-jobs]
        operationId: listBadgeJobs
        summary: List the current user's badge jobs, newest first.
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of the caller's jobs.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeJobPage'}
          '422': ValidationFailed
        """
        page = page_request()
        found, total = service.list_jobs(db.session(), actor=current_user(), page=page)
        return respond_page(dump_jobs(found), total, page)

    @jwt_required()
    def post(self) -> Response:
        """Check the request now, queue the rendering; 202 with the job.

        ---
        tags: [badge-jobs]
        operationId: createBadgeJob
        summary: Check a badge request now and render it in the background.
        description: |
          Two shapes. **multipart/form-data**: an `attendees` file (CSV in UTF-8 with or without BOM,
          UTF-16 with BOM or Windows-1252; comma, semicolon, tab or pipe; a header row), an `options`
          field holding the options as JSON text, an optional `background` image (PNG or JPEG), and
          an optional `photos` ZIP of attendee photos (JPEG or PNG, matched by `options.photo_column`,
          placed in the template's `data-photo` box; a bad archive is a 422, one over a
          `BADGE_PHOTO(S)_*` limit a 413, both naming the member).
          **application/json**: `{"attendees": [{...}, ...], "options": {...}}`.

          Everything that can be checked before rendering is checked before the job is queued: the
          attendee list (errors name the row and column), the template, every option, the event and
          its tickets (a `ticket` cell that names no ticket of the event is a 422 naming the attendee),
          the sort order. Over a limit (rows per job: `BADGE_JOB_MAX_ROWS`, 100,000 by default;
          bytes: `BADGE_JOB_CSV_MAX_BYTES`, 16 MiB, `BADGE_JOB_JSON_MAX_BYTES`, 24 MiB; columns, cell
          length) is a 413 naming it; more queued jobs than `BADGE_JOBS_MAX_QUEUED_PER_USER` is a
          429 `too_many_jobs`.

          `Idempotency-Key`: a repeated POST with the same key and the same content returns the first
          job (with `Idempotent-Replayed: true`); the same key with different content is a 422
          `idempotency_key_reused`.
        security: [{bearerAuth: []}]
        parameters:
          - name: Idempotency-Key
            in: header
            required: false
            description: 1 to 255 visible ASCII characters, e.g. a UUID made by the client.
            schema: {type: string, pattern: '^[!-~]{1,255}$'}
        requestBody:
          required: true
          content:
            multipart/form-data:
              schema:
                type: object
                required: [attendees]
                properties:
                  attendees: {type: string, format: binary, description: The attendee list (CSV).}
                  options:
                    allOf: [{$ref: '#/components/schemas/BadgeOptions'}]
                    description: >
                      The options as a JSON part, e.g. `{"template": "classic"}` (sent as
                      `application/json` or as plain text holding the JSON).
                  background: {type: string, format: binary, description: A PNG or JPEG background image.}
                  photos:
                    type: string
                    format: binary
                    description: >
                      A ZIP of attendee photos (JPEG or PNG; no folders outside it, links, nested archives
                      or encryption), each matched by file name (without folders, case or extension) to the
                      `photo_column` cell.
                additionalProperties: false
              encoding:
                options: {contentType: application/json}
            application/json:
              schema: {$ref: '#/components/schemas/BadgeRequest'}
        responses:
          '202':
            links:
              GetBadgeJob: {operationId: getBadgeJob, parameters: {job_id: '$response.body#/id'}}
              CancelBadgeJob: {operationId: cancelBadgeJob, parameters: {job_id: '$response.body#/id'}}
              ListBadgeJobLogs: {operationId: listBadgeJobLogs, parameters: {job_id: '$response.body#/id'}}
              GetBadgeJobReport: {operationId: getBadgeJobReport, parameters: {job_id: '$response.body#/id'}}
            description: >
              The job, queued; `Location` is its URL. A repeated request with the same
              Idempotency-Key also carries `Idempotent-Replayed: true`.
            headers:
              Location: {$ref: '#/components/headers/Location'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeJob'}
          '404': NotFound
          '429': TooManyRequests
          '503': ServiceUnavailable
        """
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
    """---
    parameters:
      - JobId
    """

    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """One job: status, progress, and when it succeeded, a signed download link.

        ---
        tags: [badge-jobs]
        operationId: getBadgeJob
        summary: One job with its status and progress; when it succeeded, a signed download link.
        description: >
          Poll it (or its logs) until `status` is `succeeded`, `failed` or `cancelled`.
          `result.download_url` is a fresh signed link on every read; it needs no Authorization header.
        security: [{bearerAuth: []}]
        responses:
          '200':
            links:
              DownloadBadges:
                operationId: downloadBadges
                parameters: {token: '$response.body#/result/download_token'}
            description: The job.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeJob'}
          '404': NotFound
        """
        job = service.owned_job(db.session(), actor=current_user(), job_id=job_id)
        return respond(job_schema.dump(job))

    @jwt_required()
    def delete(self, job_id: uuid.UUID) -> Response:
        """Cancel the job if it has not finished and remove its files; its record and log stay.

        ---
        tags: [badge-jobs]
        operationId: cancelBadgeJob
        summary: Cancel the job if it has not finished, and remove its files.
        description: >
          A queued or running job becomes `cancelled` (a running one stops within a moment). Its
          files are deleted in any case, so its download links answer 410. The job's record and its
          log stay.
        security: [{bearerAuth: []}]
        responses:
          '204': {description: 'Cancelled, or its files removed.'}
          '404': NotFound
        """
        service.cancel_job(db.session(), actor=current_user(), job_id=job_id)
        return no_content()


@jobs_ns.route("/<uuid:job_id>/logs")
class BadgeJobLogs(Resource):
    """---
    parameters:
      - JobId
    """

    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """Build log lines after `after` (a seq), oldest first: poll with the last seq seen.

        ---
        tags: [badge-jobs]
        operationId: listBadgeJobLogs
        summary: The job's build log after a given line, oldest first.
        description: >
          Lines record the steps in the order they happen: `Queued`, `Intake`, `Template`, the
          warnings the request's checks found (characters not in the chosen font, template fields
          without a column), `Rendering` in chunks, `Findings` (how many badges need a look, by
          kind, and the first few by row), `Joining`, `Storing`, then `Done` (SUCCESS) or ERROR (with
          `detail`). Attendees are named by their row as in the report (`Row 11`). Poll with `after`
          set to the last `seq` you saw; `seq` counts 1, 2, 3... without gaps.
        security: [{bearerAuth: []}]
        parameters:
          - name: after
            in: query
            description: Only lines with a greater `seq`. An empty value is the default.
            allowEmptyValue: true
            schema: {type: integer, minimum: 0, maximum: 2147483647, default: 0}
          - name: limit
            in: query
            description: How many lines at most. An empty value is the default.
            allowEmptyValue: true
            schema: {type: integer, minimum: 1, maximum: 500, default: 100}
        responses:
          '200':
            description: Log lines.
            content:
              application/json:
                schema:
                  type: object
                  required: [items]
                  properties:
                    items:
                      type: array
                      items: {$ref: '#/components/schemas/BadgeJobLogLine'}
                  additionalProperties: false
          '404': NotFound
          '422': ValidationFailed
        """
        after = query_int("after", 0, MAX_SEQ, minimum=0)
        limit = query_int("limit", 100, MAX_LOG_LINES)
        lines = service.job_logs(db.session(), actor=current_user(), job_id=job_id, after=after, limit=limit)
        return respond({"items": dump_log_lines(lines)})


@jobs_ns.route("/<uuid:job_id>/log-stream")
class BadgeJobLogStream(Resource):
    """---
    parameters:
      - JobId
    """

    def get(self, job_id: uuid.UUID) -> Response:
        """The build log as it is written, as Server-Sent Events, until the job ends.

        ---
        tags: [badge-jobs]
        operationId: streamBadgeJobLog
        summary: The job's build log live, as Server-Sent Events (text/event-stream).
        description: |
          The lines of the build log as they are written, the job's progress, and a last event when
          the job has succeeded, failed or been cancelled; then the stream closes. Polling
          `GET /badge-jobs/{job_id}/logs?after=` is the fallback and gives the same lines.

          **Authentication**: the bearer token (`fetch` with an Authorization header, reading the
          body as a stream), or, for `EventSource` (which cannot send headers), the job's
          `log_stream_url`: this URL with a `token` signed for the job and its owner that expires
          after a few minutes (`LOG_STREAM_LINK_MAX_AGE`, 600 s). The deadline counts when the
          stream opens; an open stream lasts until the job ends. An expired token is a 401
          `stream_link_expired` (read the job again for a fresh URL), a forged one or one for
          another job a 403 `stream_link_invalid`; another user's job is a 404.

          **Events** (`event:` then one `data:` line of JSON, then a blank line):

          | event | id | data |
          |---|---|---|
          | `log` | the line's `seq` | one line, as an item of the logs endpoint (`BadgeJobLogLine`) |
          | `progress` | none | `{"status", "done", "total"}` as the job has them; first, then on changes |
          | `end` | none | `{"status", "error"}`: `succeeded`, `failed` or `cancelled`; the job's error |

          ```
          retry: 2000

          id: 1
          event: log
          data: {"seq":1,"type":"INFO","message":"Queued: 4 attendees.","detail":null,"created_at":"..."}

          event: progress
          data: {"status":"queued","done":0,"total":4}

          : heartbeat

          event: end
          data: {"status":"succeeded","error":null}
          ```

          A comment line (`: heartbeat`) comes whenever the stream has said nothing for 15 seconds
          (`LOG_STREAM_HEARTBEAT_SECONDS`). **Resuming**: `Last-Event-ID` (a browser's EventSource
          sends it when it reconnects) or the `last_event_id` parameter (for a new EventSource)
          starts after that line; the header wins when both are sent. Close the EventSource on
          `end`: otherwise it reconnects and gets the `progress` and `end` events again.

          Proxies are told not to buffer it (`X-Accel-Buffering: no`, `Cache-Control: no-cache`), and
          it is never compressed.
        security: [{bearerAuth: []}, {}]
        parameters:
          - name: token
            in: query
            description: The signature of `log_stream_url`; instead of the bearer token.
            schema: {type: string}
          - name: last_event_id
            in: query
            description: Start after this line (`seq`); the Last-Event-ID header wins over it.
            allowEmptyValue: true
            schema: {type: integer, minimum: 0, maximum: 2147483647, default: 0}
          - name: Last-Event-ID
            in: header
            required: false
            description: >
              Start after this line (`seq`, a whole number up to 2147483647); browsers send it when
              they reconnect. An empty value counts as not sent.
            schema: {type: string, pattern: '^[0-9]{0,12}$'}
        responses:
          '200':
            description: The event stream; it ends after the `end` event.
            headers:
              Cache-Control: {description: '`no-cache`.', schema: {type: string}}
              X-Accel-Buffering:
                description: '`no`: proxies pass each event on at once.'
                schema: {type: string}
            content:
              text/event-stream:
                schema:
                  type: object
                  description: >
                    One event of the stream, as an SSE parser reads it. `data` is one line of
                    JSON: a BadgeJobLog for `log` (with `id` its `seq`), `{status, done, total}`
                    for `progress`, `{status, error}` for `end`. Comment lines (`: heartbeat`)
                    and the opening `retry:` carry no event.
                  required: [event, data]
                  properties:
                    event: {type: string, enum: [log, progress, end]}
                    id: {type: string, pattern: '^[0-9]+$', description: '`log` events: the line''s `seq`.'}
                    data: {type: string}
                    retry: {type: integer}
          '401':
            description: >
              No bearer token and no `token`, a bad bearer token, or an expired `token`
              (`stream_link_expired`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
          '403':
            description: The `token` is forged, altered or for another job (`stream_link_invalid`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
          '404': NotFound
          '422': ValidationFailed
        """
        session = db.session()
        token = request.args.get("token")
        if token is not None:
            grant = read_log_stream_token(token, job_id)
            owner = session.get(User, grant.user_id)
            if owner is None:
                raise service.job_not_found()
            service.owned_job(session, actor=owner, job_id=job_id)
        else:
            verify_jwt_in_request()
            service.owned_job(session, actor=current_user(), job_id=job_id)
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not its proxy
        stream = LogStream.for_job(app, job_id, _last_event_id())
        # Under the ASGI front (api/asgi.py) the front runs the stream on its event loop instead of
        # iterating this response's body in a thread.
        request.environ[ENVIRON_KEY] = stream
        response = Response(stream, mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"
        return response


def _last_event_id() -> int:
    """Where a stream resumes: Last-Event-ID (what a reconnecting EventSource sends), else the
    `last_event_id` parameter, else the start. Both are checked when both come: a malformed one is
    a 422 even where the other wins."""
    from_query = query_int("last_event_id", 0, MAX_SEQ, minimum=0)
    raw = request.headers.get("Last-Event-ID")
    if raw is None or raw.strip() == "":
        return from_query
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) > MAX_SEQ:
        raise ValidationError(
            {"Last-Event-ID": [f"Must be a line's seq, a whole number from 0 to {MAX_SEQ}."]}
        )
    return int(raw)


@jobs_ns.route("/<uuid:job_id>/report")
class BadgeJobReport(Resource):
    """---
    parameters:
      - JobId
    """

    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """The proof report of a job that succeeded: counts, and the badges with findings by row.

        ---
        tags: [badge-jobs]
        operationId: getBadgeJobReport
        summary: The proof report of a job that succeeded, badge by badge, to check before printing.
        description: |
          What happened to each attendee's badge that may deserve a look: a text shrunk, wrapped,
          cut short with an ellipsis, drawn partly from a fallback font or missing characters; a QR
          code too dense to scan at its printed size; an image missing or upscaled past print
          resolution. Each finding has a `level`: `info` needs no look, `warning` deserves one,
          `error` means the badge is not as meant. A badge with a warning or an error is *flagged*
          and is on the proof sheet (`proof.pdf`).

          `items` are the badges with at least one finding, in print order, each named by `row`
          (the attendee's row in the spreadsheet, header = row 1; the position from 1 in a JSON
          list: the numbering of the build log and the CLI), `page` and `slot` (1-based, row by row)
          in the PDF. The summary fields (`badges`, `flagged`, `counts`, `job_findings`, `omitted`)
          describe the whole job whatever the filters.

          Filters: `level` and `kind`, each repeated or comma-separated, keep the badges with a
          finding of one of those levels and one of those kinds; a kept badge shows all its findings.
          Paged like every list (`page`, `per_page`, `Link`).

          A job still queued or running is a 409 `job_not_finished` (poll the job); a failed or
          cancelled job a 409 `job_not_succeeded`. Once the job's files are deleted (cancel,
          retention) a 410 `file_deleted`; the counts stay on the job. A job made before reports
          existed is a 404 `report_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
          - name: level
            in: query
            description: >
              Keep badges with a finding of one of these levels: `level=warning,error` (or the
              parameter repeated). Empty: every level. Another value is a 422.
            style: form
            explode: false
            schema:
              type: array
              items: {type: string, enum: [info, warning, error]}
            example: [warning, error]
          - name: kind
            in: query
            description: >
              Keep badges with a finding of one of these kinds (see `Finding.kind`), comma-separated
              or repeated. Empty: every kind. Another value is a 422.
            style: form
            explode: false
            schema:
              type: array
              items:
                type: string
                enum: [shrunk, fallback_font, wrapped, image_missing, image_upscaled, photo_missing,
                       photos_unused, ellipsized, missing_glyphs, qr_too_dense]
            example: [ellipsized]
        responses:
          '200':
            description: The report's summary and one page of the badges with findings.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/BadgeJobReport'}
          '404': NotFound
          '409': JobNotSucceeded
          '410': FilesDeleted
          '422': ValidationFailed
        """
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
    """---
    parameters:
      - JobId
    """

    @jwt_required()
    def get(self, job_id: uuid.UUID) -> Response:
        """The proof sheet: only the badges that need a look, larger, labelled with row and finding.

        ---
        tags: [badge-jobs]
        operationId: getBadgeJobProof
        summary: The proof sheet, a PDF of only the badges that need a look, to check before printing.
        description: >
          The flagged badges (a finding of level `warning` or `error`), larger than printed, each
          labelled with its row, page and slot and what was found, so an organiser checks 40 badges
          instead of 4,000. With the bearer token; `result.findings.proof_url` of the job is the same
          file behind a signed link that needs no Authorization header (for a plain link or a new
          tab). `Range` and `If-None-Match` work. A job with no flagged badge has no proof sheet: a 404
          `no_flagged_badges`. Before the job succeeded, a 409 as for the report; once its files are
          deleted, a 410 `file_deleted`.
        security: [{bearerAuth: []}]
        responses:
          '200':
            description: The proof sheet.
            headers:
              ETag: {description: Changes when the file does., schema: {type: string}}
              Content-Disposition:
                description: '`inline` with the file name, e.g. `inline; filename="Summit 2026 proof.pdf"`.'
                schema: {type: string}
              Accept-Ranges: {schema: {type: string}}
            content:
              application/pdf:
                schema: {type: string, format: binary}
          '206':
            description: The requested byte range.
            content:
              application/pdf:
                schema: {type: string, format: binary}
          '304': {description: Not modified (If-None-Match matched).}
          '404':
            description: >
              No such job, or another user's (`job_not_found`); no badge needs a look
              (`no_flagged_badges`); a job made before reports existed (`report_not_found`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
                example:
                  type: about:blank
                  title: Not Found
                  status: 404
                  detail: No badge of this job needs a look, so it has no proof sheet.
                  code: no_flagged_badges
          '409': JobNotSucceeded
          '410': FilesDeleted
          '416':
            description: The range is outside the file.
        """
        return send_download(
            report.proof_file(db.session(), actor=current_user(), job_id=job_id), request.environ
        )


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
        r"""One badge, rendered now: a PNG to look at, or with `Accept: application/pdf` (or
        `"format": "pdf"`) a one-page PDF at the badge's size, to print at a check-in desk.

        ---
        tags: [badge-jobs]
        operationId: previewBadge
        summary: Render one badge now, as PNG for a live preview or as PDF for on-site printing.
        description: >
          The same JSON body as a job, plus `row` (which attendee, from 0; default 0), `dpi`
          (36 to 300; default 150), `format`, `side` and `trim_line`. A template with a bleed (`data-bleed`)
          is shown with the bleed that prints: the PDF is a page of `one-per-page`, the badge and its
          bleed all round (its TrimBox marks the badge); the PNG shows as much as `options.sheet`
          prints (all on `one-per-page`, at most half a grid's gap, none on label sheets).
          `"trim_line": true` draws a
          thin dashed line where the badge is cut and veils the bleed in white (in the PDF too: it
          then prints). Checked exactly like a job; a background image is
          not taken here. `"format": "pdf"`, or `Accept: application/pdf` without a `format`, answers
          the badge as a one-page PDF at the badge's own size (whatever `options.sheet` says), for a
          check-in desk's badge printer; otherwise a PNG. A PDF with `options.output: print` is
          converted as a print job's is (PDF/X-3, CMYK): a print shop's proof of one badge; without
          Ghostscript on the server that is a 503 `print_unavailable`. Rendering happens in a
          render worker under the preview limits (`RENDER_PREVIEW_CPU_SECONDS`, `_WALL_SECONDS`,
          `_MEMORY_BYTES`, `RENDER_MAX_PIXELS`): a template too costly to draw is a 422
          `template_too_complex`, an image over the pixel limit a 413 `limit_exceeded`. A user with
          `RENDER_USER_QUEUE` renders already waiting gets a 429 `too_many_renders`; when no worker
          frees up within `RENDER_QUEUE_TIMEOUT`, a 503 `renderer_busy`. Both carry `Retry-After`.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/BadgePreviewRequest'}
        responses:
          '200':
            description: >
              The badge. `Badge-Findings` says what happened to its fields, as in the job's report.
            headers:
              Badge-Findings:
                description: |
                  The badge's findings as compact JSON in ASCII (other characters as `\u` escapes):
                  `{"row": 3, "flagged": true, "findings": [Finding, ...]}`, where `row` is the
                  attendee's number as in a job's report and each finding is a `Finding` (see
                  `BadgeJobReport`). Empty `findings` when the badge needs no look. Kept under 2,048
                  characters: past it the last findings are left out and `"truncated": true` is added.
                  Exposed to scripts by CORS.
                schema: {type: string}
                example: "{\"row\":2,\"flagged\":true,\"findings\":[{\"kind\":\"wrapped\",\
                  \"level\":\"warning\",\"field\":\"name\",\
                  \"message\":\"wrapped to 2 lines at 16.2 pt\",\"size_pt\":16.2,\"lines\":2}]}"
            content:
              image/png:
                schema: {type: string, format: binary}
              application/pdf:
                schema: {type: string, format: binary}
          '404': NotFound
          '429': TooManyRequests
          '503': ServiceUnavailable
        """
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
            side=checked.preview_side,
            trim_line=checked.preview_trim_line,
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
        """A job's PDF or ZIP (or proof sheet) behind a signed link: no Authorization header, so a
        plain link works.

        ---
        tags: [badge-jobs]
        operationId: downloadBadges
        summary: The badges' PDF (or ZIP) behind a signed link (no Authorization header).
        description: >
          The token is signed, bound to the job's file and expires (`DOWNLOAD_LINK_MAX_AGE`, and
          never after the file's own retention). The job's `result.download_url` gives the badges
          (as an attachment): a PDF, or for `options.output: zip` a ZIP of one file per attendee
          (`application/zip`, named "<job> badges.zip"); `result.findings.proof_url` the proof
          sheet (inline, a PDF). A forged or
          altered token is a 404; an expired link or a deleted file is a 410. `Range` and
          `If-None-Match` work; `Content-Disposition` carries the file name (RFC 5987 `filename*`
          for names beyond ASCII). With object storage and `STORAGE_PRESIGNED_DOWNLOADS`, the
          answer is instead a 302 to a short-lived presigned URL of the file in the store (which
          sends the same type and file name); this link stays the one to hand out. A 503
          `storage_unavailable` when the store cannot be reached.
        security: []
        parameters:
          - name: token
            in: path
            required: true
            schema: {type: string}
        responses:
          '200':
            description: The PDF, or the ZIP of a job with `options.output` `zip`.
            headers:
              ETag: {description: The file's SHA-256., schema: {type: string}}
              Content-Disposition: {description: attachment with the file name., schema: {type: string}}
              Accept-Ranges: {schema: {type: string}}
            content:
              application/pdf:
                schema: {type: string, format: binary}
              application/zip:
                schema: {type: string, format: binary}
          '206':
            description: The requested byte range.
            content:
              application/pdf:
                schema: {type: string, format: binary}
              application/zip:
                schema: {type: string, format: binary}
          '302':
            description: >
              With object storage and STORAGE_PRESIGNED_DOWNLOADS: the file is fetched from the
              presigned URL in Location, valid STORAGE_PRESIGNED_SECONDS.
            headers:
              Location: {description: The presigned URL of the file in the store., schema: {type: string}}
          '304': {description: Not modified (If-None-Match matched).}
          '404': NotFound
          '410':
            description: The link expired (`link_expired`) or the file was deleted (`file_deleted`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
          '416':
            description: The range is outside the file.
        """
        return send_download(download_target(db.session(), token), request.environ)
