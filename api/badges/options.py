"""The badge options' schema: a job's or a preview's `options`, checked once where the request
arrives and loaded into the engine's typed options (api.render.options).

Every shape and limit that needs neither the template nor the attendee list is checked here, so a
malformed option is a 422 naming its path ("options.fields.name.size"); the engine checks the rest
(a column the list does not have, a sheet too small for the badge).

Loading also reads a job's stored options back (the worker's input bundle keeps them dumped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    post_dump,
    post_load,
    validate,
    validates_schema,
)

from api.core.schemas import RequestSchema, StrictBoolean, StrictInteger, StrictNumber
from api.render.images import FITS
from api.render.options import BackgroundOption, BadgeOptions, CustomSheet, FieldStyle, QrSpec, SortKey
from api.render.sheets import MAX_GRID_SIDE, PAGE_SIZES, SHEET_PRESETS, max_spacing_mm
from api.render.zipped import DPI_RANGE, ZIP_FORMATS

MAX_SORT_KEYS = 10
MAX_FONT_NAME = 100
SIZE_RANGE = (4, 200)  # points
WEIGHTS = {"normal": 400, "bold": 700}
QR_KINDS = ("plain", "vcard")
OUTPUTS = ("pdf", "zip", "print")  # what a job makes; "print": PDF/X in CMYK (api/render/printready.py)
SIDES = ("front", "both")
DUPLEX_MODES = ("long-edge", "short-edge", "fold")
MAX_COLUMN_NAME = 200
DPI_MESSAGE = f"Must be a whole number of dots per inch from {DPI_RANGE[0]} to {DPI_RANGE[1]}."
SHEET_KEYS = ("page", "landscape", "columns", "rows", "margin_mm", "gap_mm", "crop_marks")
FIELD_STYLE_KEYS = ("font", "size", "color", "weight")
FONT_MESSAGE = "Must be a font family name or an uploaded font's id."
COLOR = r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z"


class Weight(fields.Field[int]):
    """normal, bold, or a multiple of 100 from 100 to 900; loaded as the number."""

    default_error_messages = {"invalid": "Must be normal, bold or 100-900."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:  # noqa: ARG002  (marshmallow's signature)
        if isinstance(value, str) and value in WEIGHTS:
            return WEIGHTS[value]
        if isinstance(value, int) and not isinstance(value, bool) and value in range(100, 1000, 100):
            return value
        raise self.make_error("invalid")


class OptionsSchema(RequestSchema):
    """Refuses unknown keys; a value that is not an object is refused in words a person reads."""

    error_messages = {"type": "Must be a JSON object."}


class CustomSheetSchema(OptionsSchema):
    page = fields.String(
        load_default="a4",
        validate=validate.OneOf(PAGE_SIZES, error=f"Must be one of {', '.join(PAGE_SIZES)}."),
        metadata={"description": "The paper: " + ", ".join(PAGE_SIZES) + "."},
    )
    landscape = StrictBoolean(
        load_default=False,
        metadata={"description": "Turn the page on its side."},
    )
    columns = StrictInteger(
        validate=validate.Range(1, MAX_GRID_SIDE, error=f"Must be a whole number from 1 to {MAX_GRID_SIDE}."),
        error_messages={"invalid": f"Must be a whole number from 1 to {MAX_GRID_SIDE}."},
        metadata={"description": "Badges across the page; as many as fit when left out."},
    )
    rows = StrictInteger(
        validate=validate.Range(1, MAX_GRID_SIDE, error=f"Must be a whole number from 1 to {MAX_GRID_SIDE}."),
        error_messages={"invalid": f"Must be a whole number from 1 to {MAX_GRID_SIDE}."},
        metadata={"description": "Badges down the page; as many as fit when left out."},
    )
    margin_mm = StrictNumber(
        error_messages={"invalid": "Must be a number of millimetres."},
        metadata={"description": "The page's margin in mm, up to a quarter of the page; 10 when left out."},
    )
    gap_mm = StrictNumber(
        error_messages={"invalid": "Must be a number of millimetres."},
        metadata={"description": "The gap between badges in mm, up to a quarter of the page; 5 if left out."},
    )
    crop_marks = StrictBoolean(
        load_default=True,
        metadata={"description": "Marks at every badge's corners, in the margins and gaps."},
    )

    @validates_schema
    def check_spacing(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Margins and gaps up to a quarter of the page: past that no badge has room left."""
        limit = max_spacing_mm(data["page"])
        message = f"Must be a number of millimetres from 0 to {limit:.1f}".removesuffix(".0")
        errors = {
            key: [f"{message} (a quarter of the page)."]
            for key in ("margin_mm", "gap_mm")
            if key in data and not 0 <= data[key] <= limit + 1e-6
        }
        if errors:
            raise ValidationError(errors)

    @post_load
    def make_sheet(self, data: dict[str, Any], **kwargs: Any) -> CustomSheet:
        return CustomSheet(**data)

    @post_dump
    def drop_unset(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # Left out means "as many as fit" or "the default"; null is not a value these keys take.
        return {key: value for key, value in data.items() if value is not None}


class SheetField(fields.Field["str | CustomSheet"]):
    """A preset's name, or an object describing the sheet (CustomSheetSchema)."""

    default_error_messages = {
        "invalid": f"Must be one of {', '.join(SHEET_PRESETS)}, or an object with {', '.join(SHEET_KEYS)}.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | CustomSheet:  # noqa: ARG002  (marshmallow's signature)
        if isinstance(value, Mapping):
            sheet: CustomSheet = CustomSheetSchema().load(value)
            return sheet
        if isinstance(value, str) and value in SHEET_PRESETS:
            return value
        raise self.make_error("invalid")

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:  # noqa: ARG002  (marshmallow's signature)
        return CustomSheetSchema().dump(value) if isinstance(value, CustomSheet) else value


class FieldStyleSchema(OptionsSchema):
    error_messages = {"type": f"Must be an object with {', '.join(FIELD_STYLE_KEYS)}."}

    font = fields.String(
        allow_none=True,
        validate=validate.Length(1, MAX_FONT_NAME, error=FONT_MESSAGE),
        metadata={"description": "A curated font's id or family name, or an uploaded font's id."},
    )
    size = StrictNumber(
        allow_none=True,
        validate=validate.Range(*SIZE_RANGE, error="Must be a number of points from 4 to 200."),
        error_messages={"invalid": "Must be a number of points from 4 to 200."},
        metadata={"description": "The text's size in points (4 to 200)."},
    )
    color = fields.String(
        allow_none=True,
        validate=validate.Regexp(COLOR, error="Must be a colour like #112233."),
        # The contract's regex dialect (ECMA-262) has no \Z; with $ a JSON string cannot hide a
        # trailing line break from it either.
        metadata={
            "description": "The text's colour, #rgb or #rrggbb.",
            "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$",
        },
    )
    weight = Weight(
        allow_none=True,
        metadata={
            "description": "normal, bold, or 100 to 900 in steps of 100.",
            "oneOf": [
                {"type": "string", "enum": list(WEIGHTS)},
                {"type": "integer", "minimum": 100, "maximum": 900, "multipleOf": 100},
            ],
        },
    )

    @post_load
    def make_style(self, data: dict[str, Any], **kwargs: Any) -> FieldStyle:
        if isinstance(data.get("font"), str):
            data["font"] = data["font"].strip()
        if data.get("font") == "":
            raise ValidationError({"font": [FONT_MESSAGE]})
        return FieldStyle(**data)


class FieldStylesField(fields.Field[dict[str, FieldStyle]]):
    """Template field name -> its style. Errors are keyed by the field's name ("fields.name.size"),
    where marshmallow's Dict would put them under "fields.name.value.size"."""

    default_error_messages = {"invalid": "Must be an object of template field names."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, FieldStyle]:  # noqa: ARG002  (marshmallow's signature)
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        styles, errors = {}, {}
        for name, style in value.items():
            try:
                styles[name] = FieldStyleSchema().load(style)
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)
        return styles

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:  # noqa: ARG002  (marshmallow's signature)
        return {name: FieldStyleSchema().dump(style) for name, style in (value or {}).items()}


class ColumnsField(fields.Field[dict[str, str]]):
    """Template field name -> attendee column name; errors keyed "columns.<field>"."""

    default_error_messages = {"invalid": "Must map template fields to column names."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, str]:  # noqa: ARG002  (marshmallow's signature)
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        errors = {
            name: ["Must be a column name (text)."]
            for name, column in value.items()
            if not isinstance(column, str)
        }
        if errors:
            raise ValidationError(errors)
        return dict(value)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:  # noqa: ARG002  (marshmallow's signature)
        return dict(value or {})


class QrSchema(OptionsSchema):
    error_messages = {"type": 'Must be {"field": column, "kind": "plain" or "vcard"}.'}

    field = fields.String(
        required=True,
        metadata={"description": "The field or column whose value the code holds (vcard: the email)."},
    )
    kind = fields.String(
        load_default="plain",
        validate=validate.OneOf(QR_KINDS, error="Must be plain or vcard."),
        metadata={
            "description": "plain: the value as it is; vcard: a contact card of name, organization, email."
        },
    )

    @post_load
    def make_qr(self, data: dict[str, Any], **kwargs: Any) -> QrSpec:
        return QrSpec(**data)


class BackgroundSchema(OptionsSchema):
    fit = fields.String(
        load_default="cover",
        validate=validate.OneOf(FITS, error=f"Must be one of {', '.join(FITS)}."),
        metadata={"description": "How the background image fills the badge: cover, contain or stretch."},
    )

    @post_load
    def make_background(self, data: dict[str, Any], **kwargs: Any) -> BackgroundOption:
        return BackgroundOption(**data)


class SortField(fields.Field[tuple[SortKey, ...]]):
    """A field name or a list of them, each "-"-prefixed for descending; loaded as SortKeys."""

    default_error_messages = {"invalid": 'Must be a field name or a list of them, e.g. ["ticket", "-name"].'}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[SortKey, ...]:  # noqa: ARG002  (marshmallow's signature)
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise self.make_error("invalid")
        if len(names) > MAX_SORT_KEYS:
            raise ValidationError(f"At most {MAX_SORT_KEYS} fields.")
        keys = []
        for name in names:
            field = name.strip().removeprefix("-").strip()
            if not field:
                raise ValidationError(f"{name!r} names no field.")
            keys.append(SortKey(field, descending=name.strip().startswith("-")))
        return tuple(keys)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:  # noqa: ARG002  (marshmallow's signature)
        return [("-" if key.descending else "") + key.field for key in value or ()]


class BadgeOptionsSchema(OptionsSchema):
    """Every key is optional."""

    name = fields.String(
        allow_none=True,
        metadata={"description": "The job's name (the mail's subject, the file's name, badges' {{event}})."},
    )
    template = fields.String(
        load_default="classic",
        error_messages={"invalid": "Must be a template id (text).", "null": "Must be a template id (text)."},
        metadata={"description": "A built-in id or an uploaded template's id."},
    )
    sheet = SheetField(
        load_default="one-per-page",
        error_messages={"null": SheetField.default_error_messages["invalid"]},
        metadata={
            "description": "A preset (`one-per-page`, `a4-2x2`, ...), a maker's label sheet "
            "(`avery-5392`, `avery-5395`, `herma-5028`: each badge centred in its pre-cut label, no "
            "crop marks, a template larger than the label refused) or "
            "`{page, columns, rows, margin_mm, gap_mm, crop_marks}`.",
            "oneOf": [
                {"type": "string", "enum": list(SHEET_PRESETS)},
                {"$ref": "#/components/schemas/CustomSheet"},
            ],
        },
    )
    columns = ColumnsField(
        load_default=dict,
        metadata={
            "description": "Template field -> attendee column.",
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
    )
    # Not called `fields`: a schema's `fields` is its dict of bound fields.
    field_styles = FieldStylesField(
        data_key="fields",
        attribute="fields",
        load_default=dict,
        metadata={
            "description": "Per template field, its style.",
            "type": "object",
            "additionalProperties": {"$ref": "#/components/schemas/FieldStyle"},
        },
    )
    background = fields.Nested(
        BackgroundSchema, allow_none=True, metadata={"description": "`{fit: cover|contain|stretch}`."}
    )
    qr = fields.Nested(QrSchema, allow_none=True, metadata={"description": "`{field, kind: plain|vcard}`."})
    event_id = fields.UUID(
        allow_none=True,
        error_messages={"invalid_uuid": "Not a valid event id (a UUID)."},
        metadata={
            "description": "One of your events; its tickets' `badge_color` colours the badges by the "
            "`ticket` column."
        },
    )
    # No default in the contract: a generator writes a oneOf's default as a string ("[]"), which
    # would then sort by a column named "[]".
    sort = SortField(
        allow_none=True,
        metadata={
            "description": "A field or a list of fields (`-` for descending); `ticket` sorts by the "
            "event's ticket order. Left out or null: the list's own order.",
            "oneOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": MAX_SORT_KEYS},
            ],
            "nullable": True,
        },
    )

    output = fields.String(
        load_default="pdf",
        validate=validate.OneOf(OUTPUTS, error=f"Must be one of {', '.join(OUTPUTS)}."),
        metadata={
            "description": "`pdf`: one PDF of every badge on the sheet. `zip`: a ZIP with one file per "
            "attendee (`zip_format`), each the badge alone at its own size (the sheet does not apply), "
            "named by `file_name`. `print`: the same PDF converted for a print shop: PDF/X-3 in CMYK "
            "with an output intent (Ghostscript's SWOP profile), fonts embedded, a TrimBox on every "
            "page; slower and larger than `pdf`."
        },
    )
    zip_format = fields.String(
        load_default="pdf",
        validate=validate.OneOf(ZIP_FORMATS, error=f"Must be one of {', '.join(ZIP_FORMATS)}."),
        metadata={"description": "With `output: zip`: each file a one-page PDF (`pdf`) or a PNG (`png`)."},
    )
    dpi = StrictInteger(
        load_default=300,
        validate=validate.Range(*DPI_RANGE, error=DPI_MESSAGE),
        error_messages={"invalid": DPI_MESSAGE},
        metadata={"description": "With `zip_format: png`: the PNGs' resolution in dots per inch."},
    )
    file_name = fields.String(
        allow_none=True,
        validate=validate.Length(1, MAX_COLUMN_NAME, error="Must be a column name."),
        metadata={
            "description": "With `output: zip`: the column each file is named by (default: the column of "
            "the `name` field). Names are NFC, without path separators or control characters, at most "
            '100 characters, made unique with " (2)", " (3)", ...; an empty value gives "badge <row>".'
        },
    )
    photo_column = fields.String(
        allow_none=True,
        validate=validate.Length(1, MAX_COLUMN_NAME, error="Must be a column name."),
        metadata={
            "description": "With a `photos` ZIP and a template with a `data-photo` box: the column naming "
            "each attendee's photo file (matched without folders, case or the .jpg/.jpeg/.png "
            "extension). Default: the `photo` column when the list has one."
        },
    )

    sides = fields.String(
        load_default="front",
        validate=validate.OneOf(SIDES, error=f"Must be one of {', '.join(SIDES)}."),
        metadata={
            "description": "`front`: one side. `both`: the template's back side too (a template "
            "with a back: `has_back`), imposed as `duplex` says; a template without one is a 422."
        },
    )
    duplex = fields.String(
        load_default="long-edge",
        validate=validate.OneOf(DUPLEX_MODES, error=f"Must be one of {', '.join(DUPLEX_MODES)}."),
        metadata={
            "description": "With `sides: both`: `long-edge` or `short-edge`, the printer's duplex setting "
            "(each sheet is a front page then a back page, every back behind its front after that "
            "flip); `fold`, one side of paper with each slot twice the badge's height, the back "
            "above the front turned 180 degrees, to fold along the badge's top edge."
        },
    )

    @post_load
    def make_options(self, data: dict[str, Any], **kwargs: Any) -> BadgeOptions:
        data["sort"] = data.get("sort") or ()  # null keeps the list's order, as no sort does
        return BadgeOptions(**data)
