from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.badges.downloads import PROOF, download_link, download_url
from api.badges.models import LOG_TYPES, BadgeJob, JobStatus
from api.badges.options import BadgeOptionsSchema
from api.badges.stream_links import log_stream_url
from api.core.schemas import LoadSchema
from api.links import absolute_url
from api.render.findings import KIND_LEVELS, KINDS

# The request bodies around the options (BadgeRequest, BadgePreviewRequest) are read by
# api/badges/intake.py (a JSON body or a multipart form); these schemas describe them for the
# contract. The options themselves are loaded by BadgeOptionsSchema (api/badges/options.py).

LEVELS = ("info", "warning", "error")


class AttendeeRecord(fields.Dict):
    """One attendee as a flat JSON object, read by api/render/attendees.py (the `Attendee` component
    in the contract says what that reader takes)."""


class BadgeRequestSchema(LoadSchema):
    attendees = fields.List(
        AttendeeRecord(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Attendees as flat objects; keys are columns."},
    )
    options = fields.Nested(BadgeOptionsSchema)


class BadgePreviewRequestSchema(LoadSchema):
    attendees = fields.List(AttendeeRecord(), required=True, validate=validate.Length(min=1))
    options = fields.Nested(BadgeOptionsSchema)
    row = fields.Integer(validate=validate.Range(min=0), metadata={"default": 0})
    dpi = fields.Float(
        validate=validate.Range(min=36, max=300), metadata={"default": 150, "description": "PNG only."}
    )
    format = fields.String(
        validate=validate.OneOf(["png", "pdf"]),
        metadata={
            "description": "Without it, `Accept: application/pdf` asks for the PDF; anything else a PNG."
        },
    )
    side = fields.String(
        validate=validate.OneOf(["front", "back"]),
        metadata={
            "default": "front",
            "description": "PNG only: the side shown, `back` upright as the badge shows it when it "
            "turns (a template without a back is a 422 on `side`). The PDF shows what is printed: "
            "with `options.sides: both`, the front page and the back page as `options.duplex` "
            "places them (`fold`: one page, the badge twice its height).",
        },
    )
    trim_line = fields.Boolean(
        metadata={
            "default": False,
            "description": "Draw a thin dashed line where the badge is cut (its trim) and veil the"
            " bleed in white: the template's `data-bleed`, shown with the badge either way.",
        }
    )


def _count(description: str | None = None) -> fields.Integer:
    return fields.Integer(metadata={"minimum": 0, **({"description": description} if description else {})})


class FindingCountsSchema(Schema):
    class Meta:
        include = {kind: _count() for kind in KINDS}
        description = (
            "Findings of each kind over the whole job (a badge may have several); every kind is present."
        )
        additional_properties = {"type": "integer", "minimum": 0}


KIND_MEANINGS = {
    "shrunk": "the text was drawn smaller to fit (`size_pt`)",
    "fallback_font": "some `characters` came from another `font`",
    "wrapped": "the text was broken into `lines` lines",
    "image_missing": "an image the template names could not be drawn",
    "image_upscaled": "an image is printed larger than its resolution allows",
    "photo_missing": "no photo of the attendee in the job's ZIP (or it cannot be read): a placeholder",
    "photos_unused": "photos in the job's ZIP that no attendee names (said once for the job)",
    "ellipsized": "the text was cut short with an ellipsis",
    "missing_glyphs": "no font has these `characters`; they are not printed",
    "qr_too_dense": "the QR code is too dense to scan at its printed size",
}


class FindingSchema(Schema):
    class Meta:
        description = (
            "One thing about one field of a badge (or, with `field` null, the badge or job as a whole).\n"
            "`kind` and its `level`:\n\n| kind | level | meaning |\n|---|---|---|\n"
            + "".join(f"| `{kind}` | {KIND_LEVELS[kind]} | {KIND_MEANINGS[kind]} |\n" for kind in KINDS)
        )
        maybe_absent = ("size_pt", "lines", "characters", "font")

    kind = fields.String(metadata={"enum": list(KINDS)})
    level = fields.String(metadata={"enum": list(LEVELS)})
    field = fields.String(allow_none=True, metadata={"description": "The template field, e.g. `name`."})
    message = fields.String(
        metadata={"description": 'Words for the organiser, e.g. "wrapped to 2 lines at 16.2 pt".'}
    )
    size_pt = fields.Float(metadata={"description": "The size the text was drawn at, in points."})
    lines = fields.Integer(metadata={"minimum": 1, "description": "The lines the text was wrapped to."})
    characters = fields.String(
        metadata={"description": "The characters concerned (fallback_font, missing_glyphs)."}
    )
    font = fields.String(metadata={"description": "The font they were drawn from (fallback_font)."})


class BadgeFindingsSchema(Schema):
    class Meta:
        description = "A badge with findings, named as the organiser knows it and where it is in the PDF."

    row = fields.Integer(
        metadata={
            "minimum": 1,
            "description": "The attendee's spreadsheet row (header = row 1), or position from 1 in a"
            " JSON list.",
        }
    )
    page = fields.Integer(
        metadata={
            "minimum": 1,
            "description": "The PDF page the badge is on; in a ZIP (`options.output` `zip`), its file's"
            " place in the archive, from 1.",
        }
    )
    slot = fields.Integer(
        metadata={"minimum": 1, "description": "Its place on that page, row by row from 1."}
    )
    findings = fields.List(fields.Nested(FindingSchema), validate=validate.Length(min=1))


class BadgeJobFindingsSchema(Schema):
    class Meta:
        description = (
            "What a job's answer shows of its proof report: enough for a badge on the job (\"12 badges"
            ' need a look") and links to the details. The counts stay after the files are deleted.\n'
        )
        example = {
            "counts": {
                "shrunk": 41,
                "fallback_font": 3,
                "wrapped": 9,
                "image_missing": 0,
                "image_upscaled": 0,
                "photo_missing": 0,
                "photos_unused": 0,
                "ellipsized": 1,
                "missing_glyphs": 2,
                "qr_too_dense": 0,
            },
            "flagged": 12,
            "report_url": "https://badges.example.org/api/v1/badge-jobs/6f1c2d4e-8a9b-4c3d-9e2f-0a1b2c3d4e5f/report",
            "proof_url": "https://badges.example.org/api/v1/downloads/eyJqb2IiOi...",
        }

    counts = fields.Nested(FindingCountsSchema)
    flagged = _count("Badges with a finding of level `warning` or `error`; they are on the proof sheet.")
    report_url = fields.String(metadata={"description": "The report's URL (`GET`, with the bearer token)."})
    proof_url = fields.String(
        allow_none=True,
        metadata={
            "description": "The proof sheet behind a signed, expiring link like `download_url` (no"
            " Authorization header); null when no badge was flagged or the files are deleted.\n"
        },
    )


class BadgeJobResultSchema(Schema):
    badges = fields.Integer()
    pages = fields.Integer(
        metadata={"description": "The PDF's pages; with `options.output` `zip`, the ZIP's files."}
    )
    bytes = fields.Integer()
    download_url = fields.String(
        allow_none=True,
        metadata={"format": "uri", "description": "A signed link; null once the file is deleted."},
    )
    download_token = fields.String(
        allow_none=True,
        metadata={
            "description": "The token in `download_url`, as the `downloadBadges` operation's `token`"
            " parameter takes it: a generated client calls that operation instead of parsing the URL.\n"
        },
    )
    expires_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When the file is deleted."})
    file_deleted = fields.Boolean()
    findings = fields.Nested(
        BadgeJobFindingsSchema,
        allow_none=True,
        metadata={"description": "The proof report in brief; null for a job made before reports existed."},
    )


class BadgeJobReportSchema(Schema):
    """A page of a job's proof report (api/badges/report.py builds it)."""

    class Meta:
        example = {
            "badges": 400,
            "flagged": 2,
            "counts": {
                "shrunk": 12,
                "fallback_font": 1,
                "wrapped": 1,
                "image_missing": 0,
                "image_upscaled": 0,
                "photo_missing": 0,
                "photos_unused": 0,
                "ellipsized": 1,
                "missing_glyphs": 0,
                "qr_too_dense": 0,
            },
            "job_findings": [],
            "omitted": 0,
            "items": [
                {
                    "row": 11,
                    "page": 3,
                    "slot": 2,
                    "findings": [
                        {
                            "kind": "shrunk",
                            "level": "info",
                            "field": "name",
                            "message": "shrunk to 16.2 pt (from 19.8 pt) to fit",
                            "size_pt": 16.2,
                        },
                        {
                            "kind": "wrapped",
                            "level": "warning",
                            "field": "name",
                            "message": "wrapped to 2 lines at 16.2 pt",
                            "size_pt": 16.2,
                            "lines": 2,
                        },
                    ],
                },
                {
                    "row": 208,
                    "page": 52,
                    "slot": 3,
                    "findings": [
                        {
                            "kind": "ellipsized",
                            "level": "error",
                            "field": "organization",
                            "message": "shortened with an ellipsis: too long for its box even at 9.9 pt",
                            "size_pt": 9.9,
                            "lines": 1,
                        }
                    ],
                },
            ],
            "total": 2,
            "page": 1,
            "per_page": 20,
        }

    badges = _count("Badges in the job.")
    flagged = _count("Badges with a warning or an error: the proof sheet's.")
    counts = fields.Nested(FindingCountsSchema)
    job_findings = fields.List(
        fields.Nested(FindingSchema),
        metadata={
            "description": "Findings about the job as a whole, said once (e.g. a low-resolution background)."
        },
    )
    omitted = _count(
        "Badges with findings whose details were not kept; they are in `counts` and `flagged`"
        " but not in `items`. Every badge's details are kept up to 100,000 flagged and 100,000"
        " others (the most rows a job may have), so 0 for any job within the limits.\n"
    )
    items = fields.List(fields.Nested(BadgeFindingsSchema))
    total = _count("Badges matching the filters.")
    page = fields.Integer()
    per_page = fields.Integer()


class BadgeJobSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    status = fields.String(metadata={"enum": [status.value for status in JobStatus]})
    template = fields.String(attribute="template_ref")
    event_id = fields.UUID(allow_none=True)
    options = fields.Dict()
    progress = fields.Method(
        "get_progress",
        metadata={
            "type": "object",
            "required": ["done", "total"],
            "properties": {
                "done": {"type": "integer", "minimum": 0},
                "total": {"type": "integer", "minimum": 0},
            },
            "additionalProperties": False,
        },
    )
    attempts = fields.Integer(metadata={"minimum": 0})
    error = fields.String(allow_none=True)
    # What get_result builds, as BadgeJobResultSchema describes it.
    result = fields.Method(
        "get_result",
        metadata={"allOf": [{"$ref": "#/components/schemas/BadgeJobResult"}], "nullable": True},
    )
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    log_stream_url = fields.Function(
        log_stream_url,
        metadata={
            "type": "string",
            "format": "uri",
            "description": "The live build log (`streamBadgeJobLog`) behind a signed link for an"
            " EventSource, which cannot send an Authorization header: bound to this job and its owner,"
            " it must be opened within `LOG_STREAM_LINK_MAX_AGE` seconds (600). Fresh on every read.\n",
        },
    )

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
    seq = fields.Integer(metadata={"minimum": 1})
    type = fields.String(metadata={"enum": list(LOG_TYPES)})
    message = fields.String()
    detail = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
