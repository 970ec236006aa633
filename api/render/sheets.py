"""Badge sizes and the sheets they are printed on, in PostScript points (y grows downwards, as in cairo).

A sheet is one badge per page (the page is the badge: badge printers), a grid of badges centred
on A4, Letter or A3 paper, with margins, gaps and crop marks, or a maker's sheet of pre-cut labels
(api/render/labels.py), each badge centred in its label. The `sheet` job option picks one by
preset name or describes one as an object; `resolve_sheet` turns either into a `SheetLayout`.

A template with a bleed (data-bleed) is drawn past its trim: one per page, the page is the badge
and its bleed all round (the PDF's TrimBox marks the badge: api/render/boxes.py); on a grid each
badge keeps at most half the gap and the margin of bleed, so neighbours never overlap, and crop
marks start beyond the bleed; on pre-cut labels nothing is drawn past the template's edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cairocffi

from api.render.errors import RenderInputError
from api.render.labels import LABEL_SHEETS, LabelSheet
from api.render.options import CustomSheet, Sheet

MM = 72 / 25.4
INCH = 72.0

DEFAULT_MARGIN = 10 * MM
DEFAULT_GAP = 5 * MM
MAX_GRID_SIDE = 20

CROP_MARK_LENGTH = 4 * MM
CROP_MARK_MIN_LENGTH = 2 * MM
CROP_MARK_OFFSET = 1 * MM
CROP_MARK_LINE_WIDTH = 0.25

# Two A6 badges are exactly as wide as A4; rounding in points must not make them "not fit".
_TOLERANCE = 1e-6

_Segment = tuple[float, float, float, float]


@dataclass(frozen=True)
class BadgeSize:
    """A badge's trimmed size, and how far its artwork may run past the trim (points)."""

    name: str
    width: float
    height: float
    bleed: float = 0.0


BADGE_SIZES: dict[str, BadgeSize] = {
    "a6": BadgeSize("a6", 105 * MM, 148 * MM),
    "4x3in": BadgeSize("4x3in", 4 * INCH, 3 * INCH),
    "cr80": BadgeSize("cr80", 85.6 * MM, 54 * MM),
}

PAGE_SIZES: dict[str, tuple[float, float]] = {
    "a4": (210 * MM, 297 * MM),
    "letter": (8.5 * INCH, 11 * INCH),
    "a3": (297 * MM, 420 * MM),
}
_PAGE_LABELS = {"a4": "A4", "letter": "Letter", "a3": "A3"}

GRID_PRESETS: dict[str, tuple[str, int, int]] = {
    "a4-2x2": ("a4", 2, 2),
    "a4-2x4": ("a4", 2, 4),
    "a4-3x3": ("a4", 3, 3),
    "letter-2x3": ("letter", 2, 3),
    "letter-2x4": ("letter", 2, 4),
    "a3-3x3": ("a3", 3, 3),
}
AUTO_PRESETS: dict[str, str] = {"auto-a4": "a4", "auto-letter": "letter", "auto-a3": "a3"}
SHEET_PRESETS: tuple[str, ...] = ("one-per-page", *GRID_PRESETS, *AUTO_PRESETS, *LABEL_SHEETS)


@dataclass(frozen=True)
class SheetLayout:
    """Where badges go on a page: a grid of equal badges with `gap` between them, centred on the page,
    or on a label sheet (`label`) each badge centred in its pre-cut label."""

    page_width: float
    page_height: float
    columns: int
    rows: int
    margin: float
    gap: float
    crop_marks: bool
    badge_width: float
    badge_height: float
    label: LabelSheet | None = None
    # The artwork drawn past each badge's trim, on every side (points): the template's bleed, or
    # less where the sheet has no room for it.
    bleed: float = 0.0
    # A page that is one badge: its trim lies this far inside the page on every side (the page's
    # TrimBox). 0 on sheets, which are cut at their crop marks, not at a page box.
    trim_inset: float = 0.0

    @property
    def badges_per_page(self) -> int:
        """How many badges one page holds."""
        return self.columns * self.rows

    @property
    def grid_width(self) -> float:
        """Width of the badges and the gaps between them."""
        return self.columns * self.badge_width + (self.columns - 1) * self.gap

    @property
    def grid_height(self) -> float:
        """Height of the badges and the gaps between them."""
        return self.rows * self.badge_height + (self.rows - 1) * self.gap

    def slots(self) -> list[tuple[float, float]]:
        """Top-left corner of each badge, row by row."""
        if self.label is not None:
            inset_x = (self.label.label_width - self.badge_width) / 2
            inset_y = (self.label.label_height - self.badge_height) / 2
            return [(x + inset_x, y + inset_y) for x, y in self.label.label_corners()]
        left = (self.page_width - self.grid_width) / 2
        top = (self.page_height - self.grid_height) / 2
        return [
            (left + column * (self.badge_width + self.gap), top + row * (self.badge_height + self.gap))
            for row in range(self.rows)
            for column in range(self.columns)
        ]


def resolve_badge_size(name: str) -> BadgeSize:
    """The badge size preset called `name` ("a6", "4x3in", "cr80")."""
    try:
        return BADGE_SIZES[name]
    except (KeyError, TypeError):
        known = ", ".join(BADGE_SIZES)
        raise RenderInputError(f"unknown badge size {name!r}; use one of {known}", location="badge") from None


def resolve_sheet(spec: Sheet, badge: BadgeSize) -> SheetLayout:
    """The layout for the `sheet` option: a preset name or a custom sheet, checked against the badge size.

    Grid presets ("a4-2x2", ...) use the page in portrait, or in landscape when that leaves more
    room, with 10 mm margins and 5 mm gaps, shrunk evenly (down to none, as on pre-perforated card)
    when the grid needs the room. Label presets ("avery-5392", ...) put each badge at the centre of
    a pre-cut label where the maker's template has it, with no crop marks; a badge larger than the
    label is refused. "auto-*" presets keep those margins and gaps and put as many
    badges on the page as fit, in portrait or landscape. A custom sheet is taken literally: its
    orientation, margins and gaps.
    """
    if isinstance(spec, CustomSheet):
        return _custom_sheet(spec, badge)
    if spec == "one-per-page":
        # The page is the badge and its bleed; no crop marks: the TrimBox says where to cut.
        bleed = badge.bleed
        return SheetLayout(
            badge.width + 2 * bleed,
            badge.height + 2 * bleed,
            1,
            1,
            bleed,
            0.0,
            False,
            badge.width,
            badge.height,
            bleed=bleed,
            trim_inset=bleed,
        )
    if spec in GRID_PRESETS:
        layout = _grid_preset(spec, badge)
    elif spec in LABEL_SHEETS:
        # Pre-cut labels: ink past the label would land on the backing or the next label.
        return _label_sheet(LABEL_SHEETS[spec], badge)
    else:
        # The options' schema and the CLI accept preset names only: anything else is a caller's bug.
        layout = _auto_preset(AUTO_PRESETS[spec], badge)
    return with_bleed(layout, badge.bleed)


def with_bleed(layout: SheetLayout, bleed: float) -> SheetLayout:
    """The grid drawing each badge with `bleed`, shrunk to what the sheet has room for: half the
    gap between neighbours (their bleeds meet, never overlap) and the margin (paper's edge)."""
    room = layout.margin
    if layout.columns > 1 or layout.rows > 1:
        room = min(room, layout.gap / 2)
    return replace(layout, bleed=max(0.0, min(bleed, room)))


def bleed_note(layout: SheetLayout, bleed: float) -> str | None:
    """What became of a template's bleed of `bleed` points on this sheet, for the build log and the
    CLI; None when the template has none."""
    if bleed <= 0:
        return None
    asked = _mm(bleed)
    if layout.trim_inset:
        return f"Bleed: {asked} mm past the trim on every side; each page's TrimBox is the badge."
    if layout.bleed >= bleed - _TOLERANCE:
        return f"Bleed: {asked} mm past each badge's trim; the crop marks start 1 mm beyond it."
    if layout.label is not None:
        return f"Bleed: the template's {asked} mm is not printed: the labels are pre-cut."
    if layout.bleed <= 0:
        return f"Bleed: the template's {asked} mm is not printed: the sheet has no room between badges."
    room = "half the gap between badges, so that neighbours do not overlap"
    if layout.bleed < layout.gap / 2 - _TOLERANCE or layout.badges_per_page == 1:
        room = "the sheet's margin"
    return (
        f"Bleed: the template's {asked} mm printed as {_mm(layout.bleed)} mm, {room};"
        f" the crop marks start 1 mm beyond it."
    )


def max_spacing_mm(page: str) -> float:
    """The widest margin or gap a custom sheet on `page` may have: a quarter of the page."""
    return min(PAGE_SIZES[page]) / 4 / MM


def _page_size(page: str, landscape: bool) -> tuple[float, float]:
    width, height = PAGE_SIZES[page]
    return (height, width) if landscape else (width, height)


def _fit_count(length: float, badge: float, margin: float, gap: float) -> int:
    """How many badges fit side by side along `length` of paper."""
    count = math.floor((length - 2 * margin + gap + _TOLERANCE) / (badge + gap))
    return max(0, min(MAX_GRID_SIDE, count))


def _spacing_scale(page: tuple[float, float], columns: int, rows: int, badge: BadgeSize) -> float:
    """The share of the default margins and gaps the grid leaves room for (negative: no fit)."""
    scales = []
    for length, count, size in ((page[0], columns, badge.width), (page[1], rows, badge.height)):
        spare = length - count * size
        spare = 0.0 if -_TOLERANCE < spare < 0 else spare
        scales.append(spare / (2 * DEFAULT_MARGIN + (count - 1) * DEFAULT_GAP))
    return min(1.0, *scales)


def _grid_preset(name: str, badge: BadgeSize) -> SheetLayout:
    page, columns, rows = GRID_PRESETS[name]
    # max() keeps the first of equals, so the page stays portrait unless landscape leaves more room.
    scale, landscape = max(
        (
            (_spacing_scale(_page_size(page, is_landscape), columns, rows, badge), is_landscape)
            for is_landscape in (False, True)
        ),
        key=lambda option: option[0],
    )
    if scale < 0:
        raise _preset_does_not_fit(name, badge)
    width, height = _page_size(page, landscape)
    margin, gap = DEFAULT_MARGIN * scale, DEFAULT_GAP * scale
    return SheetLayout(width, height, columns, rows, margin, gap, True, badge.width, badge.height)


def _auto_preset(page: str, badge: BadgeSize) -> SheetLayout:
    options = []
    for landscape in (False, True):
        width, height = _page_size(page, landscape)
        columns = _fit_count(width, badge.width, DEFAULT_MARGIN, DEFAULT_GAP)
        rows = _fit_count(height, badge.height, DEFAULT_MARGIN, DEFAULT_GAP)
        options.append((columns * rows, width, height, columns, rows))
    count, width, height, columns, rows = max(options, key=lambda option: option[0])
    if count == 0:
        raise RenderInputError(
            f"a {_mm(badge.width)} x {_mm(badge.height)} mm badge does not fit on {_PAGE_LABELS[page]} "
            f"with {_mm(DEFAULT_MARGIN)} mm margins, portrait or landscape",
            location="sheet",
        )
    margin, gap = DEFAULT_MARGIN, DEFAULT_GAP
    return SheetLayout(width, height, columns, rows, margin, gap, True, badge.width, badge.height)


def _label_sheet(sheet: LabelSheet, badge: BadgeSize) -> SheetLayout:
    if badge.width > sheet.label_width + _TOLERANCE or badge.height > sheet.label_height + _TOLERANCE:
        raise RenderInputError(
            f"a {_mm(badge.width)} x {_mm(badge.height)} mm template is larger than the label of the "
            f"{sheet.name} sheet, {_mm(sheet.label_width)} x {_mm(sheet.label_height)} mm "
            f"({sheet.title}); make the template at most the label's size",
            location="sheet",
        )
    width, height = PAGE_SIZES[sheet.page]
    # Labels are pre-cut: no crop marks. Margin and gap describe only the first label's corner.
    return SheetLayout(
        width, height, sheet.columns, sheet.rows, sheet.left, 0.0, False, badge.width, badge.height, sheet
    )


def _preset_does_not_fit(name: str, badge: BadgeSize) -> RenderInputError:
    page, columns, rows = GRID_PRESETS[name]
    width, height = PAGE_SIZES[page]
    fits = [
        (_fit_count(w, badge.width, 0, 0), _fit_count(h, badge.height, 0, 0), orientation)
        for w, h, orientation in ((width, height, "portrait"), (height, width, "landscape"))
    ]
    most_columns, most_rows, orientation = max(fits, key=lambda fit: fit[0] * fit[1])
    return RenderInputError(
        f"a {_mm(badge.width)} x {_mm(badge.height)} mm badge does not fit the {name} sheet: "
        f"a {columns} x {rows} grid on {_PAGE_LABELS[page]} has cells of at most "
        f"{_mm(width / columns)} x {_mm(height / rows)} mm "
        f"({_mm(height / columns)} x {_mm(width / rows)} mm landscape), even with no margins or gaps; "
        f"at most {most_columns} x {most_rows} fits ({orientation})",
        location="sheet",
    )


def _custom_sheet(spec: CustomSheet, badge: BadgeSize) -> SheetLayout:
    width, height = _page_size(spec.page, spec.landscape)
    margin = DEFAULT_MARGIN if spec.margin_mm is None else spec.margin_mm * MM
    gap = DEFAULT_GAP if spec.gap_mm is None else spec.gap_mm * MM
    most_columns = _fit_count(width, badge.width, margin, gap)
    most_rows = _fit_count(height, badge.height, margin, gap)
    columns = spec.columns or max(most_columns, 1)
    rows = spec.rows or max(most_rows, 1)
    layout = SheetLayout(
        width, height, columns, rows, margin, gap, spec.crop_marks, badge.width, badge.height
    )
    if columns > most_columns or rows > most_rows:
        label = _PAGE_LABELS[spec.page] + (" landscape" if spec.landscape else "")
        raise _grid_does_not_fit(layout, label, most_columns, most_rows)
    return with_bleed(layout, badge.bleed)


def _grid_does_not_fit(layout: SheetLayout, page: str, most_columns: int, most_rows: int) -> RenderInputError:
    cell_width = (layout.page_width - 2 * layout.margin - (layout.columns - 1) * layout.gap) / layout.columns
    cell_height = (layout.page_height - 2 * layout.margin - (layout.rows - 1) * layout.gap) / layout.rows
    cell = f"{_mm(max(cell_width, 0))} x {_mm(max(cell_height, 0))} mm"
    fits = f"at most {most_columns} x {most_rows} fits" if most_columns and most_rows else "not even one fits"
    return RenderInputError(
        f"a {_mm(layout.badge_width)} x {_mm(layout.badge_height)} mm badge does not fit a "
        f"{layout.columns} x {layout.rows} grid on {page} with {_mm(layout.margin)} mm margins and "
        f"{_mm(layout.gap)} mm gaps (each cell is {cell}): "
        f"{fits}",
        location="sheet",
    )


def _mm(points: float) -> str:
    """Points as millimetres for messages: "105", "85.6"."""
    return f"{points / MM:.1f}".removesuffix(".0")


TRIM_LINE_WIDTH = 0.5  # points
_BLEED_VEIL = 0.45  # how much white covers the bleed in a preview that shows the trim line


def draw_trim_line(
    ctx: cairocffi.Context, x: float, y: float, width: float, height: float, bleed: float
) -> None:
    """For previews: the bleed veiled in white (it is cut off) and a dashed black-on-white line on
    the trim, visible on any artwork."""
    ctx.save()
    if bleed > 0:
        ctx.rectangle(x - bleed, y - bleed, width + 2 * bleed, height + 2 * bleed)
        ctx.rectangle(x, y, width, height)
        ctx.set_fill_rule(cairocffi.FILL_RULE_EVEN_ODD)
        ctx.set_source_rgba(1, 1, 1, _BLEED_VEIL)
        ctx.fill()
    ctx.rectangle(x, y, width, height)
    ctx.set_line_width(TRIM_LINE_WIDTH * 2)
    ctx.set_source_rgb(1, 1, 1)
    ctx.stroke_preserve()
    ctx.set_line_width(TRIM_LINE_WIDTH)
    ctx.set_dash([2 * MM, 1 * MM])
    ctx.set_source_rgb(0, 0, 0)
    ctx.stroke()
    ctx.restore()


def draw_crop_marks(ctx: cairocffi.Context, layout: SheetLayout) -> None:
    """Stroke thin black marks at every badge corner, in the margins and gaps, as one path.

    Each mark carries a badge edge outwards, starting 1 mm beyond the badge's bleed (1 mm from the
    corner without one), 4 mm long or shorter so that it stays as clear of the next badge's bleed
    and of the paper's edge; marks under 2 mm are left out. A sheet without margins or gaps
    (one-per-page, A6 four-up on A4) therefore gets none: the paper edges are the cuts.
    """
    if not layout.crop_marks:
        return
    segments = sorted(_crop_mark_segments(layout))
    if not segments:
        return
    ctx.save()
    ctx.new_path()
    for x0, y0, x1, y1 in segments:
        ctx.move_to(x0, y0)
        ctx.line_to(x1, y1)
    ctx.set_source_rgb(0, 0, 0)
    ctx.set_line_width(CROP_MARK_LINE_WIDTH)
    ctx.set_line_cap(cairocffi.LINE_CAP_BUTT)
    ctx.stroke()
    ctx.restore()


def _crop_mark_segments(layout: SheetLayout) -> set[_Segment]:
    """Every badge's marks; neighbours share their marks in a gap, so the set keeps one of each."""
    segments: set[_Segment] = set()
    last_column, last_row = layout.columns - 1, layout.rows - 1
    near = mark_offset(layout)
    in_margin = near + CROP_MARK_OFFSET  # from the badge's bleed to 1 mm short of the paper's edge
    in_gap = 2 * near  # clear of both neighbours' bleeds
    for index, (x, y) in enumerate(layout.slots()):
        row, column = divmod(index, layout.columns)
        right, bottom = x + layout.badge_width, y + layout.badge_height
        lengths = (
            _mark_length(x - in_margin if column == 0 else layout.gap - in_gap),
            _mark_length(y - in_margin if row == 0 else layout.gap - in_gap),
            _mark_length(
                layout.page_width - right - in_margin if column == last_column else layout.gap - in_gap
            ),
            _mark_length(layout.page_height - bottom - in_margin if row == last_row else layout.gap - in_gap),
        )
        segments.update(_badge_marks(x, y, right, bottom, lengths, near))
    return segments


def mark_offset(layout: SheetLayout) -> float:
    """How far from a badge's trim its crop marks start: 1 mm beyond the bleed drawn around it."""
    return layout.bleed + CROP_MARK_OFFSET


def _mark_length(room: float) -> float:
    """How long a mark can be in `room` points of paper left clear beside a badge."""
    length = min(CROP_MARK_LENGTH, room)
    return length if length >= CROP_MARK_MIN_LENGTH else 0.0


def _badge_marks(
    left: float,
    top: float,
    right: float,
    bottom: float,
    lengths: tuple[float, float, float, float],
    near: float,
) -> list[_Segment]:
    """The eight marks around one badge, starting `near` points from its trim; `lengths` are for
    the left, top, right and bottom sides."""
    to_left, to_top, to_right, to_bottom = lengths
    marks: list[_Segment] = []
    for y in (top, bottom):
        if to_left:
            marks.append((left - near - to_left, y, left - near, y))
        if to_right:
            marks.append((right + near, y, right + near + to_right, y))
    for x in (left, right):
        if to_top:
            marks.append((x, top - near - to_top, x, top - near))
        if to_bottom:
            marks.append((x, bottom + near, x, bottom + near + to_bottom))
    # Rounded to a thousandth of a point so the two copies of a shared mark compare equal.
    return [(round(x0, 3), round(y0, 3), round(x1, 3), round(y1, 3)) for x0, y0, x1, y1 in marks]
