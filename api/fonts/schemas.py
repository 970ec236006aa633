"""What a font looks like in an answer. api/fonts/resources.py builds it (`dump`) for a curated
system font and for an upload alike; this schema describes that shape for the contract."""

from __future__ import annotations

from marshmallow import Schema, fields


class FontSchema(Schema):
    id = fields.String(
        metadata={"description": "A curated font's id (e.g. `noto-sans`) or an upload's UUID."}
    )
    family = fields.String(metadata={"description": "The name the font gives itself."})
    styles = fields.List(
        fields.String(), metadata={"description": "e.g. regular, bold, italic, bold-italic."}
    )
    source = fields.String(metadata={"enum": ["system", "uploaded"]})
    scripts = fields.List(
        fields.String(),
        metadata={
            "description": "Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Thai, Han, Kana,"
            " Hangul, Emoji, ..."
        },
    )
    licence = fields.String(allow_none=True)
    licence_url = fields.String(allow_none=True)
    preview_url = fields.String()
    created_at = fields.AwareDateTime(allow_none=True)
