"""The built-in designs keep their parts apart however long the attendee's texts are."""

from __future__ import annotations

import io

from PIL import Image

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_png
from api.render.options import BadgeOptions

DPI = 150
ORGANIZATION_BLUE = (0x45, 0x7B, 0x9D)


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def test_a_two_line_organisation_in_classic_stays_below_the_rule():
    row = {
        "name": "Bartholomew Featherstonehaugh-Wolfeschlegelsteinhausen",
        "organization": "The Very Long Organisation Name For Testing Wrapping",
        "role": "Attendee",
    }
    plan = make_plan(built_in_template("classic"), BadgeOptions(name="Summit"), columns_available=list(row))
    image = Image.open(io.BytesIO(render_png(plan, row, dpi=DPI))).convert("RGB")

    # The red rule is at y 74-74.8 mm; nothing in the organisation's colour may be drawn around it.
    band = [image.getpixel((x, y)) for x in range(mm(5), mm(100)) for y in range(mm(72), mm(76.5))]
    near_blue = [
        pixel for pixel in band if sum(abs(a - b) for a, b in zip(pixel, ORGANIZATION_BLUE, strict=True)) < 60
    ]
    assert near_blue == []
    # ...and the organisation is drawn below it.
    below = [image.getpixel((x, y)) for x in range(mm(5), mm(100)) for y in range(mm(80), mm(95))]
    assert any(sum(abs(a - b) for a, b in zip(p, ORGANIZATION_BLUE, strict=True)) < 60 for p in below)
