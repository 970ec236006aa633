"""Double-sided badges with a bleed, read as a printer reads them: pdfinfo's boxes, where the
names land (pdftotext -bbox), and pixels of the pages as pdftoppm draws them.

The template's front is pale orange and its back pale blue, each drawn 6 mm past the trim (3 mm
of it kept: data-bleed="3"); the attendee's name sits at the centre of each side in white. Nothing
is dark, so a dark pixel is a crop or fold mark.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf
from api.render.duplex import fold_mark_segments, plan_bleed_note
from api.render.errors import RenderInputError
from api.render.options import BadgeOptions, CustomSheet
from api.render.photo_archive import PhotoArchive
from api.render.printready import convert_for_print
from api.render.sheets import MM, mark_offset
from api.render.template import compile_template
from tests.support.pdf import near, raster
from tests.support.photos import BLUE as BLUE_BAND
from tests.support.photos import RED as RED_BAND
from tests.support.photos import banded_jpeg, photo_zip

BLEED_MM = 3.0
PALE = (0xFF, 0xD8, 0xA8)
BLUE = (0xA8, 0xD8, 0xFF)
WHITE = (255, 255, 255)


def two_sided(bleed: str = ' data-bleed="3"') -> bytes:
    def side(name: str, fill: str, word: str) -> str:
        return (
            f'<g data-side="{name}"><rect x="-6" y="-6" width="97" height="67" fill="{fill}"/>'
            f'<text x="42.5" y="30" text-anchor="middle" font-size="5" fill="#ffffff"'
            f' data-max-lines="1">{word}{{{{name}}}}</text></g>'
        )

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="85mm" height="55mm" viewBox="0 0 85 55"{bleed}'
        f' font-family="DejaVu Sans">{side("front", "#ffd8a8", "F")}{side("back", "#a8d8ff", "B")}</svg>'
    ).encode()


ROWS = [{"name": f"Zq{index}x"} for index in range(8)]


def render(tmp_path: Path, rows=ROWS, name: str = "out.pdf", **options) -> tuple[Path, object]:
    plan = make_plan(
        compile_template(two_sided()), BadgeOptions(sides="both", **options), columns_available=["name"]
    )
    path = tmp_path / name
    render_pdf(plan, rows, str(path))
    return path, plan


def boxes(path: Path) -> dict[int, dict[str, tuple[float, ...]]]:
    output = subprocess.run(
        ["pdfinfo", "-box", "-f", "1", "-l", "1000", str(path)], capture_output=True, text=True, check=True
    ).stdout
    found: dict[int, dict[str, tuple[float, ...]]] = {}
    for page, name, values in re.findall(r"Page\s+(\d+) (\w+Box):\s+([-\d. ]+)", output):
        found.setdefault(int(page), {})[name] = tuple(float(value) for value in values.split())
    return found


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Pages:\s+(\d+)", info)
    assert match
    return int(match.group(1))


def dark_pixels(image: Image.Image) -> set[tuple[int, int]]:
    gray = image.convert("L")
    width = gray.width
    return {(index % width, index // width) for index, value in enumerate(gray.tobytes()) if value < 100}


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def word_centres(path: Path) -> list[dict[str, tuple[float, float]]]:
    """Each page's words by their text, at the centre of their box (points from the top left)."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        {
            text: ((float(x0) + float(x1)) / 2, (float(y0) + float(y1)) / 2)
            for x0, y0, x1, y1, text in _WORD.findall(body)
        }
        for _, _, body in _PAGE.findall(xhtml)
    ]


def test_long_edge_one_per_page_gives_each_back_page_its_fronts_size_and_boxes(tmp_path):
    path, _ = render(tmp_path, ROWS[:2], sheet="one-per-page", duplex="long-edge")

    pages = boxes(path)
    assert sorted(pages) == [1, 2, 3, 4]  # front, back, front, back
    bleed = BLEED_MM * MM
    media = (0, 0, 85 * MM + 2 * bleed, 55 * MM + 2 * bleed)
    trim = (bleed, bleed, 85 * MM + bleed, 55 * MM + bleed)
    for page in pages.values():
        assert page["MediaBox"] == pytest.approx(media, abs=0.01)
        assert page["TrimBox"] == pytest.approx(trim, abs=0.01)
        assert page["BleedBox"] == page["MediaBox"]
    assert pages[2] == pages[1]
    # The bleed prints on both sides, each in its own colour: 1.5 mm outside the trim, all round.
    for number, colour in ((1, PALE), (2, BLUE)):
        image = raster(path, tmp_path, number)
        assert image.size == (round(91 * MM), round(61 * MM))
        for x, y in ((2, image.height // 2), (image.width - 3, image.height // 2), (image.width // 2, 2)):
            assert near(image.getpixel((x, y)), colour), (number, x, y)
    words = word_centres(path)
    assert "FZq0x" in words[0]
    assert "BZq0x" in words[1]
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_grid_with_bleed_keeps_backs_behind_fronts_and_back_crop_marks_outside_the_bleed(tmp_path):
    # A4 2 x 4 of 85 x 55 mm: 5 mm gaps, so each side keeps 2.5 mm of its 3 mm bleed.
    path, plan = render(tmp_path, ROWS, sheet="a4-2x4", duplex="long-edge")
    sheet, imposition = plan.sheet, plan.imposition
    assert sheet.bleed == pytest.approx(2.5 * MM)
    assert page_count(path) == 2

    # Behind: a portrait page flips about its vertical axis, so the back's name is at the mirror
    # image of its front's, measured in the PDF.
    front_words, back_words = word_centres(path)
    for row in ROWS:
        fx, fy = front_words[f"F{row['name']}"]
        bx, by = back_words[f"B{row['name']}"]
        assert bx == pytest.approx(sheet.page_width - fx, abs=0.5)
        assert by == pytest.approx(fy, abs=0.5)

    scale = 4  # 288 dpi: a 0.25 pt mark is a pixel wide
    front, back = raster(path, tmp_path, 1, 72 * scale), raster(path, tmp_path, 2, 72 * scale)
    back_marks = dark_pixels(back)
    assert len(back_marks) > 100
    clear = sheet.bleed + 0.8 * MM
    for x, y in imposition.back_boxes():
        left, top = (x - clear) * scale, (y - clear) * scale
        right, bottom = (x + sheet.badge_width + clear) * scale, (y + sheet.badge_height + clear) * scale
        inside = [(px, py) for px, py in back_marks if left < px < right and top < py < bottom]
        assert not inside, (x, y, inside[:5])
        # The back's bleed prints: 2 mm left of its trim is pale blue.
        middle = round((y + sheet.badge_height / 2) * scale)
        assert near(back.getpixel((round((x - 2 * MM) * scale), middle)), BLUE)
    # The back page's marks are the front's, mirrored: they agree whichever side is cut from.
    mirrored = {(front.width - 1 - px, py) for px, py in dark_pixels(front)}
    agreeing = sum(1 for px, py in back_marks if any((px + dx, py) in mirrored for dx in (-1, 0, 1)))
    assert agreeing >= 0.98 * len(back_marks)


def test_fold_with_bleed_bleeds_past_the_outer_cut_and_not_across_the_fold(tmp_path):
    path, plan = render(tmp_path, ROWS[:1], sheet="one-per-page", duplex="fold")

    assert page_count(path) == 1
    page = boxes(path)[1]
    bleed = BLEED_MM * MM
    # The page is the unfolded badge (85 x 110 mm) and its bleed; the TrimBox is the outer cut.
    assert page["MediaBox"] == pytest.approx((0, 0, 85 * MM + 2 * bleed, 110 * MM + 2 * bleed), abs=0.01)
    assert page["TrimBox"] == pytest.approx((bleed, bleed, 85 * MM + bleed, 110 * MM + bleed), abs=0.01)
    image = raster(path, tmp_path, 1, dpi=144)
    scale = 2
    fold_y = (bleed + 55 * MM) * scale
    middle_x = image.width // 2
    # Either side of the fold, 1 and 2.5 mm from it: the back above, the front below. Without the
    # clip at the fold the front's 3 mm of bleed would cover the back there.
    for offset in (1 * MM, 2.5 * MM):
        assert near(image.getpixel((middle_x, round(fold_y - offset * scale))), BLUE), offset
        assert near(image.getpixel((middle_x, round(fold_y + offset * scale))), PALE), offset
    # The outer edges bleed: the top (the back's), the bottom (the front's), the sides (both).
    assert near(image.getpixel((middle_x, 3)), BLUE)
    assert near(image.getpixel((middle_x, image.height - 4)), PALE)
    assert near(image.getpixel((3, round(fold_y - 20 * MM * scale))), BLUE)
    assert near(image.getpixel((image.width - 4, round(fold_y + 20 * MM * scale))), PALE)
    assert plan_bleed_note(plan).endswith("Folded badges have none at the fold line.")


def test_fold_on_a_grid_with_bleed_starts_its_crop_and_fold_marks_beyond_the_bleed(tmp_path):
    sheet_spec = CustomSheet(page="a4", columns=2, rows=2, gap_mm=8, margin_mm=10)
    path, plan = render(tmp_path, ROWS[:4], sheet=sheet_spec, duplex="fold")
    sheet, imposition = plan.sheet, plan.imposition
    assert sheet.bleed == pytest.approx(3 * MM)
    near_mark = mark_offset(sheet)
    assert near_mark == pytest.approx(4 * MM)

    segments = fold_mark_segments(imposition)
    assert segments  # in the outer margins; the 8 mm gap has no room beyond two bleeds
    slots = sheet.slots()
    for x0, y0, x1, _ in segments:
        assert any(
            x1 <= x - near_mark + 0.01 or x0 >= x + sheet.badge_width + near_mark - 0.01 for x, _ in slots
        ), (x0, x1)
        assert any(y0 == pytest.approx(y + 55 * MM, abs=0.01) for _, y in slots)

    scale = 4
    image = raster(path, tmp_path, 1, 72 * scale)
    marks = dark_pixels(image)
    assert len(marks) > 100
    clear = sheet.bleed + 0.8 * MM
    for x, y in slots:
        left, top = (x - clear) * scale, (y - clear) * scale
        right, bottom = (x + sheet.badge_width + clear) * scale, (y + sheet.badge_height + clear) * scale
        inside = [(px, py) for px, py in marks if left < px < right and top < py < bottom]
        assert not inside, (x, y, inside[:5])
        # Beside the fold, 2 mm into the bleed: the back above it, the front below.
        fold_y = (y + 55 * MM) * scale
        side_x = round((x - 2 * MM) * scale)
        assert near(image.getpixel((side_x, round(fold_y - 2 * MM * scale))), BLUE)
        assert near(image.getpixel((side_x, round(fold_y + 2 * MM * scale))), PALE)


def test_print_output_converts_both_sides_two_pages_a_sheet_with_their_boxes(tmp_path):
    path, _ = render(tmp_path, ROWS[:3], sheet="one-per-page", duplex="long-edge", output="print")
    before = boxes(path)

    convert_for_print(str(path))

    assert page_count(path) == 6  # three badges, each a front page and a back page
    after = boxes(path)
    for number in range(1, 7):
        assert after[number]["MediaBox"] == pytest.approx(before[number]["MediaBox"], abs=0.01)
        assert after[number]["TrimBox"] == pytest.approx(before[number]["TrimBox"], abs=0.01)
    words = word_centres(path)
    assert "FZq0x" in words[0]
    assert "BZq0x" in words[1]
    assert "BZq2x" in words[5]


def test_a_back_upload_must_have_the_fronts_bleed():
    front = two_sided().replace(b'data-side="back"', b'data-side="x"')
    back = b"""<svg xmlns="http://www.w3.org/2000/svg" width="85mm" height="55mm" viewBox="0 0 85 55">
      <text x="5" y="20">{{name}}</text></svg>"""

    with pytest.raises(RenderInputError) as refused:
        compile_template(front, back=back)

    assert refused.value.location == "back"
    assert "both sides must have the same bleed" in refused.value.message
    same = back.replace(b'viewBox="0 0 85 55"', b'viewBox="0 0 85 55" data-bleed="3mm"')
    assert compile_template(front, back=same).back is not None


def test_a_preview_pdf_of_both_sides_draws_the_trim_line_on_each(tmp_path):
    plan = make_plan(
        compile_template(two_sided()),
        BadgeOptions(sides="both", sheet="one-per-page"),
        columns_available=["name"],
    )
    path = tmp_path / "preview.pdf"
    render_pdf(plan, ROWS[:1], str(path), trim_line=True)

    for number in (1, 2):
        image = raster(path, tmp_path, number, dpi=144)
        marks = dark_pixels(image)
        trim = BLEED_MM * MM * 2
        # The dashed trim line runs along the trim, nowhere else.
        assert marks
        assert all(
            min(
                abs(px - trim),
                abs(px - (image.width - trim)),
                abs(py - trim),
                abs(py - (image.height - trim)),
            )
            <= 2
            for px, py in marks
        )


# Photos on the back -----------------------------------------------------------------------------


def test_a_back_with_a_photo_box_prints_the_attendees_photo_behind_the_front(tmp_path):
    # The built-in photo template's back has a smaller photo box (37.5..67.5 mm across, 30..66 mm
    # down): on the back page of a one-per-page A6, drawn upright at the same place.
    archive = PhotoArchive(photo_zip({"ada.jpg": banded_jpeg()}))
    options = BadgeOptions(name="PyCon", sides="both", sheet="one-per-page")
    plan = make_plan(
        built_in_template("photo"),
        options,
        columns_available=["name", "organization", "photo"],
        photos=archive,
    )
    path = tmp_path / "photos.pdf"

    result = render_pdf(plan, [{"name": "Ada", "organization": "", "photo": "ada.jpg"}], str(path))

    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    assert [line.split()[0] for line in listed.stdout.splitlines()[2:]] == ["1", "2"]  # a photo each side
    back = raster(path, tmp_path, 2)
    assert near(back.getpixel((round(52.5 * MM), round(31.5 * MM))), RED_BAND, 40)  # the photo's top
    assert near(back.getpixel((round(52.5 * MM), round(55 * MM))), BLUE_BAND, 40)
    assert result.tally.badges == []
    assert result.job_findings == ()


def test_photos_for_a_back_only_photo_box_need_both_sides():
    svg = two_sided().replace(
        b'<g data-side="back">',
        b'<g data-side="back"><rect x="5" y="5" width="20" height="24" data-photo=""/>',
    )
    archive = PhotoArchive(photo_zip({"ada.jpg": banded_jpeg()}))
    template = compile_template(svg)
    assert template.photo is None
    assert template.back is not None
    assert template.back.photo is not None

    with pytest.raises(RenderInputError) as refused:
        make_plan(template, BadgeOptions(), columns_available=["name", "photo"], photos=archive)
    assert refused.value.location == "photos"
    assert "its back has one: print both sides" in refused.value.message
    plan = make_plan(
        template, BadgeOptions(sides="both"), columns_available=["name", "photo"], photos=archive
    )
    assert plan.photos is None
    assert plan.photo_set is plan.back_photos
