"""The built-in templates and the one place that turns job options into a BadgePlan.

Jobs, previews and the CLI all call `make_plan`, so an option means the same thing everywhere.
The options' shape is checked where they arrive (api/badges/options.py); what is checked here
needs the template or the attendee columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cairosvg.colors import color as parse_color

from api.render.document import BadgePlan, FieldOverride
from api.render.duplex import impose
from api.render.errors import RenderInputError
from api.render.images import load_image
from api.render.options import BadgeOptions, FieldStyle, QrSpec
from api.render.ordering import ticket_key
from api.render.photo_archive import PhotoArchive
from api.render.photos import PhotoSet, photo_column
from api.render.sheets import BadgeSize, resolve_sheet
from api.render.template import CompiledTemplate, compile_template
from api.render.zipped import check_png_size

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class BuiltInTemplate:
    id: str
    title: str
    path: Path


BUILT_IN = {
    "classic": BuiltInTemplate("classic", "Classic A6 lanyard badge", TEMPLATE_DIR / "classic.svg"),
    "landscape": BuiltInTemplate("landscape", "4 x 3 in landscape badge", TEMPLATE_DIR / "landscape.svg"),
    "card": BuiltInTemplate("card", "CR80 card (85.6 x 54 mm)", TEMPLATE_DIR / "card.svg"),
    "photo": BuiltInTemplate(
        "photo", "A6 lanyard badge with the attendee's photo", TEMPLATE_DIR / "photo.svg"
    ),
}


@lru_cache(maxsize=8)
def built_in_template(template_id: str) -> CompiledTemplate:
    """Compiled once per process: built-in templates are trusted and never change at run time."""
    if template_id not in BUILT_IN:
        known = ", ".join(BUILT_IN)
        raise RenderInputError(
            f"unknown template {template_id!r}; built-in ones are {known}", location="template"
        )
    return compile_template(BUILT_IN[template_id].path.read_bytes())


def make_plan(
    template: CompiledTemplate,
    options: BadgeOptions,
    *,
    columns_available: list[str],
    background: bytes | None = None,
    ticket_colors: Mapping[str, str | None] | None = None,
    photos: PhotoArchive | None = None,
) -> BadgePlan:
    """Check job options against the template and the attendee columns; raise RenderInputError.

    `ticket_colors` maps ticket type names to "#rrggbb" (None: no colour of its own); elements
    marked data-ticket-color take the colour of the attendee's ticket, read from the `ticket`
    column or the column options.columns maps "ticket" to (the template needs no {{ticket}}).
    """
    # One file per attendee (options.output "zip") is the badge alone: its page is the badge, so
    # findings, the report and the proof sheet count "pages" as the ZIP's files.
    sheet_spec = "one-per-page" if options.output == "zip" else options.sheet
    imposition = None
    if options.sides == "both":
        sheet, imposition = impose(template, sheet_spec, options.duplex)
    else:
        sheet = resolve_sheet(sheet_spec, badge_size(template))
    columns = _columns(options.columns, columns_available)
    constants = {"event": options.name or ""}
    # With both sides, the back's fields need their columns too.
    placeholders = list(template.placeholders)
    if imposition is not None and template.back is not None:
        placeholders += [name for name in template.back.placeholders if name not in placeholders]
    missing = [
        name
        for name in placeholders
        if columns.get(name, name) not in columns_available and name not in constants
    ]
    # A list with only a `name` column must still make good badges: a field without a column is
    # left empty (and reported). When no field at all has a column, the list cannot be meant for
    # this template.
    if missing and len(missing) == len([name for name in placeholders if name not in constants]):
        raise RenderInputError(
            f"the template uses {{{{{missing[0]}}}}} but the attendee list has no {missing[0]!r} column;"
            f" map one with options.columns",
            location="columns",
        )
    if options.output == "zip" and options.zip_format == "png":
        check_png_size(template.width, template.height, options.dpi)
    if options.file_name is not None and options.file_name not in columns_available:
        raise RenderInputError(
            f"no column {options.file_name!r} in the attendee list to name the files by",
            location="options.file_name",
        )
    column = photo_column(options.photo_column, columns_available)
    # A back may have a photo box of its own (drawn with sides "both", and in its preview).
    back_photo = template.back.photo if template.back is not None else None
    if photos is not None and template.photo is None and (imposition is None or back_photo is None):
        raise RenderInputError(
            "the template has no data-photo box to place photos in; choose the built-in 'photo'"
            " template or mark a rectangle with data-photo"
            + (" (its back has one: print both sides)" if back_photo is not None else ""),
            location="photos",
        )
    return BadgePlan(
        template=template,
        sheet=sheet,
        columns=columns,
        constants=constants,
        overrides={name: _override(style) for name, style in options.fields.items()},
        background=load_image(background, options.background_fit) if background else None,
        qr=_qr(options.qr, columns_available, columns),
        ticket_colors=_ticket_colors(ticket_colors or {}),
        missing_fields=tuple(missing),
        imposition=imposition,
        photos=PhotoSet(photos, template.photo, column) if template.photo is not None else None,
        back_photos=PhotoSet(photos, back_photo, column) if back_photo is not None else None,
    )


def badge_size(template: CompiledTemplate) -> BadgeSize:
    """The template's trimmed size and bleed, as sheets take them."""
    return BadgeSize("template", template.width, template.height, template.bleed)


def _columns(mapping: Mapping[str, str], available: list[str]) -> dict[str, str]:
    # Any field name may be mapped, not only the template's placeholders: "ticket" picks the
    # column for ticket colours and sorting, and "qr" fields are looked up through it too.
    for field_name, column in mapping.items():
        if column not in available:
            raise RenderInputError(
                f"no column {column!r} in the attendee list", location=f"options.columns.{field_name}"
            )
    return dict(mapping)


def _override(style: FieldStyle) -> FieldOverride:
    color = None
    if style.color is not None:
        red, green, blue, alpha = parse_color(style.color)
        color = (red, green, blue, alpha)
    return FieldOverride(family=style.font, size=style.size, color=color, weight=style.weight)


def _ticket_colors(colors: Mapping[str, str | None]) -> dict[str, tuple[float, float, float, float] | None]:
    resolved: dict[str, tuple[float, float, float, float] | None] = {}
    for name, value in colors.items():
        if value is not None and not (
            isinstance(value, str) and len(value) == 7 and value.startswith("#") and _is_hex(value[1:])
        ):
            raise RenderInputError(f"{value!r} is not a colour like #112233", location=f"ticket {name!r}")
        resolved[ticket_key(name)] = parse_color(value) if value is not None else None
    return resolved


def _is_hex(digits: str) -> bool:
    return all(digit in "0123456789abcdefABCDEF" for digit in digits)


def _qr(spec: QrSpec | None, available: list[str], columns: Mapping[str, str]) -> QrSpec | None:
    if spec is None:
        return None
    if columns.get(spec.field, spec.field) not in available:
        raise RenderInputError(f"no column {spec.field!r} in the attendee list", location="options.qr.field")
    return spec
