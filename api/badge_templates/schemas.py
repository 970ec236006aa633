from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.badge_templates.previews import preview_signature
from api.badge_templates.service import MAX_SVG_BYTES, MM_PER_POINT, TemplateInfo
from api.core.schemas import LoadSchema, TrimmedString
from api.links import absolute_url


class BadgeTemplateUploadSchema(LoadSchema):
    """The upload form. Its text parts are loaded with `exclude=("file", "back")`; the SVGs, the
    `file` and `back` parts, are read by the resource (api/badge_templates/resources.py) as streams."""

    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": f"The SVG, at most {MAX_SVG_BYTES // 1024**2} MiB ({MAX_SVG_BYTES} bytes).",
        },
    )
    back = fields.Raw(
        metadata={
            "type": "string",
            "format": "binary",
            "description": "Optional: a second SVG, the badge's back side (for `options.sides: both`), "
            f"the front's size, at most {MAX_SVG_BYTES // 1024**2} MiB.",
        },
    )
    name = TrimmedString(
        blank_allowed=True,
        validate=validate.Length(max=200),
        metadata={
            "description": "Default (also for an empty value) the file name without its extension,"
            " else `Untitled`."
        },
    )


def preview_url(info: TemplateInfo) -> str:
    """The preview's path; an uploaded template's carries a signature, so a plain <img src> works."""
    if info.source == "built-in":
        return absolute_url("api.badge_template_preview", template_id=info.id)
    return absolute_url(
        "api.badge_template_preview", template_id=info.id, sig=preview_signature(info.id, info.sha256)
    )


def _millimetres(points: float) -> float:
    return round(points * MM_PER_POINT, 1)


class BadgeTemplateSchema(Schema):
    id = fields.String(
        metadata={
            "description": "A built-in template's id (`classic`, `landscape`, `card`, `photo`) or an uploaded"
            " template's UUID."
        }
    )
    name = fields.String(metadata={"maxLength": 200})
    source = fields.String(metadata={"enum": ["built-in", "uploaded"]})
    width_mm = fields.Function(
        lambda info: _millimetres(info.width),
        metadata={"type": "number", "minimum": 0, "description": "The badge's width, rounded to 0.1 mm."},
    )
    height_mm = fields.Function(
        lambda info: _millimetres(info.height),
        metadata={"type": "number", "minimum": 0, "description": "The badge's height, rounded to 0.1 mm."},
    )
    fields_ = fields.List(
        fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "The `{{field}}` placeholder names, in order of first use."},
    )
    bleed_mm = fields.Function(
        lambda info: _millimetres(info.bleed),
        metadata={
            "type": "number",
            "minimum": 0,
            "maximum": 10,
            "description": "How far the artwork runs past the badge's edges on every side"
            " (`data-bleed`), rounded to 0.1 mm; 0 without a bleed. A `one-per-page` page is the badge"
            " and its bleed, with the badge as its TrimBox.",
        },
    )
    has_qr = fields.Boolean(
        metadata={"description": "Whether the template marks a box for a QR code (`data-qr`)."}
    )
    has_back = fields.Boolean(
        metadata={
            "description": "Whether the template has a back side (a second SVG uploaded as `back`, or "
            '`data-side="back"` groups), so that a job may print `sides: both`.'
        }
    )
    preview_url = fields.Function(
        preview_url,
        metadata={
            "type": "string",
            "description": "The path of the PNG preview, e.g. `/api/v1/badge-templates/classic/preview`."
            " An uploaded template's carries a `sig` query parameter, so it works without a token, in a"
            " plain `<img src>`.\n",
        },
    )
    created_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Null for built-in templates."}
    )
    warnings = fields.List(
        fields.String(),
        metadata={
            "description": "What the upload's check found for the organiser to look at, drawn as it is:"
            " static text that runs past the badge's edges (\"The text 'FOSSASIA Summit 2026"
            " \u2013 Main Hall'"
            " runs past the badge's right edge by 3.2 mm.\"). Only in the answer to the upload; empty"
            " elsewhere.\n"
        },
    )
