"""Stamp attendees onto pages: one cairo PDF surface per output, the template's recorded static
layer replayed per badge, then its tint layer (elements marked data-ticket-color) in the colour of
the attendee's ticket type, then text and QR codes per attendee; N-up placement by translation."""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, BinaryIO

import cairocffi
from PIL import Image

from api.render import pango
from api.render.boxes import page_boxes_added
from api.render.findings import BadgeFindings, Finding, FindingsTally
from api.render.images import MIN_PRINT_DPI, PlacedImage, paint_image, printed_dpi
from api.render.options import QrSpec
from api.render.ordering import ticket_key
from api.render.photos import PhotoSet
from api.render.qr import MIN_MODULE_MM, MM_PER_POINT, draw_qr, module_size, vcard
from api.render.sheets import SheetLayout, draw_crop_marks, draw_trim_line
from api.render.svgcheck import substitute
from api.render.template import CompiledTemplate, Field
from api.render.text import PlacedText, Prepared, TextPainter, TextStyle, clean_text

if TYPE_CHECKING:
    from api.render.duplex import Imposition

_cairo = cairocffi.cairo
# Texts kept laid out per field: enough for every role, ticket and organisation of a big event.
_PREPARED_PER_FIELD = 1024


@dataclass(frozen=True)
class FieldOverride:
    """Per-field options from a job: `size` is in points, whatever units the template uses."""

    family: str | None = None
    size: float | None = None
    color: tuple[float, float, float, float] | None = None
    weight: int | None = None


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
    # Both sides (options.sides "both"): where the backs go; None prints the front only.
    imposition: Imposition | None = None
    # The job's photos for the template's data-photo box; None when the template has none.
    photos: PhotoSet | None = None
    # The same photos for the back's data-photo box (a back may have its own); None without one.
    back_photos: PhotoSet | None = None

    @property
    def pages_per_sheet(self) -> int:
        """Pages one sheet of badges takes: 2 with a back page."""
        return self.imposition.pages_per_sheet if self.imposition is not None else 1

    def back_side(self) -> BadgePlan:
        """The plan that draws the template's back: its own fields, QR and photo boxes, the same
        sheet, columns and options."""
        assert self.template.back is not None
        return replace(self, template=self.template.back, photos=self.back_photos, back_photos=None)

    @property
    def photo_set(self) -> PhotoSet | None:
        """The job's photos as the badges print them: the front's set, else the back's when both
        sides print (the archive and the column are the same)."""
        if self.photos is not None or self.imposition is None:
            return self.photos
        return self.back_photos

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


@dataclass
class RenderResult:
    badges: int = 0
    pages: int = 0
    tally: FindingsTally = field(default_factory=FindingsTally)  # per-badge findings
    job_findings: tuple[Finding, ...] = ()  # about every badge alike, said once
    processes: int = 1  # rendered in this many processes side by side


class BadgeStamper:
    """Draws badges on one cairo context; text and static layers are prepared once per job.

    Each badge is drawn with `bleed` points of its artwork past the trim (default: the sheet's),
    clipped there; a job's background image covers the bleed too."""

    def __init__(self, ctx: cairocffi.Context, plan: BadgePlan, *, bleed: float | None = None) -> None:
        self.ctx = ctx
        self.plan = plan
        self.bleed = plan.sheet.bleed if bleed is None else min(bleed, plan.template.bleed)
        self.text = TextPainter(ctx)
        self.cr = ctx._pointer
        self.fields = [(spec, _style_for(spec, plan.overrides)) for spec in plan.template.fields]
        # A field that is exactly one placeholder takes its value directly, without substitution.
        self.whole_field = [
            spec.placeholders[0] if spec.template == f"{{{{{spec.placeholders[0]}}}}}" else None
            for spec in plan.template.fields
        ]
        # Per field, its texts laid out and fitted: names once, the event name and roles reused.
        self.prepared: list[dict[str, Prepared]] = [{} for _ in plan.template.fields]
        self.slot_matrices: dict[tuple[float, float], tuple[cairocffi.Matrix, list[cairocffi.Matrix]]] = {}
        over_image = plan.background is not None
        self.static = plan.template.static_layer(over_image)
        self.tint = plan.template.tint_layer(over_image)
        # Attendees share a handful of ticket types: look each spelling up once per job.
        self.ticket_layers: dict[str, cairocffi.RecordingSurface] = {}
        self.colored_tints: dict[tuple[float, float, float, float], cairocffi.RecordingSurface] = {}
        # Modules per side of the last badge's QR code; None when it had none.
        self.qr_modules: int | None = None
        # Why the last badge shows the photo placeholder; None when it shows its photo (or has none).
        self.photo_finding: Finding | None = None

    def _matrices(self, x: float, y: float) -> tuple[cairocffi.Matrix, list[cairocffi.Matrix]]:
        """The badge's matrix at (x, y) and each field's on top of it, computed once per slot."""
        matrices = self.slot_matrices.get((x, y))
        if matrices is None:
            base = self.ctx.get_matrix()
            matrices = (base, [cairocffi.Matrix(*spec.matrix).multiply(base) for spec, _ in self.fields])
            self.slot_matrices[(x, y)] = matrices
        return matrices

    def stamp(self, row: Mapping[str, str], x: float, y: float) -> tuple[tuple[str, PlacedText], ...]:
        """Draw one badge with its top-left corner at (x, y) on the current page.

        Through cairo's C API where it is called per badge: cairocffi's status check after each
        call cost more than the calls themselves, a dozen or more per badge."""
        template = self.plan.template
        values = self.plan.values(row)
        cr = self.cr
        _cairo.cairo_save(cr)
        _cairo.cairo_translate(cr, x, y)
        bleed = self.bleed
        width, height = template.width + 2 * bleed, template.height + 2 * bleed
        _cairo.cairo_rectangle(cr, -bleed, -bleed, width, height)
        _cairo.cairo_clip(cr)
        if self.plan.background is not None:
            paint_image(self.ctx, self.plan.background, -bleed, -bleed, width, height)
        _cairo.cairo_set_source_surface(cr, self.static._pointer, 0.0, 0.0)
        _cairo.cairo_paint(cr)
        if self.tint is not None:
            self._paint_tint(row)
        if self.plan.photos is not None:
            self.photo_finding = self.plan.photos.draw(self.ctx, row)
        base, field_matrices = self._matrices(x, y)
        placed = []
        for (spec, style), matrix, whole, prepared in zip(
            self.fields, field_matrices, self.whole_field, self.prepared, strict=True
        ):
            _cairo.cairo_set_matrix(cr, matrix._pointer)
            text = values.get(whole, "") if whole is not None else substitute(spec.template, values)
            ready = prepared.get(text)
            if ready is None:
                ready = self.text.prepare(text, style, spec.fit)
                if len(prepared) >= _PREPARED_PER_FIELD:
                    prepared.clear()  # memory stays flat; repeated texts come back at once
                prepared[text] = ready
            self.text.show(ready, spec.x, spec.y)
            placed.append((spec.placeholders[0], ready.placed))
        _cairo.cairo_set_matrix(cr, base._pointer)
        self.qr_modules = self._draw_qr(values, row)
        _cairo.cairo_restore(cr)
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
            layer = cairocffi.RecordingSurface(cairocffi.CONTENT_COLOR_ALPHA, template.extents)
            ctx = cairocffi.Context(layer)
            # The marked shapes' coverage (antialiasing, opacity) as a mask, filled with one colour.
            ctx.set_source_rgba(*color)
            ctx.mask_surface(self.tint, 0, 0)
            self.colored_tints[color] = layer
        return layer

    def _draw_qr(self, values: Mapping[str, str], row: Mapping[str, str]) -> int | None:
        box, spec = self.plan.template.qr, self.plan.qr
        if box is None or spec is None:
            return None
        if spec.kind == "vcard":
            # The card's e-mail is the qr field's column; name and organisation are the template's
            # fields or, where the template prints no such field, the list's columns of that name.
            data = vcard(
                self._value("name", values, row),
                self._value("organization", values, row),
                self._value(spec.field, values, row),
            )
        else:
            data = self._value(spec.field, {}, row)
        if not data:
            return None
        self.ctx.save()
        self.ctx.transform(cairocffi.Matrix(*box.matrix))
        min_module = MIN_MODULE_MM / MM_PER_POINT / _points_per_unit(box.matrix)
        modules = draw_qr(self.ctx, data, box.x, box.y, box.size, min_module=min_module)
        self.ctx.restore()
        return modules

    def _value(self, name: str, values: Mapping[str, str], row: Mapping[str, str]) -> str:
        """A template field's value, else the attendee's column of that name (through the mapping)."""
        if name in values:
            return values[name]
        return clean_text(row.get(self.plan.columns.get(name, name), ""))


def _points_per_unit(matrix: tuple[float, ...]) -> float:
    """How many points one unit of a field's own coordinates is, on average over both axes."""
    xx, yx, xy, yy = matrix[:4]
    return math.sqrt(abs(xx * yy - xy * yx)) or 1.0


def _style_for(spec: Field, overrides: Mapping[str, FieldOverride]) -> TextStyle:
    override = next((overrides[name] for name in spec.placeholders if name in overrides), None)
    if override is None:
        return spec.style
    # The field draws in the template's units; a size in points is divided by the units' scale.
    points_per_unit = _points_per_unit(spec.matrix)
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
    row_numbers: Sequence[int] | None = None,
    first_page: int = 1,
    processes: int | None = 1,
    trim_line: bool = False,
) -> RenderResult:
    """Write every badge into one PDF; fonts and images are embedded once for the whole file.

    A page that is one badge with a bleed carries a TrimBox (the badge) and a BleedBox (the page;
    api/render/boxes.py). `trim_line` (previews) draws each badge's trim on it.

    What happened to each badge (the proof report) is collected on the way: badges are named by
    `row_numbers`, the organiser's numbering of `rows` (1..N when None), with page and slot, pages
    counted from `first_page`. With `processes` other than 1 (None: every usable CPU) a long list
    written to a path is rendered in parts side by side (api/render/parallel.py); fonts are then
    embedded once per part.
    """
    if processes != 1 and isinstance(output, str) and isinstance(rows, Sequence):
        from api.render.parallel import process_count, render_pdf_in_parts

        count = process_count(processes, len(rows))
        if count > 1:
            return render_pdf_in_parts(
                plan, rows, output, processes=count, on_badge=on_badge, row_numbers=row_numbers
            )
    sheet = plan.sheet
    with page_boxes_added(output, sheet.trim_inset) as target:
        return _render_pdf(plan, rows, target, on_badge, row_numbers, first_page, trim_line)


def _render_pdf(
    plan: BadgePlan,
    rows: Iterable[Mapping[str, str]],
    output: BinaryIO | str,
    on_badge: Callable[[int], None] | None,
    row_numbers: Sequence[int] | None,
    first_page: int,
    trim_line: bool,
) -> RenderResult:
    sheet = plan.sheet
    surface = cairocffi.PDFSurface(output, sheet.page_width, sheet.page_height)
    surface.set_metadata(cairocffi.PDF_METADATA_CREATOR, "Badge service")
    ctx = cairocffi.Context(surface)
    stamper = BadgeStamper(ctx, plan)
    checker = BadgeChecker(stamper)
    slots = sheet.slots()
    result = RenderResult(job_findings=job_findings(plan))
    if plan.imposition is not None:
        from api.render.duplex import stamp_two_sided

        stamp_two_sided(
            ctx,
            plan,
            rows,
            result,
            on_badge=on_badge,
            row_numbers=row_numbers,
            first_page=first_page,
            trim_line=trim_line,
        )
        surface.finish()
        return result
    for index, row in enumerate(rows):
        slot = index % len(slots)
        if slot == 0 and index:
            _finish_page(ctx, sheet)
            result.pages += 1
        placed = stamper.stamp(row, *slots[slot])
        if trim_line:
            draw_trim_line(ctx, *slots[slot], sheet.badge_width, sheet.badge_height, stamper.bleed)
        findings = checker.findings(placed, stamper.qr_modules)
        if findings:
            row_number = row_numbers[index] if row_numbers is not None else index + 1
            result.tally.add(BadgeFindings(row_number, first_page + result.pages, slot + 1, findings))
        result.badges += 1
        if on_badge is not None:
            on_badge(index)
    if result.badges:
        _finish_page(ctx, sheet)
        result.pages += 1
    surface.finish()
    return result


def badge_index(badge: BadgeFindings, sheet: SheetLayout, pages_per_sheet: int = 1) -> int:
    """The badge's position in the rows rendered (0-based), from its (front) page and slot."""
    return (badge.page - 1) // pages_per_sheet * sheet.badges_per_page + badge.slot - 1


def job_findings(plan: BadgePlan) -> tuple[Finding, ...]:
    """Findings that hold for every badge of a job alike: said once, not on each badge."""
    image, template = plan.background, plan.template
    found: tuple[Finding, ...] = ()
    photos = plan.photo_set
    if photos is not None and photos.archive is None:
        message = (
            "the template has a photo box and the job brings no photos: every badge shows the placeholder"
        )
        found = (Finding("photo_missing", message, field="photo"),)
    if image is None:
        return found
    dpi = printed_dpi(image, template.width, template.height)
    if dpi >= MIN_PRINT_DPI:
        return found
    message = (
        f"the background image ({image.width} x {image.height} pixels) prints at {dpi:.0f} dpi,"
        f" below {MIN_PRINT_DPI} dpi: it will look soft or pixelated"
    )
    return (*found, Finding("image_upscaled", message, field="background"))


# A size at least this much below the template's is reported as shrunk; less is rounding.
SHRUNK_RATIO = 0.995
_FINDINGS_CACHE_MAX = 4096
_CHARACTERS_SHOWN = 40


class BadgeChecker:
    """Turns what a stamp placed into findings. Costs next to nothing per badge: no layout is made
    (except to name missing characters, which is rare), and the findings of a field's outcome are
    computed once and shared, as the event name's are on every badge."""

    def __init__(self, stamper: BadgeStamper) -> None:
        self.stamper = stamper
        plan = stamper.plan
        # Per field, in stamp order: its style as drawn and how many points one of its units is.
        self.fields = [(style, _points_per_unit(spec.matrix)) for spec, style in stamper.fields]
        box = plan.template.qr
        self.qr_points = box.size * _points_per_unit(box.matrix) if box is not None else 0.0
        self.cache: dict[tuple[int, str, PlacedText], tuple[Finding, ...]] = {}
        self.missing: dict[tuple[str, int, bool, str], bool] = {}

    def findings(
        self, placed: Sequence[tuple[str, PlacedText]], qr_modules: int | None
    ) -> tuple[Finding, ...]:
        found: list[Finding] = []
        for position, (name, text) in enumerate(placed):
            found.extend(self._field_findings(position, name, text))
        if qr_modules is not None:
            found.extend(self._qr_findings(qr_modules))
        if self.stamper.photo_finding is not None:
            found.append(self.stamper.photo_finding)
        return tuple(found)

    def _field_findings(self, position: int, name: str, placed: PlacedText) -> tuple[Finding, ...]:
        style, points = self.fields[position]
        if (
            placed.lines == 1
            and placed.size >= style.size * SHRUNK_RATIO
            and not (placed.ellipsized or placed.unknown_glyphs or placed.fallback_fonts)
        ):
            return ()  # fitted as is: most fields of most badges, decided without a lookup
        key = (position, name, placed)
        cached = self.cache.get(key)
        if cached is None:
            cached = tuple(self._text_findings(name, placed, style, points))
            if len(self.cache) >= _FINDINGS_CACHE_MAX:
                # Start afresh: memory stays flat, and repeated texts (the event name) come back at
                # once. Deleting the oldest key instead makes each next(iter()) walk past the slots
                # of every key deleted before it.
                self.cache.clear()
            self.cache[key] = cached
        return cached

    def _text_findings(
        self, name: str, placed: PlacedText, style: TextStyle, points: float
    ) -> Iterator[Finding]:
        size_pt = round(placed.size * points, 1)
        nominal_pt = style.size * points
        if placed.size < style.size * SHRUNK_RATIO:
            message = f"shrunk to {size_pt:g} pt (from {nominal_pt:.3g} pt) to fit"
            yield Finding("shrunk", message, field=name, size_pt=size_pt)
        if placed.lines > 1:
            message = f"wrapped to {placed.lines} lines at {size_pt:g} pt"
            yield Finding("wrapped", message, field=name, size_pt=size_pt, lines=placed.lines)
        if placed.ellipsized:
            message = f"shortened with an ellipsis: too long for its box even at {size_pt:g} pt"
            yield Finding("ellipsized", message, field=name, size_pt=size_pt, lines=placed.lines)
        for characters, font in placed.fallback_fonts:
            # Emoji come from the colour emoji font whatever the template names (no text font has
            # them): that is the intended path, and reporting it would flag every emoji name.
            if "emoji" not in font.casefold():
                shown = characters[:_CHARACTERS_SHOWN]
                message = f"“{shown}” drawn from {font}, not the template's font"
                yield Finding("fallback_font", message, field=name, characters=shown, font=font)
        if placed.unknown_glyphs:
            yield self._missing_finding(name, placed, style)

    def _missing_finding(self, name: str, placed: PlacedText, style: TextStyle) -> Finding:
        found = "".join(char for char in dict.fromkeys(placed.text) if self._has_no_glyph(char, style))
        characters = found[:_CHARACTERS_SHOWN] or None
        # Code points only: the characters themselves would print as boxes in any report too.
        what = _code_points(characters) if characters else f"{placed.unknown_glyphs} character(s)"
        message = f"{what} in no installed font: printed as empty boxes"
        return Finding("missing_glyphs", message, field=name, characters=characters)

    def _has_no_glyph(self, char: str, style: TextStyle) -> bool:
        """Whether Pango draws `char` alone as an unknown glyph in `style`'s fonts. One small layout
        per distinct character and style, only for texts that had unknown glyphs at all."""
        if char.isspace() or unicodedata.category(char) in ("Cf", "Mn", "Me"):
            return False  # joiners, marks and selectors are drawn with their neighbours
        key = (style.family, style.weight, style.italic, char)
        missing = self.missing.get(key)
        if missing is None:
            layout = self.stamper.text.layout(char, style, style.size)
            missing = pango.pango.pango_layout_get_unknown_glyphs_count(layout.pointer) > 0
            self.missing[key] = missing
        return missing

    def _qr_findings(self, modules: int) -> tuple[Finding, ...]:
        module_mm = module_size(self.qr_points, modules) * MM_PER_POINT
        if module_mm >= MIN_MODULE_MM:
            return ()
        message = (
            # Rounded down: 0.328 mm must not read as "0.33 mm, under 0.33 mm".
            f"too dense to scan: modules of {math.floor(module_mm * 100) / 100:.2f} mm"
            f" ({modules} x {modules}), under"
            f" {MIN_MODULE_MM} mm; shorten its data or enlarge it"
        )
        return (Finding("qr_too_dense", message, field="qr"),)


def _code_points(characters: str) -> str:
    return " ".join(f"U+{ord(char):04X}" for char in characters)


def _finish_page(ctx: cairocffi.Context, sheet: SheetLayout) -> None:
    if sheet.crop_marks:
        draw_crop_marks(ctx, sheet)
    ctx.show_page()


def render_png(
    plan: BadgePlan, row: Mapping[str, str], *, dpi: float = 150, bleed: float = 0.0, trim_line: bool = False
) -> bytes:
    """One badge as a PNG at `dpi`, white behind transparent parts, for previews."""
    return render_png_checked(plan, row, dpi=dpi, bleed=bleed, trim_line=trim_line)[0]


def png_size(template: CompiledTemplate, dpi: float, *, bleed: float = 0.0) -> tuple[int, int]:
    """The pixels of a badge's PNG: the trimmed badge and `bleed` points of its bleed all round."""
    scale, extra = dpi / 72, 2 * min(bleed, template.bleed)
    return (
        max(1, round((template.width + extra) * scale)),
        max(1, round((template.height + extra) * scale)),
    )


def render_png_checked(
    plan: BadgePlan,
    row: Mapping[str, str],
    *,
    dpi: float = 150,
    row_number: int = 1,
    bleed: float = 0.0,
    trim_line: bool = False,
) -> tuple[bytes, BadgeFindings]:
    """render_png, with the badge's findings (the job-wide ones included: this badge is the job).

    The trimmed badge and `bleed` points of its bleed all round (at most the template's: what
    its sheet prints, for a preview); `trim_line` marks where it is cut."""
    template = plan.template
    scale = dpi / 72
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_RGB24, *png_size(template, dpi, bleed=bleed))
    ctx = cairocffi.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    ctx.scale(scale, scale)
    stamper = BadgeStamper(ctx, plan, bleed=bleed)
    corner = stamper.bleed
    placed = stamper.stamp(row, corner, corner)
    if trim_line:
        draw_trim_line(ctx, corner, corner, template.width, template.height, stamper.bleed)
    findings = BadgeChecker(stamper).findings(placed, stamper.qr_modules) + job_findings(plan)
    return encode_png(surface), BadgeFindings(row_number, 1, 1, findings)


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
