"""Check a badge request (a job or a preview) before anything is queued or rendered. No HTTP here:
the resource reads the body and hands over its parts.

Both shapes arrive here: multipart (an `attendees` file, an `options` JSON field, an optional
`background` image) and JSON (`{"attendees": [...], "options": {...}}`). Everything that can be
checked without the engine is checked here, so a bad request is a 4xx naming the row, column or
option, never a job that fails later: the options are loaded with their schema (once: from here on
the typed BadgeOptions travel), the attendee list parsed, the template and fonts found, the
event's tickets matched and the rows sorted. What needs the engine (options against the
template, the background image) is checked by a render worker: `check_in_worker` for a job, the
preview itself for a preview.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import rendering
from api.badge_templates.service import TemplateChoice, resolve_template
from api.badges.options import BadgeOptionsSchema
from api.core.schemas import flatten_messages
from api.errors import PayloadTooLargeError, ValidationError
from api.events.models import Event
from api.events.service import owned_event
from api.fonts.coverage import missing_glyph_warnings
from api.fonts.service import resolve_field_fonts
from api.render.attendees import AttendeeTable, PackedRows, attendees_from_records, read_attendees
from api.render.errors import RenderInputError
from api.render.options import BadgeOptions, SortKey
from api.render.ordering import sort_rows, ticket_key
from api.render.photo_archive import PhotoLimits, check_directory
from api.render.tasks import BadgeSpec
from api.tickets.models import Ticket
from api.users.models import User

JSON_KEYS = {"attendees", "options"}
MAX_FONT_WARNINGS = 50
PREVIEW_KEYS = JSON_KEYS | {"row", "dpi", "format", "side", "trim_line"}
PREVIEW_SIDES = ("front", "back")
PREVIEW_FORMATS = {"png": "image/png", "pdf": "application/pdf"}
MULTIPART_ROOM = 1024 * 1024  # the options field, boundaries and part headers of a multipart body


@dataclass
class BadgeRequest:
    """A checked request: what a worker needs to render it, and what the job record shows."""

    table: AttendeeTable
    rows: PackedRows  # sorted as the options ask; a dict per attendee, made when read
    # Each row's number as the organiser knows it (spreadsheet row, or position in a JSON list),
    # in the order of `rows`: sorting moves a row with its number.
    row_numbers: list[int]
    options: BadgeOptions  # as loaded: fonts as the request named them
    options_as_sent: dict[str, Any]  # what the job shows and the fingerprint covers
    template: TemplateChoice
    spec: BadgeSpec  # what a worker needs to check or draw these badges
    background: bytes | None
    photos: bytes | None  # the job's ZIP of photos, its directory checked
    event: Event | None
    ticket_colors: dict[str, str] | None
    fingerprint: str  # the request's content, for Idempotency-Key comparisons
    # The options as the engine takes them (fonts as family names) and the uploaded fonts they use.
    render_options: BadgeOptions = field(default_factory=BadgeOptions)
    fonts: dict[str, bytes] = field(default_factory=dict)
    # Texts with characters their field's chosen font lacks: (first warnings, how many in all).
    font_warnings: tuple[list[str], int] = ([], 0)
    # Template fields the attendee list has no column for (printed empty); set by check_in_worker.
    missing_fields: tuple[str, ...] = ()
    preview_row: int = 0
    preview_dpi: float = 150.0
    preview_format: str | None = None  # "png" or "pdf" when the body names one
    preview_side: str = "front"  # which side a PNG preview shows: "front" or "back"
    preview_trim_line: bool = False  # draw where the badge is cut, and veil its bleed

    @property
    def name(self) -> str:
        """The job's name (it titles the mail and the file): options.name, else the event's."""
        raw = str(self.options.name or (self.event.name if self.event else "") or "Badges")
        # One line of printable text: it ends up in a mail subject and a file name.
        return " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())[:200] or "Badges"


class Upload(Protocol):
    """A file part of a multipart body (werkzeug's FileStorage is one)."""

    def read(self, size: int = -1, /) -> bytes: ...


def check_multipart(
    session: Session, *, actor: User, form: Mapping[str, str], files: Mapping[str, Upload]
) -> BadgeRequest:
    """A job sent as multipart (the `options` form field; `attendees` and `background` files),
    checked; raise a 4xx AppError."""
    try:
        table, options, background, photos = _from_multipart(form, files)
        return _check(session, actor, table, options, background, {}, photos)
    except RenderInputError as error:
        raise rendering.refused(error) from None


def check_json(session: Session, *, actor: User, body: Any, preview: bool = False) -> BadgeRequest:
    """A job or a preview sent as a JSON document, checked; raise a 4xx AppError."""
    try:
        table, options, extra = _from_json(body, preview)
        return _check(session, actor, table, options, None, extra)
    except RenderInputError as error:
        raise rendering.refused(error) from None


def body_limit() -> int:
    """The largest body a badge request may have: an attendee list at its limit and a background
    at its limit (multipart), or a JSON list at its limit; never below MAX_CONTENT_LENGTH."""
    config = current_app.config
    multipart = (
        config["BADGE_JOB_CSV_MAX_BYTES"]
        + config["BADGE_BACKGROUND_MAX_BYTES"]
        + config["BADGE_PHOTOS_MAX_BYTES"]
        + MULTIPART_ROOM
    )
    return int(max(config["MAX_CONTENT_LENGTH"] or 0, config["BADGE_JOB_JSON_MAX_BYTES"], multipart))


def _max_rows() -> int:
    return int(current_app.config["BADGE_JOB_MAX_ROWS"])


def _max_csv_bytes() -> int:
    return int(current_app.config["BADGE_JOB_CSV_MAX_BYTES"])


def photo_limits() -> PhotoLimits:
    """The photo archive's limits, from the BADGE_PHOTO(S)_* settings."""
    config = current_app.config
    return PhotoLimits(
        max_zip_bytes=int(config["BADGE_PHOTOS_MAX_BYTES"]),
        max_members=int(config["BADGE_PHOTOS_MAX_FILES"]),
        max_photo_bytes=int(config["BADGE_PHOTO_MAX_BYTES"]),
        max_photo_pixels=int(config["BADGE_PHOTO_MAX_PIXELS"]),
        max_total_bytes=int(config["BADGE_PHOTOS_MAX_TOTAL_BYTES"]),
        max_ratio=float(config["BADGE_PHOTOS_MAX_RATIO"]),
    )


def _photos_part(upload: Upload) -> bytes:
    """The `photos` part, read up to its limit; its central directory checked (nothing is
    decompressed here: the members are read in the render runtime)."""
    limits = photo_limits()
    data = upload.read(limits.max_zip_bytes + 1)
    if len(data) > limits.max_zip_bytes:
        raise PayloadTooLargeError(
            f"The photo archive is over the limit of {limits.max_zip_bytes} bytes (BADGE_PHOTOS_MAX_BYTES).",
            code="limit_exceeded",
            errors={"photos": [f"Over {limits.max_zip_bytes} bytes."]},
        )
    if not data:
        raise ValidationError({"photos": ["The file is empty."]})
    check_directory(data, limits)
    return data


def _from_multipart(
    form: Mapping[str, str], files: Mapping[str, Upload]
) -> tuple[AttendeeTable, Any, bytes | None, bytes | None]:
    upload = files.get("attendees")
    if upload is None:
        raise ValidationError({"attendees": ["Send the attendee list as a file part named 'attendees'."]})
    limit = _max_csv_bytes()
    data = upload.read(limit + 1)  # past the limit, no need to read the rest
    if len(data) > limit:
        raise PayloadTooLargeError(
            f"The attendee list is over the limit of {limit} bytes (BADGE_JOB_CSV_MAX_BYTES).",
            code="limit_exceeded",
            errors={"attendees": [f"Over {limit} bytes."]},
        )
    table = read_attendees(data, max_rows=_max_rows(), max_bytes=limit)
    del data
    options = _options_field(form.get("options"))
    background = None
    image = files.get("background")
    if image is not None:
        limit = current_app.config["BADGE_BACKGROUND_MAX_BYTES"]
        background = image.read(limit + 1)
        if len(background) > limit:
            raise PayloadTooLargeError(
                f"The background image is over the limit of {limit} bytes (BADGE_BACKGROUND_MAX_BYTES).",
                code="limit_exceeded",
                errors={"background": [f"Over {limit} bytes."]},
            )
        if not background:
            raise ValidationError({"background": ["The file is empty."]})
    unknown = set(form) - {"options"} | set(files) - {"attendees", "background", "photos"}
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    photos = files.get("photos")
    return table, options, background, _photos_part(photos) if photos is not None else None


def _options_field(raw: str | None) -> Any:
    if raw is None or not raw.strip():
        return {}
    try:
        options = json.loads(raw)
    except ValueError as error:
        raise ValidationError({"options": [f"Not valid JSON: {error}."]}) from None
    return options  # its shape is the schema's to check


def _load_options(sent: Any) -> BadgeOptions:
    """The options' shape and limits, checked once: from here on the typed options travel."""
    try:
        options: BadgeOptions = BadgeOptionsSchema().load(sent)
    except MarshmallowValidationError as error:
        raise ValidationError(flatten_messages(error.messages, "options")) from None
    return options


def _from_json(body: Any, preview: bool) -> tuple[AttendeeTable, Any, dict[str, Any]]:
    if not isinstance(body, dict):
        raise ValidationError({"body": ["Must be a JSON object with 'attendees' and 'options'."]})
    allowed = PREVIEW_KEYS if preview else JSON_KEYS
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    if "attendees" not in body:
        raise ValidationError({"attendees": ["Missing: an array of attendee objects."]})
    table = attendees_from_records(body["attendees"], max_rows=_max_rows())
    options = body.get("options", {})
    extra = {key: body[key] for key in ("row", "dpi", "format", "side", "trim_line") if key in body}
    return table, options, extra


def _check(
    session: Session,
    actor: User,
    table: AttendeeTable,
    sent: Any,
    background: bytes | None,
    extra: dict[str, Any],
    photos: bytes | None = None,
) -> BadgeRequest:
    options = _load_options(sent)
    template = resolve_template(session, actor=actor, ref=options.template)
    event, tickets = _event_and_tickets(session, actor, options.event_id)
    columns = dict(options.columns)
    ticket_column = columns.get("ticket", "ticket")
    ticket_colors = None
    ticket_positions = None
    if event is not None:
        ticket_colors = {ticket.name: ticket.badge_color or "" for ticket in tickets}
        ticket_colors = {name: color for name, color in ticket_colors.items() if color}
        ticket_positions = {ticket.name: ticket.position for ticket in tickets}
        if ticket_column in table.columns:
            _check_ticket_names(table, ticket_column, tickets)
    field_fonts = resolve_field_fonts(session, actor=actor, options=options)
    spec = BadgeSpec(
        template=template.source,
        options=field_fonts.options,
        columns=list(table.columns),
        fonts=field_fonts.uploads,
        ticket_colors=ticket_colors,
        background=background,
        photos=photos,
        photo_limits=photo_limits(),
    )
    rows = table.rows
    row_numbers = list(table.row_numbers)
    if options.sort:
        rows, row_numbers = _sorted(rows, row_numbers, options.sort, columns, ticket_positions)
    row_index, dpi, preview_format, preview_side = _preview_extras(extra, len(rows))
    trim_line = extra.get("trim_line", False)
    if not isinstance(trim_line, bool):
        raise ValidationError({"trim_line": ["Must be true or false."]})
    fingerprint = _fingerprint(table, sent, background, photos)
    return BadgeRequest(
        table=table,
        rows=rows,
        row_numbers=row_numbers,
        options=options,
        options_as_sent=sent,
        template=template,
        spec=spec,
        background=background,
        photos=photos,
        event=event,
        ticket_colors=ticket_colors,
        fingerprint=fingerprint,
        render_options=field_fonts.options,
        fonts=field_fonts.uploads,
        font_warnings=missing_glyph_warnings(
            rows,
            {
                name: (columns.get(name, name), family, cmap)
                for name, (family, cmap) in field_fonts.chosen.items()
            },
            limit=MAX_FONT_WARNINGS,
            row_numbers=row_numbers,
        ),
        preview_row=row_index,
        preview_dpi=dpi,
        preview_format=preview_format,
        preview_side=preview_side,
        preview_trim_line=trim_line,
    )


def _sorted(
    packed: PackedRows,
    row_numbers: list[int],
    sort: tuple[SortKey, ...],
    columns: dict[str, str],
    ticket_positions: dict[str, int] | None,
) -> tuple[PackedRows, list[int]]:
    """The rows in the order `sort` asks, and their numbers in the same order.

    Sorting needs every row as a dict at once (for the length of the sort), then packs them again.
    """
    rows = list(packed)
    # sort_rows reorders the very dicts it is given, so each one finds its number by identity.
    number_of = {id(row): number for row, number in zip(rows, row_numbers, strict=True)}
    ordered = sort_rows(rows, sort, columns=columns, ticket_positions=ticket_positions)
    del rows
    return PackedRows.pack(packed.columns, ordered), [number_of[id(row)] for row in ordered]


def check_in_worker(checked: BadgeRequest, *, actor: User) -> None:
    """Check what needs the engine (options against the template, the background) in a worker.

    Call it with no transaction open: a large background takes a moment to read.
    """
    facts = rendering.check_badges(checked.spec, user=str(actor.id))
    checked.missing_fields = tuple(facts["missing_fields"])


def _event_and_tickets(
    session: Session, actor: User, event_id: uuid.UUID | None
) -> tuple[Event | None, list[Ticket]]:
    if event_id is None:
        return None, []
    event = owned_event(session, actor=actor, event_id=event_id)
    tickets = list(
        session.scalars(select(Ticket).where(Ticket.event_id == event.id).order_by(Ticket.position))
    )
    return event, tickets


def _check_ticket_names(table: AttendeeTable, column: str, tickets: list[Ticket]) -> None:
    """Every non-empty ticket cell must name one of the event's tickets: a typo is caught now."""
    known = {ticket_key(ticket.name) for ticket in tickets}
    names = ", ".join(ticket.name for ticket in tickets) or "none yet"
    # The words the attendee list's own errors use: a CSV file has rows, a JSON list attendees.
    label = "row" if table.delimiter else "attendee"
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        value = row.get(column, "")
        if value.strip() and ticket_key(value) not in known:
            where = f"{label} {number}, column '{column}'"
            raise ValidationError(
                {where: [f"No ticket named {value!r} in this event; its tickets are: {names}."]},
                detail=f"{where}: no ticket named {value!r} in this event.",
            )


def _preview_extras(extra: dict[str, Any], count: int) -> tuple[int, float, str | None, str]:
    row = extra.get("row", 0)
    if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < count:
        raise ValidationError({"row": [f"Must be a whole number from 0 to {count - 1}."]})
    dpi = extra.get("dpi", 150)
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 36 <= dpi <= 300:
        raise ValidationError({"dpi": ["Must be a number from 36 to 300."]})
    output = extra.get("format")
    if output is not None and output not in PREVIEW_FORMATS:
        raise ValidationError({"format": [f"Must be one of {', '.join(PREVIEW_FORMATS)}."]})
    side = extra.get("side", "front")
    if side not in PREVIEW_SIDES:
        raise ValidationError({"side": [f"Must be one of {', '.join(PREVIEW_SIDES)}."]})
    return row, float(dpi), output, side


def _fingerprint(table: AttendeeTable, options: Any, background: bytes | None, photos: bytes | None) -> str:
    """The request's content, independent of multipart boundaries and JSON spacing (the packed
    rows are the same for the same values, whatever the file's encoding or delimiter)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([table.columns, options], sort_keys=True, default=str).encode())
    digest.update(hashlib.sha256(table.rows.data).digest())
    digest.update(hashlib.sha256(background or b"").digest())
    if photos is not None:  # a job without photos keeps the fingerprint it had before photos existed
        digest.update(hashlib.sha256(photos).digest())
    return digest.hexdigest()
