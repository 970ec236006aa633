"""Double-sided badges: where each badge's back goes (options `sides: both` and `duplex`).

Coordinates are cairo's: points, y downwards from the page's top-left corner.

`long-edge` and `short-edge` print each sheet as a front page then a back page, for a printer
set to the same duplex mode. The printer turns the paper over about an axis parallel to the edge
it names: `long-edge` about the axis parallel to the paper's long edge (on a portrait page the
vertical axis, x -> page_width - x; on a landscape page the horizontal one), `short-edge` about the
other (portrait: y -> page_height - y). A point drawn at p on the front page is therefore behind
flip(p) on the back page, and each back is placed where the flip takes its front's slot. A label
sheet's labels need not sit symmetrically on the page: the flip still finds each one.

Which way up each back is drawn: a badge is cut out and hangs on a lanyard, and when it turns, it
turns about its own vertical axis. Seen from behind after such a turn, a point (u, v) of the
front (badge coordinates) lies behind (width - u, v) of the back. A flip about the page's vertical
axis is that same turn, so the back is drawn upright. A flip about the page's horizontal axis
turns the badge about its horizontal axis instead, (u, v) -> (u, height - v): drawn upright, the
back would read upside down once the badge turns on its lanyard, so it is turned 180 degrees in
its slot (a 180-degree turn composed with the horizontal flip is the vertical one).

`fold` prints one side of paper: each slot is the badge's width and twice its height, the front
in the lower half and the back in the upper half turned 180 degrees, to be folded backwards along
the badge's top edge (the middle of the slot). Folded, the upper half lies behind the front,
mirrored top to bottom; turned about its vertical axis it is mirrored left to right as well, and
the two mirrorings undo the 180-degree turn: both faces read upright. Crop marks follow the outer
cut (the doubled slot); the fold line is marked by short dashed lines in the margins beside each
slot, outside the artwork (none on a one-per-page sheet, whose page edges are the cuts).

One-per-page sheets work the same way: the page is the badge (or the doubled badge for fold).

A template with a bleed (data-bleed; both sides have the same one) keeps it on both sides, as the
sheet allows it for one side (api/render/sheets.py): all of it one per page, where a back page is
the same size as its front and carries the same TrimBox and BleedBox; at most half the gap and
the margin on grids, where crop marks (and fold marks) start 1 mm beyond it, front and back
alike. With `fold` the printed unit is the doubled badge: the bleed runs past its outer cut (the
sheet is resolved for a badge twice the height, so one per page the TrimBox is the unfolded badge)
and never over the fold line. The fold is not a cut: a side's bleed drawn past it would be
printed on the other side's face, so each side is clipped at the fold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import cairocffi

from api.render.errors import RenderInputError
from api.render.findings import BadgeFindings, Finding
from api.render.sheets import (
    CROP_MARK_LINE_WIDTH,
    CROP_MARK_OFFSET,
    BadgeSize,
    SheetLayout,
    bleed_note,
    draw_crop_marks,
    draw_trim_line,
    mark_offset,
    resolve_sheet,
)

if TYPE_CHECKING:
    from api.render.document import BadgePlan, RenderResult
    from api.render.options import Sheet
    from api.render.template import CompiledTemplate

DUPLEX_MODES = ("long-edge", "short-edge", "fold")
FOLD_MARK_LENGTH = 4 * 72 / 25.4
FOLD_MARK_MIN_LENGTH = 2 * 72 / 25.4
FOLD_MARK_DASH = 1 * 72 / 25.4


@dataclass(frozen=True)
class Imposition:
    """Where fronts and backs go on a sheet. `sheet`'s slots hold the whole printed unit: the badge,
    or for `fold` the badge twice its height."""

    mode: str
    sheet: SheetLayout
    badge_width: float
    badge_height: float

    @property
    def pages_per_sheet(self) -> int:
        return 1 if self.mode == "fold" else 2

    @property
    def flips_about_vertical_axis(self) -> bool:
        """Whether the printer turns the paper about the page's vertical axis (else the horizontal)."""
        portrait = self.sheet.page_height >= self.sheet.page_width
        return (self.mode == "long-edge") == portrait

    @property
    def back_turned(self) -> bool:
        """Whether each back is drawn turned 180 degrees (see the module's docstring)."""
        return self.mode == "fold" or not self.flips_about_vertical_axis

    def flip(self, x: float, y: float) -> tuple[float, float]:
        """The point of the back page behind (x, y) of the front page, after the printer's flip."""
        if self.flips_about_vertical_axis:
            return self.sheet.page_width - x, y
        return x, self.sheet.page_height - y

    def front_corners(self) -> list[tuple[float, float]]:
        """Each slot's front: the badge's top-left corner on the (front) page."""
        if self.mode == "fold":
            return [(x, y + self.badge_height) for x, y in self.sheet.slots()]
        return self.sheet.slots()

    def back_boxes(self) -> list[tuple[float, float]]:
        """Each slot's back: the top-left corner of the box it fills, on the back page (fold: on the
        same page), whichever way up it is drawn."""
        if self.mode == "fold":
            return self.sheet.slots()
        corners = []
        for x, y in self.sheet.slots():
            flipped_x, flipped_y = self.flip(x, y)
            corners.append(
                (flipped_x - self.badge_width, flipped_y)
                if self.flips_about_vertical_axis
                else (flipped_x, flipped_y - self.badge_height)
            )
        return corners

    def back_frame(self) -> cairocffi.Matrix:
        """The transformation backs are stamped under: the identity, or half a turn of the page."""
        if not self.back_turned:
            return cairocffi.Matrix()
        return cairocffi.Matrix(-1, 0, 0, -1, self.sheet.page_width, self.sheet.page_height)

    def back_corners(self) -> list[tuple[float, float]]:
        """Each back's top-left corner in back_frame's coordinates: turning the whole page by half a
        turn turns every badge stamped upright in it by half a turn in its own box."""
        if not self.back_turned:
            return self.back_boxes()
        width, height = self.sheet.page_width, self.sheet.page_height
        return [(width - x - self.badge_width, height - y - self.badge_height) for x, y in self.back_boxes()]


def impose(template: CompiledTemplate, sheet_spec: Sheet, mode: str) -> tuple[SheetLayout, Imposition]:
    """The sheet and the imposition for `sides: both`; RenderInputError when the template has no
    back or the sheet cannot hold a folded badge."""
    if template.back is None:
        raise RenderInputError(
            "the template has no back side: give it one (a second SVG in the upload's `back` part, or"
            ' groups marked data-side="front" and data-side="back") or print the front only',
            location="options.sides",
        )
    width, height, bleed = template.width, template.height, template.bleed
    if mode != "fold":
        sheet = resolve_sheet(sheet_spec, BadgeSize("template", width, height, bleed))
        return sheet, Imposition(mode, sheet, width, height)
    try:
        sheet = resolve_sheet(sheet_spec, BadgeSize("template", width, 2 * height, bleed))
    except RenderInputError as error:
        raise RenderInputError(
            "with duplex fold each slot holds the front and the back, a badge twice its height: "
            + error.message,
            location=error.location,
        ) from None
    return sheet, Imposition(mode, sheet, width, height)


def one_per_page(plan: BadgePlan) -> BadgePlan:
    """The plan with one badge (front and back) per page, as one file per attendee has it."""
    imposition = plan.imposition
    template = plan.template
    if imposition is None:
        size = BadgeSize("template", template.width, template.height, template.bleed)
        sheet = resolve_sheet("one-per-page", size)
        return replace(plan, sheet=sheet)
    sheet, single = impose(template, "one-per-page", imposition.mode)
    return replace(plan, sheet=sheet, imposition=single)


def stamp_two_sided(
    ctx: cairocffi.Context,
    plan: BadgePlan,
    rows: Iterable[Mapping[str, str]],
    result: RenderResult,
    *,
    on_badge: Callable[[int], None] | None,
    row_numbers: Sequence[int] | None,
    first_page: int,
    trim_line: bool = False,
) -> None:
    """Draw every badge and its back, a sheet at a time; findings name the front's page and slot.

    Both sides are drawn with the sheet's bleed (the back's stamper clips and extends a background
    as the front's does); `trim_line` (previews) marks each side's trim, for fold the outer cut."""
    from api.render.document import BadgeChecker, BadgeStamper

    imposition = plan.imposition
    template = plan.template
    assert imposition is not None
    assert template.back is not None
    front = BadgeStamper(ctx, plan)
    back = BadgeStamper(ctx, plan.back_side())
    front_checker, back_checker = BadgeChecker(front), BadgeChecker(back)
    fronts, backs = imposition.front_corners(), imposition.back_corners()
    frame = imposition.back_frame()
    per_sheet = len(fronts)
    bleed = front.bleed
    # This sheet's badges, for its back: (row, its number, the front's findings).
    pending: list[tuple[Mapping[str, str], int, tuple[Finding, ...]]] = []

    def draw_backs() -> None:
        front_page = first_page + result.pages
        for slot, (row, row_number, found) in enumerate(pending):
            ctx.save()
            _clip_to_fold_half(ctx, imposition, slot, bleed, front_half=False)
            ctx.transform(frame)
            placed = back.stamp(row, *backs[slot])
            ctx.restore()
            # The back's own texts are checked too (a long name on a large back), said once.
            extra = back_checker.findings(placed, back.qr_modules)
            findings = found + tuple(finding for finding in extra if finding not in found)
            if findings:
                result.tally.add(BadgeFindings(row_number, front_page, slot + 1, findings))

    def draw_trim_lines(boxes: Sequence[tuple[float, float]], width: float, height: float) -> None:
        for x, y in boxes[: len(pending) if trim_line else 0]:
            draw_trim_line(ctx, x, y, width, height, bleed)

    def finish_sheet() -> None:
        sheet = imposition.sheet
        if imposition.mode == "fold":
            draw_backs()
            draw_trim_lines(sheet.slots(), sheet.badge_width, sheet.badge_height)
            _finish(ctx, imposition, back_page=False)
        else:
            draw_trim_lines(fronts, imposition.badge_width, imposition.badge_height)
            _finish(ctx, imposition, back_page=False)
            draw_backs()
            draw_trim_lines(imposition.back_boxes(), imposition.badge_width, imposition.badge_height)
            _finish(ctx, imposition, back_page=True)
        result.pages += imposition.pages_per_sheet
        pending.clear()

    for index, row in enumerate(rows):
        slot = index % per_sheet
        if slot == 0 and index:
            finish_sheet()
        ctx.save()
        _clip_to_fold_half(ctx, imposition, slot, bleed, front_half=True)
        placed = front.stamp(row, *fronts[slot])
        ctx.restore()
        row_number = row_numbers[index] if row_numbers is not None else index + 1
        pending.append((row, row_number, front_checker.findings(placed, front.qr_modules)))
        result.badges += 1
        if on_badge is not None:
            on_badge(index)
    if pending:
        finish_sheet()


def _clip_to_fold_half(
    ctx: cairocffi.Context, imposition: Imposition, slot: int, bleed: float, *, front_half: bool
) -> None:
    """Fold: keep one side's drawing to its half of the slot and the bleed on its three outer
    edges. The fold line is not a cut, so neither side's bleed runs over it onto the other.
    Other modes draw each side in a slot of its own: nothing to clip."""
    if imposition.mode != "fold":
        return
    x, y = imposition.sheet.slots()[slot]
    width, height = imposition.badge_width, imposition.badge_height
    top = y + height if front_half else y - bleed
    ctx.rectangle(x - bleed, top, width + 2 * bleed, height + bleed)
    ctx.clip()


def _finish(ctx: cairocffi.Context, imposition: Imposition, *, back_page: bool) -> None:
    """Marks, then the next page. A back page's crop marks sit behind the front's (the flip of
    them), so they agree with the cuts whichever side is cut from."""
    sheet = imposition.sheet
    if sheet.crop_marks:
        ctx.save()
        if back_page:
            ctx.transform(_flip_matrix(imposition))
        draw_crop_marks(ctx, sheet)
        if imposition.mode == "fold":
            _draw_fold_marks(ctx, imposition)
        ctx.restore()
    ctx.show_page()


def _flip_matrix(imposition: Imposition) -> cairocffi.Matrix:
    sheet = imposition.sheet
    if imposition.flips_about_vertical_axis:
        return cairocffi.Matrix(-1, 0, 0, 1, sheet.page_width, 0)
    return cairocffi.Matrix(1, 0, 0, -1, 0, sheet.page_height)


def fold_mark_segments(imposition: Imposition) -> list[tuple[float, float, float, float]]:
    """Dashed marks carrying each slot's fold line (its middle) into the margin or gap on either
    side, starting 1 mm beyond the slot's bleed as crop marks do, kept as clear of the next slot's
    bleed and of the paper's edge; those under 2 mm are left out."""
    sheet = imposition.sheet
    segments = set()
    near = mark_offset(sheet)
    in_margin = near + CROP_MARK_OFFSET
    in_gap = 2 * near
    for index, (x, y) in enumerate(sheet.slots()):
        column = index % sheet.columns
        fold_y = round(y + imposition.badge_height, 3)
        right = x + sheet.badge_width
        room_left = x - in_margin if column == 0 else sheet.gap - in_gap
        room_right = (
            sheet.page_width - right - in_margin if column == sheet.columns - 1 else sheet.gap - in_gap
        )
        left_length = min(FOLD_MARK_LENGTH, room_left)
        right_length = min(FOLD_MARK_LENGTH, room_right)
        if left_length >= FOLD_MARK_MIN_LENGTH:
            segments.add((round(x - near - left_length, 3), fold_y, round(x - near, 3), fold_y))
        if right_length >= FOLD_MARK_MIN_LENGTH:
            start = right + near
            segments.add((round(start, 3), fold_y, round(start + right_length, 3), fold_y))
    return sorted(segments)


def _draw_fold_marks(ctx: cairocffi.Context, imposition: Imposition) -> None:
    segments = fold_mark_segments(imposition)
    if not segments:
        return
    ctx.new_path()
    for x0, y0, x1, y1 in segments:
        ctx.move_to(x0, y0)
        ctx.line_to(x1, y1)
    ctx.set_source_rgb(0, 0, 0)
    ctx.set_line_width(CROP_MARK_LINE_WIDTH)
    ctx.set_dash([FOLD_MARK_DASH, FOLD_MARK_DASH / 2])
    ctx.stroke()
    ctx.set_dash([])


def plan_bleed_note(plan: BadgePlan) -> str | None:
    """sheets.bleed_note for a plan, saying too that a folded badge has none at its fold."""
    note = bleed_note(plan.sheet, plan.template.bleed)
    if note and plan.imposition is not None and plan.imposition.mode == "fold" and plan.sheet.bleed > 0:
        note += " Folded badges have none at the fold line."
    return note
