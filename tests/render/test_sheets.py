"""Badge sizes, sheet presets and objects, the doesn't-fit errors, and crop marks on a rendered page."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import cairocffi
import pytest
from PIL import Image

from api.render.errors import RenderInputError
from api.render.options import CustomSheet
from api.render.sheets import (
    AUTO_PRESETS,
    BADGE_SIZES,
    BadgeSize,
    SheetLayout,
    draw_crop_marks,
    resolve_badge_size,
    resolve_sheet,
)

# Worked out here rather than imported, so a wrong constant in the module cannot hide.
MM = 72 / 25.4
PAGES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a3": (297.0, 420.0)}
BADGES_MM = {"a6": (105.0, 148.0), "4x3in": (101.6, 76.2), "cr80": (85.6, 54.0)}
CLOSE = 1e-6


def most_that_fit(length_mm: float, badge_mm: float, margin_mm: float, gap_mm: float) -> int:
    """Count up until one more badge would cross the margin."""
    count = 0
    while (count + 1) * badge_mm + count * gap_mm <= length_mm - 2 * margin_mm + CLOSE and count < 20:
        count += 1
    return count


def assert_layout_is_sound(layout: SheetLayout) -> None:
    """Every slot inside the margins, neighbours exactly one gap apart, no overlaps, grid centred."""
    slots = layout.slots()
    width, height = layout.badge_width, layout.badge_height
    assert len(slots) == layout.badges_per_page == layout.columns * layout.rows
    for x, y in slots:
        assert x >= layout.margin - CLOSE
        assert y >= layout.margin - CLOSE
        assert x + width <= layout.page_width - layout.margin + CLOSE
        assert y + height <= layout.page_height - layout.margin + CLOSE
    for index, (x, y) in enumerate(slots):
        if (index + 1) % layout.columns:
            assert slots[index + 1][0] - (x + width) == pytest.approx(layout.gap)
        if index + layout.columns < len(slots):
            assert slots[index + layout.columns][1] - (y + height) == pytest.approx(layout.gap)
    for (x1, y1), (x2, y2) in combinations(slots, 2):
        overlaps = x1 < x2 + width - CLOSE and x2 < x1 + width - CLOSE
        overlaps = overlaps and y1 < y2 + height - CLOSE and y2 < y1 + height - CLOSE
        assert not overlaps
    left, top = slots[0]
    right, bottom = slots[-1][0] + width, slots[-1][1] + height
    assert left == pytest.approx(layout.page_width - right)
    assert top == pytest.approx(layout.page_height - bottom)


def page_mm(layout: SheetLayout) -> tuple[float, float]:
    return (round(layout.page_width / MM, 3), round(layout.page_height / MM, 3))


@pytest.mark.parametrize(("name", "size_mm"), BADGES_MM.items())
def test_badge_size_presets_measure_what_their_names_say(name, size_mm):
    badge = resolve_badge_size(name)

    assert (badge.width / MM, badge.height / MM) == pytest.approx(size_mm)


def test_an_unknown_badge_size_is_refused():
    with pytest.raises(RenderInputError, match="a7") as caught:
        resolve_badge_size("a7")

    assert caught.value.location == "badge"


@pytest.mark.parametrize(
    ("preset", "badge", "page", "columns", "rows", "is_landscape"),
    [
        ("a4-2x2", "a6", "a4", 2, 2, False),
        ("a4-2x2", "4x3in", "a4", 2, 2, True),
        ("a4-2x2", "cr80", "a4", 2, 2, False),
        ("a4-2x4", "cr80", "a4", 2, 4, False),
        ("a4-3x3", "cr80", "a4", 3, 3, True),
        ("letter-2x3", "4x3in", "letter", 2, 3, False),
        ("letter-2x3", "cr80", "letter", 2, 3, False),
        ("letter-2x4", "cr80", "letter", 2, 4, False),
        ("a3-3x3", "cr80", "a3", 3, 3, False),
        ("a3-3x3", "4x3in", "a3", 3, 3, True),
    ],
)
def test_grid_presets_lay_out_their_grid_inside_the_margins(preset, badge, page, columns, rows, is_landscape):
    layout = resolve_sheet(preset, BADGE_SIZES[badge])

    width, height = PAGES_MM[page]
    assert page_mm(layout) == ((height, width) if is_landscape else (width, height))
    assert (layout.columns, layout.rows, layout.badges_per_page) == (columns, rows, columns * rows)
    assert layout.crop_marks
    assert_layout_is_sound(layout)


def test_a_grid_preset_keeps_10_mm_margins_and_5_mm_gaps_when_they_fit():
    layout = resolve_sheet("a4-2x2", BADGE_SIZES["cr80"])

    assert layout.margin == pytest.approx(10 * MM)
    assert layout.gap == pytest.approx(5 * MM)


def test_a_grid_preset_shrinks_margins_and_gaps_evenly_to_make_room():
    # Two 101.6 mm badges leave 12.7 mm of Letter's 215.9 mm, against 10 + 5 + 10 = 25 mm wanted.
    layout = resolve_sheet("letter-2x3", BADGE_SIZES["4x3in"])

    assert layout.margin == pytest.approx(10 * MM * 12.7 / 25)
    assert layout.gap == pytest.approx(5 * MM * 12.7 / 25)


def test_four_a6_badges_fill_a4_edge_to_edge():
    layout = resolve_sheet("a4-2x2", BADGE_SIZES["a6"])

    assert (layout.margin, layout.gap) == (0, 0)
    # 2 x 148 mm leaves half a millimetre above and below on A4's 297 mm.
    expected = [(0, 0.5), (105, 0.5), (0, 148.5), (105, 148.5)]
    assert [(x / MM, y / MM) for x, y in layout.slots()] == [pytest.approx(slot) for slot in expected]


def test_a_grid_preset_that_cannot_hold_the_badge_says_how_many_fit():
    with pytest.raises(RenderInputError) as caught:
        resolve_sheet("a4-2x4", BADGE_SIZES["a6"])

    assert caught.value.location == "sheet"
    message = caught.value.message
    for part in ("105 x 148 mm badge", "a4-2x4", "2 x 4 grid on A4", "105 x 74.2", "2 x 2 fits (portrait)"):
        assert part in message


@pytest.mark.parametrize("badge", BADGES_MM)
def test_one_per_page_makes_the_page_the_badge(badge):
    layout = resolve_sheet("one-per-page", BADGE_SIZES[badge])

    assert page_mm(layout) == pytest.approx(BADGES_MM[badge])
    assert layout.slots() == [(0, 0)]
    assert (layout.margin, layout.gap, layout.crop_marks) == (0, 0, False)


@pytest.mark.parametrize("preset", AUTO_PRESETS)
@pytest.mark.parametrize("badge", BADGES_MM)
def test_auto_presets_put_as_many_badges_as_fit_in_portrait_or_landscape(preset, badge):
    width, height = PAGES_MM[preset.removeprefix("auto-")]
    badge_width, badge_height = BADGES_MM[badge]
    portrait = (most_that_fit(width, badge_width, 10, 5), most_that_fit(height, badge_height, 10, 5))
    landscape = (most_that_fit(height, badge_width, 10, 5), most_that_fit(width, badge_height, 10, 5))

    layout = resolve_sheet(preset, BADGE_SIZES[badge])

    assert layout.badges_per_page == max(portrait[0] * portrait[1], landscape[0] * landscape[1])
    assert (layout.columns, layout.rows) in (portrait, landscape)
    assert (layout.margin, layout.gap) == (pytest.approx(10 * MM), pytest.approx(5 * MM))
    assert_layout_is_sound(layout)


def test_auto_a4_goes_landscape_for_two_a6_badges():
    # In portrait, 190 x 277 mm inside the margins holds one 105 x 148 mm badge;
    # in landscape, 277 mm holds 105 + 5 + 105 across and 190 mm one row.
    layout = resolve_sheet("auto-a4", BADGE_SIZES["a6"])

    assert page_mm(layout) == (297, 210)
    assert (layout.columns, layout.rows) == (2, 1)


def test_a_sheet_object_is_taken_literally():
    # Three 85.6 mm cards need 256.8 + 2 x 3 + 2 x 8 = 278.8 mm of landscape Letter's 279.4 mm.
    spec = CustomSheet(
        page="letter", landscape=True, columns=3, rows=2, margin_mm=8, gap_mm=3, crop_marks=False
    )

    layout = resolve_sheet(spec, BADGE_SIZES["cr80"])

    assert page_mm(layout) == (279.4, 215.9)
    assert (layout.columns, layout.rows, layout.crop_marks) == (3, 2, False)
    assert (layout.margin, layout.gap) == (pytest.approx(8 * MM), pytest.approx(3 * MM))
    assert_layout_is_sound(layout)


def test_a_sheet_object_without_columns_or_rows_fits_as_many_as_it_can():
    layout = resolve_sheet(CustomSheet(page="a3", margin_mm=5, gap_mm=0), BADGE_SIZES["cr80"])

    assert layout.columns == most_that_fit(297, 85.6, 5, 0)
    assert layout.rows == min(20, most_that_fit(420, 54, 5, 0))
    assert_layout_is_sound(layout)


def test_an_empty_sheet_object_means_portrait_a4_with_default_spacing_and_crop_marks():
    layout = resolve_sheet(CustomSheet(), BADGE_SIZES["cr80"])

    assert page_mm(layout) == (210, 297)
    assert (layout.margin, layout.gap) == (pytest.approx(10 * MM), pytest.approx(5 * MM))
    assert layout.crop_marks


def test_a_margin_of_a_quarter_of_the_page_is_allowed():
    layout = resolve_sheet(CustomSheet(margin_mm=52.5, gap_mm=0), BADGE_SIZES["cr80"])

    assert layout.margin == pytest.approx(52.5 * MM)


def test_a_grid_that_does_not_fit_says_the_badge_size_the_cell_size_and_how_many_fit():
    with pytest.raises(RenderInputError) as caught:
        resolve_sheet(CustomSheet(page="a4", columns=2, rows=4), BADGE_SIZES["a6"])

    # Cells: (210 - 2 x 10 - 5) / 2 wide and (297 - 2 x 10 - 3 x 5) / 4 tall.
    assert caught.value.location == "sheet"
    assert caught.value.message == (
        "a 105 x 148 mm badge does not fit a 2 x 4 grid on A4 with 10 mm margins and 5 mm gaps "
        "(each cell is 92.5 x 65.5 mm): at most 1 x 1 fits"
    )


def test_a_badge_larger_than_the_page_fits_not_even_once():
    poster = BadgeSize("poster", 200 * MM, 150 * MM)

    with pytest.raises(RenderInputError, match="not even one fits"):
        resolve_sheet(CustomSheet(page="a4", margin_mm=20), poster)


def render_crop_marks(tmp_path: Path, layout: SheetLayout) -> Image.Image:
    """Draw the layout's crop marks into a PDF and rasterise it at 72 dpi: one pixel per point."""
    pdf = tmp_path / "sheet.pdf"
    surface = cairocffi.PDFSurface(str(pdf), layout.page_width, layout.page_height)
    draw_crop_marks(cairocffi.Context(surface), layout)
    surface.finish()
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", pdf, tmp_path / "sheet"], check=True)
    with Image.open(tmp_path / "sheet.png") as image:
        return image.convert("L")


def darkest(image: Image.Image, left: float, top: float, right: float, bottom: float) -> int:
    """The darkest grey level in a box of the page, given in points (= pixels at 72 dpi)."""
    box = (int(left), int(top), int(right) + 1, int(bottom) + 1)
    return image.crop(box).getextrema()[0]


def test_crop_marks_sit_just_outside_each_badge_corner_and_never_inside_a_badge(tmp_path):
    layout = resolve_sheet("a4-2x2", BADGE_SIZES["cr80"])

    image = render_crop_marks(tmp_path, layout)

    width, height = layout.badge_width, layout.badge_height
    for x, y in layout.slots():
        for corner_x, corner_y in ((x, y), (x + width, y), (x, y + height), (x + width, y + height)):
            outward_x = -1 if corner_x == x else 1
            outward_y = -1 if corner_y == y else 1
            # 3 mm out from the corner along each edge lies on a mark (1 mm clear, 3 to 4 mm long).
            mark_x = corner_x + outward_x * 3 * MM
            mark_y = corner_y + outward_y * 3 * MM
            assert darkest(image, mark_x, corner_y - 1, mark_x, corner_y + 1) < 64
            assert darkest(image, corner_x - 1, mark_y, corner_x + 1, mark_y) < 64
        assert darkest(image, x + 1, y + 1, x + width - 2, y + height - 2) == 255


@pytest.mark.parametrize(
    "layout",
    [
        replace(resolve_sheet("one-per-page", BADGE_SIZES["a6"]), crop_marks=True),
        resolve_sheet("a4-2x2", BADGE_SIZES["a6"]),
        resolve_sheet(CustomSheet(crop_marks=False), BADGE_SIZES["cr80"]),
    ],
    ids=["one-per-page", "edge-to-edge", "turned-off"],
)
def test_no_crop_marks_without_room_or_when_turned_off(tmp_path, layout):
    image = render_crop_marks(tmp_path, layout)

    assert image.getextrema() == (255, 255)


def test_crop_marks_stay_clear_of_neighbours_across_a_narrow_gap(tmp_path):
    layout = resolve_sheet(CustomSheet(page="a4", columns=2, rows=2, gap_mm=4), BADGE_SIZES["cr80"])

    image = render_crop_marks(tmp_path, layout)

    # A 4 mm gap leaves room for a 2 mm mark, 1 mm clear of the badges on either side.
    first_x, first_y = layout.slots()[0]
    gap_middle = first_x + layout.badge_width + 2 * MM
    assert darkest(image, gap_middle, first_y - 1, gap_middle, first_y + 1) < 64
    for x, y in layout.slots():
        assert darkest(image, x + 1, y + 1, x + layout.badge_width - 2, y + layout.badge_height - 2) == 255
