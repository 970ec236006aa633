"""Label and insert sheets by product number: where each pre-cut label sits on the page.

A label sheet is not a centred grid: its labels sit where the maker cut them, so the layout is the
maker's own numbers (label size, first label's top-left corner, pitch from one label to the next).
A template smaller than the label is centred in it; a larger one is refused (api/render/sheets.py).

Every preset cites where its geometry comes from. Products asked for whose geometry could not be
checked against a published template are left out rather than guessed:

- Avery 74459 (3" x 4" badge inserts): no template or data sheet for it could be reached.
- Avery L7418 (86 x 55 mm name badge labels, A4): no template or data sheet could be reached.
- Herma 4412: not even what the product is could be confirmed from a reachable source.
"""

from __future__ import annotations

from dataclasses import dataclass

_MM = 72 / 25.4
_INCH = 72.0


@dataclass(frozen=True)
class LabelSheet:
    """A maker's sheet of pre-cut labels; lengths in PostScript points, y downwards from the top."""

    name: str  # the preset's name in options.sheet, "avery-5392"
    title: str  # for messages and the docs, "Avery 5392 name badge inserts (4 x 3 in)"
    page: str  # a key of sheets.PAGE_SIZES
    label_width: float
    label_height: float
    columns: int
    rows: int
    left: float  # the page's left edge to the first column's left edge
    top: float  # the page's top edge to the first row's top edge
    pitch_x: float  # one label's left edge to the next one's (label width + gap)
    pitch_y: float

    def label_corners(self) -> list[tuple[float, float]]:
        """Each label's top-left corner, row by row."""
        return [
            (self.left + column * self.pitch_x, self.top + row * self.pitch_y)
            for row in range(self.rows)
            for column in range(self.columns)
        ]


LABEL_SHEETS: dict[str, LabelSheet] = {
    # Avery 5392 "Insertable Name Badges - 3\" x 4\"", Letter, 2 x 3, labels edge to edge:
    # 0.25 in side margins, 1 in top and bottom margins. Source: Avery's product specification as
    # transcribed in the CPAN distribution Paper-Specs, lib/Paper/Specs/Avery/5392.pm
    # (https://metacpan.org/dist/Paper-Specs); its Avery 74541 entry (same insert) agrees.
    "avery-5392": LabelSheet(
        "avery-5392",
        "Avery 5392 name badge inserts (4 x 3 in)",
        "letter",
        label_width=4 * _INCH,
        label_height=3 * _INCH,
        columns=2,
        rows=3,
        left=0.25 * _INCH,
        top=1 * _INCH,
        pitch_x=4 * _INCH,
        pitch_y=3 * _INCH,
    ),
    # Avery 5395 "Name Badge Labels", 3 3/8 x 2 1/3 in, Letter, 2 x 4: first label at
    # (0.6875 in, 0.583333 in), pitch 3.75 in across and 2.5 in down (0.375 in and 1/6 in gaps).
    # Source: gLabels' template database, templates/avery-us-templates.xml
    # (https://github.com/jimevins/glabels-qt), taken from Avery's template; Paper-Specs'
    # Avery/5395.pm gives the same margins (0.688 in left, 0.583 in top).
    "avery-5395": LabelSheet(
        "avery-5395",
        "Avery 5395 name badge labels (3 3/8 x 2 1/3 in)",
        "letter",
        label_width=3.375 * _INCH,
        label_height=7 / 3 * _INCH,
        columns=2,
        rows=4,
        left=0.6875 * _INCH,
        top=7 / 12 * _INCH,
        pitch_x=3.75 * _INCH,
        pitch_y=2.5 * _INCH,
    ),
    # Herma 5028: 83.8 x 50.8 mm cards (gLabels files it as "Business Cards"), A4, 2 x 5: first
    # label at (18.6 mm, 22 mm), pitch 89.2 mm across (a 5.4 mm gap) and 50.8 mm down (no gap).
    # Source: gLabels' template database, templates/herma-iso-templates.xml
    # (https://github.com/jimevins/glabels-qt).
    "herma-5028": LabelSheet(
        "herma-5028",
        "Herma 5028 cards (83.8 x 50.8 mm)",
        "a4",
        label_width=83.8 * _MM,
        label_height=50.8 * _MM,
        columns=2,
        rows=5,
        left=18.6 * _MM,
        top=22 * _MM,
        pitch_x=89.2 * _MM,
        pitch_y=50.8 * _MM,
    ),
}
