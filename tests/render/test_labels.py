"""Label sheets by product number: every badge at the centre of its pre-cut label, where the maker's
template puts the label, measured on the rendered page; a template larger than the label refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from api.render.document import BadgePlan, render_pdf
from api.render.errors import RenderInputError
from api.render.sheets import BadgeSize, resolve_sheet
from api.render.template import compile_template

# The data sheets' numbers, written out here in their own units rather than imported, so a wrong
# number in api/render/labels.py cannot hide: page (mm), label size, columns x rows, first
# label's top-left corner, pitch across and down.
IN = 25.4
DATA_SHEETS = {
    # Avery 5392: 4 x 3 in, 2 x 3 on Letter, 0.25 in side and 1 in top margins, no gaps.
    "avery-5392": ((8.5 * IN, 11 * IN), (4 * IN, 3 * IN), (2, 3), (0.25 * IN, 1 * IN), (4 * IN, 3 * IN)),
    # Avery 5395: 3 3/8 x 2 1/3 in, 2 x 4 on Letter, first at (11/16 in, 7/12 in), pitch 3.75 x 2.5 in.
    "avery-5395": (
        (8.5 * IN, 11 * IN),
        (3.375 * IN, 7 / 3 * IN),
        (2, 4),
        (11 / 16 * IN, 7 / 12 * IN),
        (3.75 * IN, 2.5 * IN),
    ),
    # Herma 5028: 83.8 x 50.8 mm, 2 x 5 on A4, first at (18.6 mm, 22 mm), pitch 89.2 x 50.8 mm.
    "herma-5028": ((210, 297), (83.8, 50.8), (2, 5), (18.6, 22), (89.2, 50.8)),
}
DPI = 144
PX_PER_MM = DPI / 25.4
INSET_MM = 4  # the test badge is this much smaller than the label on every side


def box_template(width_mm: float, height_mm: float) -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {width_mm} {height_mm}"><rect width="{width_mm}" height="{height_mm}" fill="#000"/>'
        f'<text x="2" y="10" font-size="4" fill="#000">{{{{name}}}}</text></svg>'
    ).encode()


def render_first_page(tmp_path: Path, sheet: str, badge_mm: tuple[float, float], count: int) -> Image.Image:
    template = compile_template(box_template(*badge_mm))
    layout = resolve_sheet(sheet, BadgeSize("template", template.width, template.height))
    pdf = tmp_path / f"{sheet}.pdf"
    render_pdf(BadgePlan(template, layout), [{"name": ""}] * count, str(pdf))
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", str(DPI), "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    return Image.open(png).convert("L")


def black_box_around(image: Image.Image, x: int, y: int) -> tuple[float, float, float, float]:
    """The black box containing pixel (x, y): its left, top, right and bottom edges in mm."""
    pixels = image.load()
    assert pixels[x, y] < 128, f"no badge at ({x / PX_PER_MM:.1f}, {y / PX_PER_MM:.1f}) mm"
    left, right, top, bottom = x, x, y, y
    while left > 0 and pixels[left - 1, y] < 128:
        left -= 1
    while right < image.width - 1 and pixels[right + 1, y] < 128:
        right += 1
    while top > 0 and pixels[x, top - 1] < 128:
        top -= 1
    while bottom < image.height - 1 and pixels[x, bottom + 1] < 128:
        bottom += 1
    return left / PX_PER_MM, top / PX_PER_MM, (right + 1) / PX_PER_MM, (bottom + 1) / PX_PER_MM


@pytest.mark.parametrize("sheet", list(DATA_SHEETS))
def test_each_badge_is_centred_in_its_label_where_the_data_sheet_puts_it(tmp_path, sheet):
    page_mm, label_mm, (columns, rows), (left, top), (pitch_x, pitch_y) = DATA_SHEETS[sheet]
    badge_mm = (label_mm[0] - 2 * INSET_MM, label_mm[1] - 2 * INSET_MM)

    image = render_first_page(tmp_path, sheet, badge_mm, columns * rows)

    assert image.size == (round(page_mm[0] * PX_PER_MM), round(page_mm[1] * PX_PER_MM))
    for row in range(rows):
        for column in range(columns):
            centre_x = left + column * pitch_x + label_mm[0] / 2
            centre_y = top + row * pitch_y + label_mm[1] / 2
            box = black_box_around(image, round(centre_x * PX_PER_MM), round(centre_y * PX_PER_MM))
            assert (box[0] + box[2]) / 2 == pytest.approx(centre_x, abs=0.5), (row, column, box)
            assert (box[1] + box[3]) / 2 == pytest.approx(centre_y, abs=0.5), (row, column, box)
            assert box[2] - box[0] == pytest.approx(badge_mm[0], abs=0.5)
            assert box[3] - box[1] == pytest.approx(badge_mm[1], abs=0.5)
    # Pre-cut labels get no crop marks: the paper between labels stays white.
    between = image.crop((0, 0, round(left * PX_PER_MM) - 2, image.height))
    assert between.getextrema()[0] > 200


@pytest.mark.parametrize("sheet", list(DATA_SHEETS))
def test_a_template_larger_than_the_label_is_refused_naming_both_sizes(sheet):
    _, (label_w, label_h), *_ = DATA_SHEETS[sheet]
    template = compile_template(box_template(round(label_w + 1, 1), round(label_h, 1)))

    with pytest.raises(RenderInputError) as refused:
        resolve_sheet(sheet, BadgeSize("template", template.width, template.height))

    assert refused.value.location == "sheet"
    assert f"{round(label_w + 1, 1):g} x {round(label_h, 1):g} mm template" in refused.value.message
    assert f"{label_w:.1f}".removesuffix(".0") in refused.value.message
    assert sheet in refused.value.message


def test_a_template_the_size_of_the_label_fills_it_exactly():
    layout = resolve_sheet("avery-5392", BadgeSize("landscape", 4 * 72, 3 * 72))

    assert layout.crop_marks is False
    assert layout.slots()[0] == pytest.approx((0.25 * 72, 1 * 72))
    assert layout.slots()[-1] == pytest.approx((0.25 * 72 + 4 * 72, 1 * 72 + 2 * 3 * 72))
