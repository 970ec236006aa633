"""Stamp attendees onto pages: one cairo PDF surface per output, the template's recorded static
layer replayed per badge, then its tint layer (elements marked data-ticket-color) in the colour of
the attendee's ticket type, then text and QR codes per attendee; N-up placement by translation."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import BinaryIO

import cairocffi
from PIL import Image

from api.render.images import PlacedImage, paint_image
from api.render.ordering import ticket_key
from api.render.qr import draw_qr, vcard
from api.render.sheets import SheetLayout, draw_crop_marks
from api.render.svgcheck import substitute
from api.render.template import CompiledTemplate, Field
from api.render.text import PlacedText, TextPainter, TextStyle, clean_text


@dataclass(frozen=True)
class FieldOverride:
    """Per-field options from a job: `size` is in points, whatever units the template uses."""

    family: str | None = None
    size: float | None = None
    color: tuple[float, float, float, float] | None = None
    weight: int | None = None


@dataclass(frozen=True)
class QrSpec:
    field: str
    kind: str = "plain"  # "plain": the column's value; "vcard": name, organization and email


@dataclass
class BadgePlan:
    """Everything that is the same for every badge of a job, resolved before rendering starts."""

    template: CompiledTemplate
    sheet: SheetLayout
    columns: Mapping[str, str] = field(default_factory=dict)  # template field -> attendee column
    constants: Mapping[str, str] = field(default_factory=dict)  # fields not in the list, e.g. event
    overrides: Mapping[str, FieldOverride] = field(default_factory=dict)
    background: PlacedImage | None = None
    qr: QrSpec | None = None
    # ticket_key(ticket name) -> RGBA; None, or a ticket not listed, keeps the template's colours.
    ticket_colors: Mapping[str, tuple[float, float, float, float] | None] = field(default_factory=dict)
    # Template fields the attendee list has no column for: printed empty, and reported.
    missing_fields: tuple[str, ...] = ()

    def ticket(self, row: Mapping[str, str]) -> str:
        """The attendee's ticket type: the `ticket` column, or the column options.columns maps to it."""
        return row.get(self.columns.get("ticket", "ticket"), "")

    def ticket_color(self, ticket: str) -> tuple[float, float, float, float] | None:
        return self.ticket_colors.get(ticket_key(ticket))

    def values(self, row: Mapping[str, str]) -> dict[str, str]:
        """The attendee's value for every template field, by the column mapping."""
        values = dict(self.constants)
        for name in self.template.placeholders:
            column = self.columns.get(name, name)
            if column in row:
                values[name] = row[column]
        return values


@dataclass(frozen=True)
class BadgeReport:
    """What happened to one badge, for the job log: which texts shrank, wrapped or lack glyphs."""

    index: int
    placed: tuple[tuple[str, PlacedText], ...]


@dataclass
class RenderResult:
    badges: int = 0
    pages: int = 0
    reports: list[BadgeReport] = field(default_factory=list)


class BadgeStamper:
    """Draws badges on one cairo context; text and static layers are prepared once per job."""

    def __init__(self, ctx: cairocffi.Context, plan: BadgePlan) -> None:
        self.ctx = ctx
        self.plan = plan
        self.text = TextPainter(ctx)
        self.fields = [(spec, _style_for(spec, plan.overrides)) for spec in plan.template.fields]
        # A field that is exactly one placeholder takes its value directly, without substitution.
        self.whole_field = [
            spec.placeholders[0] if spec.template == f"{{{{{spec.placeholders[0]}}}}}" else None
            for spec in plan.template.fields
        ]
        self.slot_matrices: dict[tuple[float, float], tuple[cairocffi.Matrix, list[cairocffi.Matrix]]] = {}
        over_image = plan.background is not None
        self.static = plan.template.static_layer(over_image)
        self.tint = plan.template.tint_layer(over_image)
        # Attendees share a handful of ticket types: look each spelling up once per job.
        self.ticket_layers: dict[str, cairocffi.RecordingSurface] = {}
        self.colored_tints: dict[tuple[float, float, float, float], cairocffi.RecordingSurface] = {}

    def _matrices(self, x: float, y: float) -> tuple[cairocffi.Matrix, list[cairocffi.Matrix]]:
        """The badge's matrix at (x, y) and each field's on top of it, computed once per slot."""
        matrices = self.slot_matrices.get((x, y))
        if matrices is None:
            base = self.ctx.get_matrix()
            matrices = (base, [cairocffi.Matrix(*spec.matrix).multiply(base) for spec, _ in self.fields])
            self.slot_matrices[(x, y)] = matrices
        return matrices

    def stamp(self, row: Mapping[str, str], x: float, y: float) -> tuple[tuple[str, PlacedText], ...]:
        """Draw one badge with its top-left corner at (x, y) on the current page."""
        ctx, template = self.ctx, self.plan.template
        values = self.plan.values(row)
        ctx.save()
        ctx.translate(x, y)
        ctx.rectangle(0, 0, template.width, template.height)
        ctx.clip()
        if self.plan.background is not None:
            paint_image(ctx, self.plan.background, 0, 0, template.width, template.height)
        ctx.set_source_surface(self.static, 0, 0)
        ctx.paint()
        if self.tint is not None:
            self._paint_tint(row)
        base, field_matrices = self._matrices(x, y)
        placed = []
        for (spec, style), matrix, whole in zip(self.fields, field_matrices, self.whole_field, strict=True):
            ctx.set_matrix(matrix)
            text = values.get(whole, "") if whole is not None else substitute(spec.template, values)
            placed.append((spec.placeholders[0], self.text.draw(text, style, spec.fit, spec.x, spec.y)))
        ctx.set_matrix(base)
        self._draw_qr(values, row)
        ctx.restore()
        return tuple(placed)

    def _paint_tint(self, row: Mapping[str, str]) -> None:
        assert self.tint is not None
        ticket = self.plan.ticket(row)
        if ticket not in self.ticket_layers:
            color = self.plan.ticket_color(ticket)
            self.ticket_layers[ticket] = self.tint if color is None else self._tinted(color)
        self.ctx.set_source_surface(self.ticket_layers[ticket], 0, 0)
        self.ctx.paint()

    def _tinted(self, color: tuple[float, float, float, float]) -> cairocffi.RecordingSurface:
        """The tint layer in one colour, recorded once per colour and job.

        Masking on the page itself would write a soft mask and two forms into the PDF for every
        badge (about 1 KB each); a recording used as a source is written once and referenced.
        """
        layer = self.colored_tints.get(color)
        if layer is None:
            assert self.tint is not None
            template = self.plan.template
            layer = cairocffi.RecordingSurface(
                cairocffi.CONTENT_COLOR_ALPHA, (0, 0, template.width, template.height)
            )
            ctx = cairocffi.Context(layer)
            # The marked shapes' coverage (antialiasing, opacity) as a mask, filled with one colour.
            ctx.set_source_rgba(*color)
            ctx.mask_surface(self.tint, 0, 0)
            self.colored_tints[color] = layer
        return layer

    def _draw_qr(self, values: Mapping[str, str], row: Mapping[str, str]) -> None:
        box, spec = self.plan.template.qr, self.plan.qr
        if box is None or spec is None:
            return
        if spec.kind == "vcard":
            data = vcard(values.get("name", ""), values.get("organization", ""), values.get("email", ""))
        else:
            data = clean_text(row.get(self.plan.columns.get(spec.field, spec.field), ""))
        if not data:
            return
        self.ctx.save()
        self.ctx.transform(cairocffi.Matrix(*box.matrix))
        draw_qr(self.ctx, data, box.x, box.y, box.size)
        self.ctx.restore()


def _style_for(spec: Field, overrides: Mapping[str, FieldOverride]) -> TextStyle:
    override = next((overrides[name] for name in spec.placeholders if name in overrides), None)
    if override is None:
        return spec.style
    # The field draws in the template's units; a size in points is divided by the units' scale.
    xx, yx, xy, yy = spec.matrix[:4]
    points_per_unit = math.sqrt(abs(xx * yy - xy * yx)) or 1.0
    return replace(
        spec.style,
        family=override.family or spec.style.family,
        size=override.size / points_per_unit if override.size else spec.style.size,
        color=override.color or spec.style.color,
        weight=override.weight or spec.style.weight,
    )


def render_pdf(
    plan: BadgePlan,
    rows: Iterable[Mapping[str, str]],
    output: BinaryIO | str,
    *,
    on_badge: Callable[[int], None] | None = None,
) -> RenderResult:
    """Write every badge into one PDF; fonts and images are embedded once for the whole file."""
    sheet = plan.sheet
    surface = cairocffi.PDFSurface(output, sheet.page_width, sheet.page_height)
    surface.set_metadata(cairocffi.PDF_METADATA_CREATOR, "Badge service")
    ctx = cairocffi.Context(surface)
    stamper = BadgeStamper(ctx, plan)
    slots = sheet.slots()
    result = RenderResult()
    for index, row in enumerate(rows):
        slot = index % len(slots)
        if slot == 0 and index:
            _finish_page(ctx, sheet)
            result.pages += 1
        placed = stamper.stamp(row, *slots[slot])
        result.reports.append(BadgeReport(index, placed))
        result.badges += 1
        if on_badge is not None:
            on_badge(index)
    if result.badges:
        _finish_page(ctx, sheet)
        result.pages += 1
    surface.finish()
    return result


def _finish_page(ctx: cairocffi.Context, sheet: SheetLayout) -> None:
    if sheet.crop_marks:
        draw_crop_marks(ctx, sheet)
    ctx.show_page()


def render_png(plan: BadgePlan, row: Mapping[str, str], *, dpi: float = 150) -> bytes:
    """One badge as a PNG at `dpi`, white behind transparent parts, for previews."""
    template = plan.template
    scale = dpi / 72
    width, height = max(1, round(template.width * scale)), max(1, round(template.height * scale))
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_RGB24, width, height)
    ctx = cairocffi.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    ctx.scale(scale, scale)
    BadgeStamper(ctx, plan).stamp(row, 0, 0)
    return encode_png(surface)


# zlib level 3: a third larger than cairo's encoder (libpng's default level), five times faster;
# encoding was 85% of a 150 dpi preview's time.
PNG_COMPRESS_LEVEL = 3


def encode_png(surface: cairocffi.ImageSurface) -> bytes:
    """An RGB24 or ARGB32 image surface as PNG, quickly (previews are made while the user types)."""
    surface.flush()
    size = (surface.get_width(), surface.get_height())
    data = bytes(surface.get_data())
    if surface.get_format() == cairocffi.FORMAT_ARGB32:
        # cairo keeps premultiplied alpha in native-endian ARGB: Pillow's "BGRa" reads exactly that.
        image = Image.frombuffer("RGBA", size, data, "raw", "BGRa", surface.get_stride(), 1)
    else:
        image = Image.frombuffer("RGB", size, data, "raw", "BGRX", surface.get_stride(), 1)
    output = io.BytesIO()
    image.save(output, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return output.getvalue()
