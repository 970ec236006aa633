"""The built-in templates and the one place that turns job options into a BadgePlan.

Jobs, previews and the CLI all call `make_plan`, so an option means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cairosvg.colors import color as parse_color

from api.render.document import BadgePlan, FieldOverride, QrSpec
from api.render.errors import RenderInputError
from api.render.images import load_image
from api.render.ordering import ticket_key
from api.render.sheets import BadgeSize, resolve_sheet
from api.render.template import CompiledTemplate, compile_template

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
OPTION_KEYS = {"name", "template", "sheet", "columns", "fields", "background", "qr", "event_id", "sort"}
FIELD_KEYS = {"font", "size", "color", "weight"}
_WEIGHTS = {"normal": 400, "bold": 700}


@dataclass(frozen=True)
class BuiltInTemplate:
    id: str
    title: str
    path: Path


BUILT_IN = {
    "classic": BuiltInTemplate("classic", "Classic A6 lanyard badge", TEMPLATE_DIR / "classic.svg"),
    "landscape": BuiltInTemplate("landscape", "4 x 3 in landscape badge", TEMPLATE_DIR / "landscape.svg"),
    "card": BuiltInTemplate("card", "CR80 card (85.6 x 54 mm)", TEMPLATE_DIR / "card.svg"),
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
    options: Mapping[str, Any],
    *,
    columns_available: list[str],
    background: bytes | None = None,
    ticket_colors: Mapping[str, str | None] | None = None,
) -> BadgePlan:
    """Check job options against the template and the attendee columns; raise RenderInputError.

    `ticket_colors` maps ticket type names to "#rrggbb" (None: no colour of its own); elements
    marked data-ticket-color take the colour of the attendee's ticket, read from the `ticket`
    column or the column options.columns maps "ticket" to (the template needs no {{ticket}}).
    """
    unknown = set(options) - OPTION_KEYS
    if unknown:
        raise RenderInputError(f"unknown option {sorted(unknown)[0]!r}", location="options")
    sheet = resolve_sheet(
        options.get("sheet", "one-per-page"), BadgeSize("template", template.width, template.height)
    )
    columns = _columns(options.get("columns", {}), columns_available)
    constants = {"event": str(options.get("name", ""))}
    missing = [
        name
        for name in template.placeholders
        if columns.get(name, name) not in columns_available and name not in constants
    ]
    # A list with only a `name` column must still make good badges: a field without a column is
    # left empty (and reported). When no field at all has a column, the list cannot be meant for
    # this template.
    if missing and len(missing) == len([name for name in template.placeholders if name not in constants]):
        raise RenderInputError(
            f"the template uses {{{{{missing[0]}}}}} but the attendee list has no {missing[0]!r} column;"
            f" map one with options.columns",
            location="columns",
        )
    fit = (
        (options.get("background") or {}).get("fit", "cover")
        if isinstance(options.get("background"), dict)
        else "cover"
    )
    return BadgePlan(
        template=template,
        sheet=sheet,
        columns=columns,
        constants=constants,
        overrides=_overrides(options.get("fields", {})),
        background=load_image(background, fit) if background else None,
        qr=_qr(options.get("qr"), columns_available, columns),
        ticket_colors=_ticket_colors(ticket_colors or {}),
        missing_fields=tuple(missing),
    )


def _columns(mapping: Any, available: list[str]) -> dict[str, str]:
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise RenderInputError("must map template fields to column names", location="options.columns")
    # Any field name may be mapped, not only the template's placeholders: "ticket" picks the
    # column for ticket colours and sorting, and "qr" fields are looked up through it too.
    for field_name, column in mapping.items():
        if column not in available:
            raise RenderInputError(
                f"no column {column!r} in the attendee list", location=f"options.columns.{field_name}"
            )
    return dict(mapping)


def _overrides(fields: Any) -> dict[str, FieldOverride]:
    if not isinstance(fields, dict):
        raise RenderInputError("must be an object of field names", location="options.fields")
    overrides = {}
    for name, spec in fields.items():
        if not isinstance(spec, dict) or set(spec) - FIELD_KEYS:
            raise RenderInputError(
                f"allowed keys are {', '.join(sorted(FIELD_KEYS))}", location=f"options.fields.{name}"
            )
        overrides[name] = FieldOverride(
            family=_font(spec.get("font"), name),
            size=_size(spec.get("size"), name),
            color=_color(spec.get("color"), name),
            weight=_weight(spec.get("weight"), name),
        )
    return overrides


def _font(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise RenderInputError("must be a font family name", location=f"options.fields.{name}.font")
    return value.strip()


def _size(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 4 <= value <= 200:
        raise RenderInputError(
            "must be a number of points from 4 to 200", location=f"options.fields.{name}.size"
        )
    return float(value)


def _color(value: Any, name: str) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith("#") or len(value) not in (4, 7):
        raise RenderInputError("must be a colour like #112233", location=f"options.fields.{name}.color")
    try:
        int(value[1:], 16)
    except ValueError:
        raise RenderInputError(
            "must be a colour like #112233", location=f"options.fields.{name}.color"
        ) from None
    red, green, blue, alpha = parse_color(value)
    return (red, green, blue, alpha)


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


def _weight(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if value in _WEIGHTS:
        return _WEIGHTS[value]
    if isinstance(value, int) and not isinstance(value, bool) and value in range(100, 1000, 100):
        return value
    raise RenderInputError("must be normal, bold or 100-900", location=f"options.fields.{name}.weight")


def _qr(spec: Any, available: list[str], columns: dict[str, str]) -> QrSpec | None:
    if spec is None:
        return None
    if not isinstance(spec, dict) or set(spec) - {"field", "kind"} or not isinstance(spec.get("field"), str):
        raise RenderInputError('must be {"field": column, "kind": "plain" or "vcard"}', location="options.qr")
    kind = spec.get("kind", "plain")
    if kind not in ("plain", "vcard"):
        raise RenderInputError("kind must be plain or vcard", location="options.qr.kind")
    if columns.get(spec["field"], spec["field"]) not in available:
        raise RenderInputError(
            f"no column {spec['field']!r} in the attendee list", location="options.qr.field"
        )
    return QrSpec(spec["field"], kind)
