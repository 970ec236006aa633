from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.badge_templates.previews import preview_signature
from api.badge_templates.service import MM_PER_POINT, TemplateInfo
from api.core.schemas import LoadSchema, TrimmedString
from api.links import absolute_url


class BadgeTemplateUploadSchema(LoadSchema):
    """The text parts of the upload form; the SVG itself comes as the `file` part."""

    name = TrimmedString(validate=validate.Length(max=200))


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
    id = fields.String()
    name = fields.String()
    source = fields.String()
    width_mm = fields.Function(lambda info: _millimetres(info.width))
    height_mm = fields.Function(lambda info: _millimetres(info.height))
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    has_qr = fields.Boolean()
    preview_url = fields.Function(preview_url)
    created_at = fields.AwareDateTime(allow_none=True)
    warnings = fields.List(fields.String())
