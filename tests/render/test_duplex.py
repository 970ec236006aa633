"""Double-sided badges read back as a printer reads them: where each name lands on each page.

Every badge of the test template prints its attendee's name twice at the badge's centre, once
upright and once turned half a turn about the centre, on both sides. Whichever way up a side is
drawn, the box around the two words is centred on the badge, so the centres come from the PDF
itself (`pdftotext -bbox`), not from the layout code under test. A third word ("F-name" on the
front, "B-name" on the back) sits above the centre in the template: on the page it shows which way
up the side was drawn. The printer's flip is worked out here from the page size alone.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf
from api.render.errors import RenderInputError
from api.render.options import BadgeOptions, CustomSheet, Sheet
from api.render.template import compile_template
from api.render.zipped import write_zip

MM = 72 / 25.4
CLOSE = 0.05  # points: text boxes are measured to a few thousandths
BADGES_MM = {"a6": (105.0, 148.0), "4x3in": (101.6, 76.2), "cr80": (85.6, 54.0)}


def two_sided_svg(width_mm: float, height_mm: float) -> bytes:
    cx, cy = width_mm / 2, height_mm / 2

    def side(name: str, marker: str) -> str:
        pair = "".join(
            f'<text x="{cx}" y="{cy + 1.2}" text-anchor="middle" font-size="3.5" data-max-lines="1"'
            f"{extra}>{{{{name}}}}</text>"
            for extra in ("", f' transform="rotate(180 {cx} {cy})"')
        )
        mark = (
            f'<text x="{cx}" y="{cy - 12}" text-anchor="middle" font-size="3" data-max-lines="1">'
            f"{marker}-{{{{name}}}}</text>"
        )
        return f'<g data-side="{name}">{pair}{mark}</g>'

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {width_mm} {height_mm}" font-family="Noto Sans">'
        f'<rect width="{width_mm}" height="{height_mm}" fill="#eef"/>'
        f"{side('front', 'F')}{side('back', 'B')}</svg>"
    ).encode()


def rows(count: int) -> list[dict[str, str]]:
    return [{"name": f"Zq{index:03d}x"} for index in range(count)]


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')

Box = tuple[float, float, float, float]


def read_pages(pdf: Path) -> list[tuple[float, float, dict[str, list[Box]]]]:
    """Each page's size and the boxes of every word on it, by the word."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for width, height, body in _PAGE.findall(xhtml):
        words: dict[str, list[Box]] = {}
        for x0, y0, x1, y1, text in _WORD.findall(body):
            words.setdefault(text, []).append((float(x0), float(y0), float(x1), float(y1)))
        pages.append((float(width), float(height), words))
    return pages


def centre(boxes: list[Box]) -> tuple[float, float]:
    assert len(boxes) == 2, boxes  # the upright name and the turned one
    return (
        (min(box[0] for box in boxes) + max(box[2] for box in boxes)) / 2,
        (min(box[1] for box in boxes) + max(box[3] for box in boxes)) / 2,
    )


def marker_is_above(words: dict[str, list[Box]], marker: str, at: tuple[float, float]) -> bool:
    (box,) = words[marker]
    return (box[1] + box[3]) / 2 < at[1]


def printer_flip(mode: str, width: float, height: float, x: float, y: float) -> tuple[float, float]:
    """Where a duplex printer puts the back of (x, y): it turns the paper about an axis parallel to
    its long edge (long-edge) or its short edge (short-edge)."""
    portrait = height >= width
    about_vertical_axis = (mode == "long-edge") == portrait
    return (width - x, y) if about_vertical_axis else (x, height - y)


def render(tmp_path: Path, badge: str, sheet: Sheet, mode: str, count: int) -> Path:
    template = compile_template(two_sided_svg(*BADGES_MM[badge]))
    plan = make_plan(
        template, BadgeOptions(sheet=sheet, sides="both", duplex=mode), columns_available=["name"]
    )
    output = tmp_path / f"{mode}.pdf"
    result = render_pdf(plan, rows(count), str(output))
    assert result.badges == count
    return output


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


# (badge, sheet, badges a full sheet holds): A4 and Letter multi-up, a landscape sheet (where
# the long edge is horizontal), a maker's insert sheet, and one badge per page.
SHEETS = [
    ("cr80", "a4-2x4", 8),
    ("4x3in", "letter-2x3", 6),
    ("cr80", CustomSheet(page="a4", landscape=True, columns=3, rows=3), 9),
    ("4x3in", "avery-5392", 6),
    ("a6", "one-per-page", 1),
]


@pytest.mark.parametrize("mode", ["long-edge", "short-edge"])
@pytest.mark.parametrize(("badge", "sheet", "per_sheet"), SHEETS, ids=lambda value: str(value)[:24])
def test_every_back_lands_behind_its_front(
    tmp_path: Path, mode: str, badge: str, sheet: Sheet, per_sheet: int
) -> None:
    count = per_sheet + max(1, per_sheet // 2)  # a full sheet, then a partly filled one
    pdf = render(tmp_path, badge, sheet, mode, count)
    pages = read_pages(pdf)
    assert page_count(pdf) == len(pages) == 4  # front, back, front, back
    seen = 0
    for front_page, back_page in zip(pages[::2], pages[1::2], strict=True):
        width, height, fronts = front_page
        assert back_page[:2] == (width, height)
        backs = back_page[2]
        names = sorted(word for word in fronts if word.startswith("Zq"))
        assert names == sorted(word for word in backs if word.startswith("Zq"))
        for name in names:
            front_centre = centre(fronts[name])
            back_centre = centre(backs[name])
            flipped = printer_flip(mode, width, height, *back_centre)
            assert flipped == pytest.approx(front_centre, abs=CLOSE), name
            assert marker_is_above(fronts, f"F-{name}", front_centre)
            # Upright where the paper turns about the page's vertical axis (as a lanyard badge
            # turns); turned half a turn where it turns about the horizontal one.
            upright = printer_flip(mode, width, height, 0, 1) == (width, 1)
            assert marker_is_above(backs, f"B-{name}", back_centre) is upright
        seen += len(names)
    assert seen == count


@pytest.mark.parametrize(
    ("badge", "sheet", "per_sheet"),
    [("cr80", "a4-2x2", 4), ("cr80", "auto-letter", 4), ("a6", "one-per-page", 1)],
    ids=lambda value: str(value),
)
def test_fold_puts_the_back_above_the_front_turned(
    tmp_path: Path, badge: str, sheet: Sheet, per_sheet: int
) -> None:
    count = per_sheet + 1
    pdf = render(tmp_path, badge, sheet, "fold", count)
    pages = read_pages(pdf)
    assert page_count(pdf) == 2  # one side of paper: a full sheet and a partial one
    badge_height = BADGES_MM[badge][1] * MM
    seen = 0
    for width, height, words in pages:
        if sheet == "one-per-page":
            assert (width, height) == pytest.approx((BADGES_MM[badge][0] * MM, 2 * badge_height), abs=0.01)
        for name in (word for word in words if word.startswith("Zq")):
            # Four words: the back's pair above, the front's below.
            boxes = sorted(words[name], key=lambda box: box[1] + box[3])
            back_centre, front_centre = centre(boxes[:2]), centre(boxes[2:])
            # Folded backwards along the front's top edge: the back's centre mirrored about the
            # fold is the front's.
            fold = front_centre[1] - badge_height / 2
            assert back_centre[0] == pytest.approx(front_centre[0], abs=CLOSE)
            assert 2 * fold - back_centre[1] == pytest.approx(front_centre[1], abs=CLOSE)
            assert marker_is_above(words, f"F-{name}", front_centre)
            assert not marker_is_above(words, f"B-{name}", back_centre)  # turned half a turn
            seen += 1
    assert seen == count


def test_both_sides_need_a_template_with_a_back() -> None:
    one_sided = compile_template(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="85.6mm" height="54mm"><text x="5" y="20">'
        b"{{name}}</text></svg>"
    )
    assert one_sided.back is None
    with pytest.raises(RenderInputError) as refused:
        make_plan(one_sided, BadgeOptions(sides="both"), columns_available=["name"])
    assert refused.value.location == "options.sides"
    # The front alone needs no back.
    assert make_plan(one_sided, BadgeOptions(), columns_available=["name"]).imposition is None


def test_a_fold_that_does_not_fit_the_sheet_is_refused() -> None:
    template = compile_template(two_sided_svg(*BADGES_MM["a6"]))
    with pytest.raises(RenderInputError) as refused:
        make_plan(
            template, BadgeOptions(sheet="a4-2x2", sides="both", duplex="fold"), columns_available=["name"]
        )
    assert refused.value.location == "sheet"
    assert "fold" in refused.value.message
    assert "105 x 296 mm badge does not fit the a4-2x2 sheet" in refused.value.message
    # A label a badge fits but its fold does not: refused the same way.
    template = compile_template(two_sided_svg(*BADGES_MM["4x3in"]))
    with pytest.raises(RenderInputError, match="larger than the label"):
        make_plan(
            template,
            BadgeOptions(sheet="avery-5392", sides="both", duplex="fold"),
            columns_available=["name"],
        )


def one_side_svg(width_mm: float, height_mm: float, text: str) -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {width_mm} {height_mm}"><text x="5" y="20" font-size="5">{text}</text>'
        f'<rect x="40" y="10" width="20" height="20" data-qr=""/></svg>'
    ).encode()


def test_a_second_svg_is_the_back_and_must_be_the_same_size(tmp_path: Path) -> None:
    front = one_side_svg(85.6, 54, "Front {{name}}")
    template = compile_template(front, back=one_side_svg(85.6, 54, "Back {{organization}}"))
    assert template.back is not None
    assert template.back.placeholders == ["organization"]
    assert template.back.qr is not None  # the back has its own QR box
    plan = make_plan(template, BadgeOptions(sides="both"), columns_available=["name", "organization"])
    output = tmp_path / "two.pdf"
    render_pdf(plan, [{"name": "Ada", "organization": "Analytical"}], str(output))
    assert [sorted(words) for _, _, words in read_pages(output)] == [["Ada", "Front"], ["Analytical", "Back"]]
    # The back's fields need their columns as the front's do: one missing is reported.
    plan = make_plan(template, BadgeOptions(sides="both"), columns_available=["name"])
    assert plan.missing_fields == ("organization",)

    with pytest.raises(RenderInputError) as refused:
        compile_template(front, back=one_side_svg(105, 148, "{{name}}"))
    assert refused.value.location == "back"
    assert "105 x 148 mm" in refused.value.message
    assert "85.6 x 54 mm" in refused.value.message
    with pytest.raises(RenderInputError) as refused:
        compile_template(front, back=b"<svg><script>alert(1)</script></svg>")
    assert refused.value.location == "back"
    with pytest.raises(RenderInputError) as refused:
        compile_template(two_sided_svg(85.6, 54), back=one_side_svg(85.6, 54, "{{name}}"))
    assert refused.value.location == "back"


def test_the_data_side_groups_are_two_templates() -> None:
    template = compile_template(two_sided_svg(85.6, 54))
    assert template.back is not None
    assert template.fields
    assert template.back.fields
    assert {field.template for field in template.fields} == {"{{name}}", "F-{{name}}"}
    assert {field.template for field in template.back.fields} == {"{{name}}", "B-{{name}}"}
    for built_in in ("classic", "landscape", "card"):
        compiled = built_in_template(built_in)
        assert compiled.back is not None
        assert "name" in compiled.back.placeholders
        assert compiled.qr is not None
        assert compiled.back.qr is None


def test_one_file_per_attendee_has_both_sides(tmp_path: Path) -> None:
    template = compile_template(two_sided_svg(*BADGES_MM["cr80"]))
    people = rows(2)
    for mode, pages in (("long-edge", 2), ("short-edge", 2), ("fold", 1)):
        plan = make_plan(
            template,
            BadgeOptions(output="zip", sides="both", duplex=mode, sheet="a4-2x4"),
            columns_available=["name"],
        )
        output = tmp_path / f"{mode}.zip"
        result = write_zip(plan, people, str(output))
        assert result.badges == 2
        with zipfile.ZipFile(output) as archive:
            assert archive.namelist() == ["Zq000x.pdf", "Zq001x.pdf"]
            member = tmp_path / f"{mode}-member.pdf"
            member.write_bytes(archive.read("Zq001x.pdf"))
        assert page_count(member) == pages
        words = [page[2] for page in read_pages(member)]
        assert "F-Zq001x" in words[0]
        assert "B-Zq001x" in words[-1]
    plan = make_plan(
        template,
        BadgeOptions(output="zip", zip_format="png", dpi=100, sides="both"),
        columns_available=["name"],
    )
    output = tmp_path / "png.zip"
    write_zip(plan, [*people, people[0]], str(output), zip_format="png", dpi=100)
    with zipfile.ZipFile(output) as archive:
        assert archive.namelist() == [
            "Zq000x.png",
            "Zq000x-back.png",
            "Zq001x.png",
            "Zq001x-back.png",
            "Zq000x (2).png",
            "Zq000x (2)-back.png",
        ]
        front, back = (
            Image.open(io.BytesIO(archive.read(name))) for name in ("Zq000x.png", "Zq000x-back.png")
        )
        assert front.size == back.size == (round(85.6 / 25.4 * 100), round(54 / 25.4 * 100))
        assert front.tobytes() != back.tobytes()


def test_parts_rendered_side_by_side_keep_fronts_and_backs_paired(tmp_path: Path) -> None:
    template = compile_template(two_sided_svg(*BADGES_MM["cr80"]))
    plan = make_plan(
        template, BadgeOptions(sheet="a4-2x4", sides="both", duplex="long-edge"), columns_available=["name"]
    )
    people = rows(2003)  # 251 sheets, the last with 3 badges
    # One name too long for its line, in the second part: reported on its front's page.
    people[1500] = {"name": "Zq1500x " + "Wide " * 40}
    output = tmp_path / "parts.pdf"
    result = render_pdf(plan, people, str(output), processes=2)
    (flagged,) = result.tally.badges
    assert (flagged.row, flagged.slot) == (1501, 1500 % 8 + 1)
    assert flagged.page == 2 * (1500 // 8) + 1
    assert "Zq1500x" in read_pages(output)[flagged.page - 1][2]
    assert result.processes == 2
    assert result.badges == 2003
    assert result.pages == page_count(output) == 2 * 251
    pages = read_pages(output)
    # Every sheet is still a front page then its back page, across the join.
    for number in (0, 124, 125, 126, 250):
        (width, height, fronts), (_, _, backs) = pages[2 * number], pages[2 * number + 1]
        names = [word for word in fronts if word.startswith("Zq")]
        assert names == [f"Zq{index:03d}x" for index in range(8 * number, min(8 * number + 8, 2003))]
        for name in names:
            flipped = printer_flip("long-edge", width, height, *centre(backs[name]))
            assert flipped == pytest.approx(centre(fronts[name]), abs=CLOSE)


def dark_run(image: Image.Image, y: float, x_from: float, x_to: float, scale: float) -> int:
    """How many dark pixels the rows at page height `y` (points) have between two page widths, at
    most, over the pixel rows a hairline there may fall on."""
    columns = range(round(x_from * scale), round(x_to * scale))
    return max(
        sum(1 for column in columns if image.getpixel((column, row)) < 160)
        for row in range(math.floor(y * scale) - 1, math.ceil(y * scale) + 2)
    )


def test_fold_marks_and_crop_marks_follow_the_fold_and_the_cut(tmp_path: Path) -> None:
    pdf = render(tmp_path, "cr80", "a4-2x2", "fold", 4)
    _, _, words = read_pages(pdf)[0]
    dpi = 288
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    image = Image.open(tmp_path / "page.png").convert("L")
    scale = dpi / 72
    badge_width, badge_height = (side * MM for side in BADGES_MM["cr80"])
    boxes = sorted(words["Zq000x"], key=lambda box: box[1] + box[3])
    front_x, front_y = centre(boxes[2:])
    left_edge = front_x - badge_width / 2
    fold = front_y - badge_height / 2
    top_cut, bottom_cut = fold - badge_height, fold + badge_height
    mark_room = (left_edge - 4.5 * MM, left_edge - 1.5 * MM)  # in the margin left of the first slot
    # A dashed mark carries the fold into the margin, crop marks the outer cuts.
    fold_mark = dark_run(image, fold, *mark_room, scale)
    assert 0 < fold_mark < (mark_room[1] - mark_room[0]) * scale * 0.9  # dashed: gaps between dashes
    assert dark_run(image, top_cut, *mark_room, scale) > (mark_room[1] - mark_room[0]) * scale * 0.9
    assert dark_run(image, bottom_cut, *mark_room, scale) > (mark_room[1] - mark_room[0]) * scale * 0.9
    # Nothing marks a cut where the front's top edge would be if it were cut there: it is the fold.
    assert dark_run(image, fold - 3 * MM, *mark_room, scale) == 0
