"""The proof sheet: only the badges an organiser should look at before printing, each larger than
on the sheet and labelled with its row and what happened to it, so that 40 badges are checked
instead of 4,000.

Badges are stamped again with the job's plan (the same BadgeStamper), under a scale: the drawing
is vector, so a larger badge is as sharp as the printed one. Labels are set with Pango like the
badges' own text, so any script in a message is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import cairocffi

from api.render.boxes import page_boxes_added
from api.render.document import BadgePlan, BadgeStamper, badge_index
from api.render.findings import BadgeFindings, Finding
from api.render.text import FitRule, TextPainter, TextStyle

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM  # A4 portrait: every office printer has it
MARGIN = 12 * MM
GAP = 8 * MM
HEADER_HEIGHT = 12 * MM  # the title line and job-wide findings above the badges
LABEL_HEIGHT = 26 * MM  # the row, page and slot, and the findings, under each badge
LABEL_SIZE = 8.0
LINE_HEIGHT = LABEL_SIZE * 1.35
MAX_SCALE = 2.0  # a small card at more than twice its size no longer looks like the badge
MIN_SCALE_FOUR = 0.65  # below this four a page are too small to judge; two a page then
MIN_SCALE_TWO = 0.5
# Badges drawn at most: a sheet of 500 badges is already 125 pages to look through; the report
# lists the rest.
MAX_PROOF_BADGES = 500

LEVEL_COLORS = {
    "error": (0.75, 0.0, 0.0, 1.0),
    "warning": (0.6, 0.35, 0.0, 1.0),
    "info": (0.35, 0.35, 0.35, 1.0),
}
OUTLINE_GRAY = 0.55


@dataclass(frozen=True)
class ProofLayout:
    """A grid of cells on A4, each a badge at `scale` with its label under it."""

    columns: int
    rows: int
    scale: float
    badge_width: float  # as drawn, in points
    badge_height: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cells(self) -> list[tuple[float, float]]:
        """Top-left corner of each badge, row by row, the grid centred across the page."""
        cell_width = (PAGE_WIDTH - 2 * MARGIN - (self.columns - 1) * GAP) / self.columns
        cell_height = self.badge_height + LABEL_HEIGHT
        left = MARGIN + (cell_width - self.badge_width) / 2
        top = MARGIN + HEADER_HEIGHT
        return [
            (left + column * (cell_width + GAP), top + row * (cell_height + GAP))
            for row in range(self.rows)
            for column in range(self.columns)
        ]


def proof_layout(width: float, height: float) -> ProofLayout:
    """Four badges a page when they keep two thirds of their size (A6 does), else two, else one."""

    def grid(columns: int, rows: int) -> ProofLayout:
        cell_width = (PAGE_WIDTH - 2 * MARGIN - (columns - 1) * GAP) / columns
        room = PAGE_HEIGHT - 2 * MARGIN - HEADER_HEIGHT - (rows - 1) * GAP
        cell_height = room / rows - LABEL_HEIGHT
        scale = min(cell_width / width, cell_height / height, MAX_SCALE)
        return ProofLayout(columns, rows, scale, width * scale, height * scale)

    four = grid(2, 2)
    if four.scale >= MIN_SCALE_FOUR:
        return four
    two = max(grid(1, 2), grid(2, 1), key=lambda layout: layout.scale)
    return two if two.scale >= MIN_SCALE_TWO else grid(1, 1)


def render_proof(
    plan: BadgePlan,
    badges: Sequence[tuple[Mapping[str, str], BadgeFindings]],
    output: BinaryIO | str,
    *,
    not_shown: int = 0,
    job_findings: Sequence[Finding] = (),
) -> int:
    """Write the proof sheet of `badges` (attendee row and findings); return its page count.

    `not_shown` flagged badges beyond these are named in a line on the last page.
    """
    template = plan.template
    layout = proof_layout(template.width, template.height)
    with page_boxes_added(output, 0.0) as target:
        return _render_proof(plan, badges, target, layout, not_shown, job_findings)


def _render_proof(
    plan: BadgePlan,
    badges: Sequence[tuple[Mapping[str, str], BadgeFindings]],
    output: BinaryIO | str,
    layout: ProofLayout,
    not_shown: int,
    job_findings: Sequence[Finding],
) -> int:
    surface = cairocffi.PDFSurface(output, PAGE_WIDTH, PAGE_HEIGHT)
    surface.set_metadata(cairocffi.PDF_METADATA_CREATOR, "Badge service")
    surface.set_metadata(cairocffi.PDF_METADATA_TITLE, "Proof sheet")
    ctx = cairocffi.Context(surface)
    stamper = BadgeStamper(ctx, plan, bleed=0.0)  # the badge as cut, outlined
    labels = TextPainter(ctx)
    cells = layout.cells()
    pages = max(1, math.ceil(len(badges) / layout.per_page))
    for page in range(pages):
        chunk = badges[page * layout.per_page : (page + 1) * layout.per_page]
        _header(labels, page + 1, pages, len(badges) + not_shown, job_findings if page == 0 else ())
        for (row, badge), (x, y) in zip(chunk, cells, strict=False):
            _badge(ctx, stamper, layout, row, x, y)
            _label(labels, badge, x, y + layout.badge_height, layout.badge_width)
        if page == pages - 1 and not_shown:
            line = f"… and {not_shown:,} more flagged badges, not shown here: the report lists them all."
            _line(labels, line, MARGIN, PAGE_HEIGHT - MARGIN / 2, PAGE_WIDTH - 2 * MARGIN, bold=True)
        ctx.show_page()
    surface.finish()
    return pages


def _header(
    labels: TextPainter, page: int, pages: int, flagged: int, job_findings: Sequence[Finding]
) -> None:
    title = f"Proof sheet: {flagged:,} badge(s) to check before printing · page {page} of {pages}"
    width = PAGE_WIDTH - 2 * MARGIN
    _line(labels, title, MARGIN, MARGIN + LINE_HEIGHT, width, bold=True)
    for number, finding in enumerate(job_findings[:2], start=2):
        text = f"Every badge: {finding.message}"
        _line(labels, text, MARGIN, MARGIN + number * LINE_HEIGHT, width, color=LEVEL_COLORS[finding.level])


def _badge(
    ctx: cairocffi.Context,
    stamper: BadgeStamper,
    layout: ProofLayout,
    row: Mapping[str, str],
    x: float,
    y: float,
) -> None:
    """The badge at the layout's scale, outlined where it would be cut."""
    ctx.save()
    # One scale for the whole sheet, and positions divided by it: the stamper caches each slot's
    # matrices by position, so every badge at a cell gets the same, correct transformation.
    ctx.scale(layout.scale, layout.scale)
    stamper.stamp(row, x / layout.scale, y / layout.scale)
    ctx.restore()
    ctx.save()
    ctx.rectangle(x, y, layout.badge_width, layout.badge_height)
    ctx.set_source_rgb(OUTLINE_GRAY, OUTLINE_GRAY, OUTLINE_GRAY)
    ctx.set_line_width(0.5)
    ctx.stroke()
    ctx.restore()


def _label(labels: TextPainter, badge: BadgeFindings, x: float, top: float, width: float) -> None:
    """Row, page and slot, then each finding in words, the most serious first, down to the label's
    bottom; a finding too long for one line takes two."""
    heading = f"Row {badge.row} · page {badge.page}, slot {badge.slot}"
    baseline = top + LINE_HEIGHT * 1.2
    _line(labels, heading, x, baseline, width, bold=True)
    bottom = top + LABEL_HEIGHT
    findings = sorted(_worth_a_line(badge.findings), key=lambda finding: _SEVERITY[finding.level])
    for number, finding in enumerate(findings):
        baseline += LINE_HEIGHT
        left = len(findings) - number
        # Keep a line for "… and N more" unless this is the last finding.
        room = int((bottom - baseline) // LINE_HEIGHT) + 1 - (left > 1)
        if room < 1:
            _line(labels, f"… and {left} more", x, baseline, width)
            return
        text = f"{finding.field}: {finding.message}" if finding.field else finding.message
        color = LEVEL_COLORS[finding.level]
        lines = _line(labels, text, x, baseline, width, color=color, max_lines=min(room, 2))
        baseline += (lines - 1) * LINE_HEIGHT


_SEVERITY = {"error": 0, "warning": 1, "info": 2}


def _worth_a_line(findings: Sequence[Finding]) -> list[Finding]:
    """The findings without "shrunk" where the same field also wrapped or was shortened: those
    say the size too, and the label has few lines."""
    sized = {finding.field for finding in findings if finding.kind in ("wrapped", "ellipsized")}
    return [finding for finding in findings if not (finding.kind == "shrunk" and finding.field in sized)]


def _line(
    labels: TextPainter,
    text: str,
    x: float,
    baseline: float,
    width: float,
    *,
    bold: bool = False,
    color: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0),
    max_lines: int = 1,
) -> int:
    """Text of a label from `baseline` down, on at most `max_lines` lines, shrunk (then shortened)
    to stay inside its cell; returns the lines it took."""
    style = TextStyle(
        family="Noto Sans", size=LABEL_SIZE, weight=700 if bold else 400, color=color, anchor="start"
    )
    fit = FitRule(max_width=width, max_lines=max_lines, min_size=LABEL_SIZE * 0.85, wrap="down")
    return labels.draw(text, style, fit, x, baseline).lines


def write_proof(
    plan: BadgePlan,
    rows: Sequence[Mapping[str, str]],
    findings: Sequence[BadgeFindings],
    output: BinaryIO | str,
    *,
    flagged: int,
    job_findings: Sequence[Finding] = (),
) -> int:
    """The proof sheet of a rendered job: its first flagged badges (of `findings`, in print
    order), each found in `rows` by its page and slot; `flagged` counts every flagged badge."""
    chosen = [badge for badge in findings if badge.flagged][:MAX_PROOF_BADGES]
    badges = [(rows[badge_index(badge, plan.sheet, plan.pages_per_sheet)], badge) for badge in chosen]
    return render_proof(plan, badges, output, not_shown=flagged - len(badges), job_findings=job_findings)
