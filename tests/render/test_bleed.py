"""Bleed and page boxes, read as a printer reads them: pdfinfo's boxes, qpdf's check, pixels.

A template with `data-bleed` draws past its trim; a page of one-per-page is the badge and its
bleed with the badge as its TrimBox; a sheet draws each badge's bleed (no more than half the gap)
and starts its crop marks beyond it; every page of every PDF has a TrimBox.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from api.render.boxes import add_page_boxes, page_boxes_bytes
from api.render.builtin import built_in_template, make_plan
from api.render.cli import badges_group
from api.render.document import render_pdf, render_png
from api.render.errors import RenderInputError
from api.render.findings import BadgeFindings, Finding
from api.render.options import BadgeOptions, CustomSheet
from api.render.pdfjoin import PdfJoinError
from api.render.proof import render_proof
from api.render.sheets import MM, bleed_note, mark_offset
from api.render.tasks import BadgeSpec, TemplateSource, preview_badge
from api.render.template import compile_template
from api.render.zipped import write_zip
from tests.support.pdf import near, raster

BLEED_MM = 3.0
# 85 x 55 mm. The pale artwork runs 3 mm past every edge (and further, to be clipped); a red band
# across the top reaches into the bleed too. Nothing is dark, so a dark pixel is a crop mark.
BLEED_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="85mm" height="55mm" viewBox="0 0 85 55"
     data-bleed="3">
  <rect x="-6" y="-6" width="97" height="67" fill="#ffd8a8" data-background=""/>
  <rect x="-6" y="-6" width="97" height="16" fill="#e03131" data-ticket-color=""/>
  <text x="5" y="30" font-size="6" fill="#ffffff">{{name}}</text>
</svg>"""
NO_BLEED_SVG = BLEED_SVG.replace(b' data-bleed="3"', b"")
ROWS = [{"name": "Ada Lovelace"}, {"name": "Grace Hopper"}, {"name": "Alan Turing"}]
PALE = (0xFF, 0xD8, 0xA8)
RED = (0xE0, 0x31, 0x31)


def boxes(path: Path, first: int = 1, last: int = 2) -> dict[int, dict[str, tuple[float, ...]]]:
    """Each page's boxes in points, as pdfinfo -box prints them."""
    found: dict[int, dict[str, tuple[float, ...]]] = {}
    output = subprocess.run(
        ["pdfinfo", "-box", "-f", str(first), "-l", str(last), str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for page, name, values in re.findall(r"Page\s+(\d+) (\w+Box):\s+([-\d. ]+)", output):
        found.setdefault(int(page), {})[name] = tuple(float(value) for value in values.split())
    return found


def qpdf_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)


def assert_qpdf_passes(path: Path) -> None:
    checked = qpdf_check(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout


def pdf(
    template_svg: bytes, tmp_path: Path, rows=ROWS, name: str = "out.pdf", **options
) -> tuple[Path, object]:
    template = compile_template(template_svg)
    plan = make_plan(template, BadgeOptions(**options), columns_available=["name"])
    path = tmp_path / name
    result = render_pdf(plan, rows, str(path))
    return path, result


# The template ---------------------------------------------------------------------------------


def test_data_bleed_is_read_in_millimetres_and_the_recording_holds_the_artwork_past_the_trim():
    template = compile_template(BLEED_SVG)

    assert template.bleed == pytest.approx(BLEED_MM * MM)
    assert template.extents == pytest.approx((-3 * MM, -3 * MM, 91 * MM, 61 * MM))
    # The artwork was drawn 6 mm past the trim and kept 3 mm of it: cairo's ink extents (whole
    # points, rounded outwards) reach the bleed and stop there.
    x, y, width, height = template.static.ink_extents()
    assert x == pytest.approx(-3 * MM, abs=1)
    assert y == pytest.approx(-3 * MM, abs=1)
    assert width == pytest.approx(91 * MM, abs=2)
    assert height == pytest.approx(61 * MM, abs=2)


def test_without_data_bleed_the_artwork_stops_at_the_trim_as_before():
    template = compile_template(NO_BLEED_SVG)

    assert template.bleed == 0
    x, y, width, height = template.static.ink_extents()
    assert (x, y) == (0, 0)
    assert width == pytest.approx(85 * MM, abs=1)
    assert height == pytest.approx(55 * MM, abs=1)


@pytest.mark.parametrize("value", ["3mm", " 2.5 ", "0", "10"])
def test_data_bleed_takes_millimetres_from_0_to_10(value):
    svg = BLEED_SVG.replace(b'data-bleed="3"', f'data-bleed="{value}"'.encode())
    expected = float(value.strip().removesuffix("mm"))
    assert compile_template(svg).bleed == pytest.approx(expected * MM)


@pytest.mark.parametrize("value", ["10.5", "-1", "3px", "abc", "nan", "inf", ""])
def test_a_bad_data_bleed_is_refused_naming_the_attribute(value):
    svg = BLEED_SVG.replace(b'data-bleed="3"', f'data-bleed="{value}"'.encode())
    with pytest.raises(RenderInputError, match="data-bleed must be a number of millimetres from 0 to 10"):
        compile_template(svg)


# One badge per page ---------------------------------------------------------------------------


def test_one_per_page_with_bleed_is_the_badge_and_its_bleed_with_the_badge_as_trimbox(tmp_path):
    path, _ = pdf(BLEED_SVG, tmp_path)

    pages = boxes(path)
    assert set(pages) == {1, 2}
    bleed = BLEED_MM * MM
    for page in pages.values():
        assert page["MediaBox"] == pytest.approx((0, 0, 85 * MM + 2 * bleed, 55 * MM + 2 * bleed), abs=0.01)
        assert page["TrimBox"] == pytest.approx((bleed, bleed, 85 * MM + bleed, 55 * MM + bleed), abs=0.01)
        assert page["BleedBox"] == page["MediaBox"]
    assert_qpdf_passes(path)


def test_the_artwork_past_the_trim_prints_in_the_bleed(tmp_path):
    path, _ = pdf(BLEED_SVG, tmp_path)
    image = raster(path, tmp_path, dpi=72)  # 1 px = 1 pt

    bleed = round(BLEED_MM * MM)
    assert image.size == (round(91 * MM), round(61 * MM))
    # Inside the bleed, 1.5 mm outside the trim: the red band at the top, the pale base below.
    assert near(image.getpixel((image.width // 2, 2)), RED)
    assert near(image.getpixel((2, image.height // 2)), PALE)
    assert near(image.getpixel((image.width - 3, image.height - 3)), PALE)
    # And the trim's corner itself is drawn as before.
    assert near(image.getpixel((bleed + 2, image.height - bleed - 2)), PALE)


def test_without_bleed_the_trimbox_is_the_mediabox_on_every_page(tmp_path):
    template = built_in_template("classic")
    plan = make_plan(template, BadgeOptions(), columns_available=["name"])
    path = tmp_path / "classic.pdf"
    render_pdf(plan, ROWS, str(path))

    for page in boxes(path).values():
        assert page["MediaBox"] == pytest.approx((0, 0, 105 * MM, 148 * MM), abs=0.01)
        assert page["TrimBox"] == page["BleedBox"] == page["MediaBox"]
    assert_qpdf_passes(path)


def test_two_processes_write_the_boxes_on_every_page_of_the_joined_file(tmp_path):
    rows = [{"name": f"Person {number}"} for number in range(2_200)]
    template = compile_template(BLEED_SVG)
    plan = make_plan(template, BadgeOptions(), columns_available=["name"])
    path = tmp_path / "joined.pdf"

    result = render_pdf(plan, rows, str(path), processes=2)

    assert result.processes == 2
    bleed = BLEED_MM * MM
    # The first part's last page, the second part's first page, and the very last page.
    for first in (1, 1_100, 1_101, 2_200):
        page = boxes(path, first, first)[first]
        assert page["TrimBox"] == pytest.approx((bleed, bleed, 85 * MM + bleed, 55 * MM + bleed), abs=0.01)
        assert page["BleedBox"] == page["MediaBox"]
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2200", info)
    assert_qpdf_passes(path)
    assert not [leftover for leftover in tmp_path.iterdir() if leftover.name.startswith(".")]


def test_zip_pdf_members_carry_the_boxes_and_png_members_are_the_badge_as_cut(tmp_path):
    template = compile_template(BLEED_SVG)
    plan = make_plan(template, BadgeOptions(output="zip"), columns_available=["name"])
    pdfs, pngs = tmp_path / "pdfs.zip", tmp_path / "pngs.zip"
    write_zip(plan, ROWS[:1], str(pdfs))
    write_zip(plan, ROWS[:1], str(pngs), zip_format="png", dpi=72)

    with zipfile.ZipFile(pdfs) as archive:
        member = tmp_path / "member.pdf"
        member.write_bytes(archive.read(archive.namelist()[0]))
    page = boxes(member, 1, 1)[1]
    bleed = BLEED_MM * MM
    assert page["TrimBox"] == pytest.approx((bleed, bleed, 85 * MM + bleed, 55 * MM + bleed), abs=0.01)
    assert_qpdf_passes(member)
    with zipfile.ZipFile(pngs) as archive:
        image = Image.open(io.BytesIO(archive.read(archive.namelist()[0])))
    assert image.size == (round(85 * MM), round(55 * MM))


def test_the_proof_sheet_has_a_trimbox_too(tmp_path):
    template = compile_template(BLEED_SVG)
    plan = make_plan(template, BadgeOptions(sheet="a4-2x4"), columns_available=["name"])
    path = tmp_path / "proof.pdf"
    finding = Finding("shrunk", "shrunk to 5 pt (from 6 pt) to fit", field="name", size_pt=5.0)
    render_proof(plan, [(ROWS[0], BadgeFindings(2, 1, 1, (finding,)))], str(path))

    page = boxes(path, 1, 1)[1]
    assert page["TrimBox"] == page["BleedBox"] == page["MediaBox"]
    assert_qpdf_passes(path)


# Sheets ---------------------------------------------------------------------------------------


def dark_pixels(image: Image.Image) -> set[tuple[int, int]]:
    gray = image.convert("L")
    width = gray.width
    return {(index % width, index // width) for index, value in enumerate(gray.tobytes()) if value < 100}


def test_on_a_grid_each_badge_bleeds_half_the_gap_and_crop_marks_start_outside_it(tmp_path):
    # A4 2 x 4 of 85 x 55 mm: 5 mm gaps, so each badge keeps 2.5 mm of its 3 mm bleed.
    template = compile_template(BLEED_SVG)
    plan = make_plan(template, BadgeOptions(sheet="a4-2x4"), columns_available=["name"])
    sheet = plan.sheet
    assert sheet.gap == pytest.approx(5 * MM)
    assert sheet.bleed == pytest.approx(2.5 * MM)
    assert mark_offset(sheet) == pytest.approx(3.5 * MM)
    path = tmp_path / "grid.pdf"
    render_pdf(plan, ROWS * 3, str(path))

    page = boxes(path, 1, 1)[1]
    assert page["TrimBox"] == page["BleedBox"] == page["MediaBox"]  # a sheet is cut at its marks
    scale = 4  # 288 dpi: a 0.25 pt mark is a pixel wide
    image = raster(path, tmp_path, dpi=72 * scale)
    marks = dark_pixels(image)
    assert len(marks) > 100  # the marks are there
    for x, y in sheet.slots():
        # No mark pixel within the badge, its bleed, or the first 0.8 mm beyond it.
        clear = sheet.bleed + 0.8 * MM
        left, top = (x - clear) * scale, (y - clear) * scale
        right = (x + sheet.badge_width + clear) * scale
        bottom = (y + sheet.badge_height + clear) * scale
        inside = [(px, py) for px, py in marks if left < px < right and top < py < bottom]
        assert not inside, (x, y, inside[:5])
        # The bleed is printed: 2 mm left of the trim is pale artwork, 3 mm left of it is paper
        # (the first column) or the neighbour's bleed (the second).
        row_middle = round((y + sheet.badge_height / 2) * scale)
        assert near(image.getpixel((round((x - 2 * MM) * scale), row_middle)), PALE)
    first_x, first_y = sheet.slots()[0]
    paper = image.getpixel((round((first_x - 3 * MM) * scale), round((first_y + 20 * MM) * scale)))
    assert near(paper, (255, 255, 255))


def test_the_crop_marks_of_a_sheet_without_bleed_are_where_they_always_were(tmp_path):
    template = compile_template(NO_BLEED_SVG)
    plan = make_plan(template, BadgeOptions(sheet="a4-2x4"), columns_available=["name"])
    assert plan.sheet.bleed == 0
    assert mark_offset(plan.sheet) == pytest.approx(1 * MM)


def test_a_gap_narrower_than_two_bleeds_shrinks_the_bleed_to_half_of_it():
    template = compile_template(BLEED_SVG)
    narrow = BadgeOptions(sheet=CustomSheet(page="a4", columns=2, rows=4, gap_mm=2, margin_mm=10))
    none = BadgeOptions(sheet=CustomSheet(page="a4", columns=2, rows=4, gap_mm=0, margin_mm=10))
    wide = BadgeOptions(sheet=CustomSheet(page="a4", columns=2, rows=2, gap_mm=8, margin_mm=10))

    assert make_plan(template, narrow, columns_available=["name"]).sheet.bleed == pytest.approx(1 * MM)
    assert make_plan(template, none, columns_available=["name"]).sheet.bleed == 0
    assert make_plan(template, wide, columns_available=["name"]).sheet.bleed == pytest.approx(3 * MM)


def test_label_sheets_print_nothing_past_the_template(tmp_path):
    # Avery 5395 labels are 85.7 x 59.3 mm: an 85 x 55 mm template fits, centred, with no bleed.
    template = compile_template(BLEED_SVG)
    plan = make_plan(template, BadgeOptions(sheet="avery-5395"), columns_available=["name"])
    assert plan.sheet.bleed == 0
    path = tmp_path / "labels.pdf"
    render_pdf(plan, ROWS, str(path))

    image = raster(path, tmp_path, dpi=72)
    x, y = plan.sheet.slots()[0]
    middle = round(y + 30 * MM)
    assert near(image.getpixel((round(x + 1 * MM), middle)), PALE)
    assert near(image.getpixel((round(x - 1 * MM), middle)), (255, 255, 255))


def test_a_background_image_covers_the_bleed(tmp_path):
    svg = BLEED_SVG
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 90, 200)).save(buffer, format="PNG")
    template = compile_template(svg)
    plan = make_plan(template, BadgeOptions(), columns_available=["name"], background=buffer.getvalue())
    path = tmp_path / "background.pdf"
    render_pdf(plan, ROWS[:1], str(path))

    image = raster(path, tmp_path, dpi=72)
    # In the left bleed, halfway down: the image, not the template's own (left out) base colour.
    assert near(image.getpixel((3, image.height // 2)), (20, 90, 200))


# Previews -------------------------------------------------------------------------------------


def spec_for(svg: bytes) -> BadgeSpec:
    source = TemplateSource(svg=svg, sha256=hashlib.sha256(svg).hexdigest())
    return BadgeSpec(template=source, options=BadgeOptions(), columns=["name"])


def test_a_png_preview_shows_the_bleed_and_with_trim_line_where_it_is_cut():
    scale = 4  # 288 dpi: the 0.5 pt line is 2 pixels wide
    plain = preview_badge(lambda _: None, spec_for(BLEED_SVG), ROWS[0], 72 * scale, "png", 10**8)
    lined = preview_badge(
        lambda _: None, spec_for(BLEED_SVG), ROWS[0], 72 * scale, "png", 10**8, trim_line=True
    )

    shown = Image.open(io.BytesIO(plain.content)).convert("RGB")
    marked = Image.open(io.BytesIO(lined.content)).convert("RGB")
    assert shown.size == marked.size == (round(91 * MM * scale), round(61 * MM * scale))
    middle = shown.height // 2
    assert near(shown.getpixel((4, middle)), PALE)  # the bleed, as it prints
    # With the trim line the bleed is veiled (lighter than the artwork) ...
    veiled = marked.getpixel((4, middle))
    assert sum(veiled) > sum(PALE) + 20
    assert not near(veiled, (255, 255, 255), 5)
    # ... and the trim's column has dark dashes where the artwork has none.
    trim_x = round(3 * MM * scale)
    rows = range(80, marked.height - 80)
    assert sum(1 for y in rows if sum(marked.getpixel((trim_x, y))) < 150) > len(rows) / 4
    assert not any(sum(shown.getpixel((trim_x, y))) < 150 for y in rows)


def test_a_png_preview_shows_the_bleed_the_jobs_sheet_prints():
    def size(sheet: str) -> tuple[int, int]:
        spec = spec_for(BLEED_SVG)
        spec = BadgeSpec(template=spec.template, options=BadgeOptions(sheet=sheet), columns=["name"])
        preview = preview_badge(lambda _: None, spec, ROWS[0], 72, "png", 10**8)
        return Image.open(io.BytesIO(preview.content)).size

    assert size("one-per-page") == (round(91 * MM), round(61 * MM))
    assert size("a4-2x4") == (round(90 * MM), round(60 * MM))  # 2.5 mm: half the 5 mm gap
    assert size("avery-5395") == (round(85 * MM), round(55 * MM))  # pre-cut labels: none


def test_a_pdf_preview_is_a_page_of_one_per_page_and_may_carry_the_trim_line(tmp_path):
    plain = preview_badge(lambda _: None, spec_for(BLEED_SVG), ROWS[0], 72, "pdf", 10**8)
    lined = preview_badge(lambda _: None, spec_for(BLEED_SVG), ROWS[0], 72, "pdf", 10**8, trim_line=True)

    for name, preview in (("plain.pdf", plain), ("lined.pdf", lined)):
        path = tmp_path / name
        path.write_bytes(preview.content)
        page = boxes(path, 1, 1)[1]
        bleed = BLEED_MM * MM
        assert page["TrimBox"] == pytest.approx((bleed, bleed, 85 * MM + bleed, 55 * MM + bleed), abs=0.01)
        assert_qpdf_passes(path)
    assert len(lined.content) > len(plain.content)  # the line and the veil are drawn


def test_a_template_without_bleed_previews_as_before():
    template = built_in_template("classic")
    plan = make_plan(template, BadgeOptions(), columns_available=["name"])
    image = Image.open(io.BytesIO(render_png(plan, ROWS[0], dpi=72, bleed=3 * MM)))
    assert image.size == (round(105 * MM), round(148 * MM))


def test_the_cli_renders_with_the_bleed_and_draws_the_trim_line_only_in_its_preview(tmp_path):
    template = tmp_path / "bleed.svg"
    template.write_bytes(BLEED_SVG)
    attendees = tmp_path / "people.csv"
    attendees.write_text("name\nAda Lovelace\nGrace Hopper\n")
    output, preview = tmp_path / "badges.pdf", tmp_path / "first.png"

    result = CliRunner().invoke(
        badges_group,
        [
            *("render", str(attendees), "--template", str(template), "-o", str(output), "-q"),
            *("--preview", str(preview), "--trim-line"),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "Bleed: 3 mm past the trim on every side; each page's TrimBox is the badge." in result.output
    bleed = BLEED_MM * MM
    assert boxes(output)[1]["TrimBox"] == pytest.approx(
        (bleed, bleed, 85 * MM + bleed, 55 * MM + bleed), abs=0.01
    )
    image = Image.open(preview).convert("RGB")
    assert image.size == (round(91 * MM * 150 / 72), round(61 * MM * 150 / 72))
    page = raster(output, tmp_path, dpi=72)
    trim_x = round(3 * MM)
    assert not any(sum(page.getpixel((trim_x, y))) < 200 for y in range(20, page.height - 20))


# The boxes themselves -------------------------------------------------------------------------


def test_boxes_are_added_once_and_anything_but_cairos_layout_is_refused(tmp_path):
    path, _ = pdf(BLEED_SVG, tmp_path)
    before = path.read_bytes()
    add_page_boxes(path, 8.5)  # already there: the pages stay as they are
    assert path.read_bytes().count(b"/TrimBox") == before.count(b"/TrimBox") == 3

    with pytest.raises(PdfJoinError):
        page_boxes_bytes(b"%PDF-1.5\nnot a pdf at all\n", 0)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(PdfJoinError):
        add_page_boxes(empty, 0)
    assert [entry.name for entry in tmp_path.iterdir() if entry.name.startswith(".")] == []


def test_the_note_says_what_became_of_the_bleed_on_each_kind_of_sheet():
    template = compile_template(BLEED_SVG)

    def note(sheet) -> str | None:
        plan = make_plan(template, BadgeOptions(sheet=sheet), columns_available=["name"])
        return bleed_note(plan.sheet, template.bleed)

    assert (
        note("one-per-page") == "Bleed: 3 mm past the trim on every side; each page's TrimBox is the badge."
    )
    assert note(CustomSheet(columns=2, rows=2, gap_mm=8)) == (
        "Bleed: 3 mm past each badge's trim; the crop marks start 1 mm beyond it."
    )
    assert note("a4-2x4").startswith("Bleed: the template's 3 mm printed as 2.5 mm, half the gap")
    assert note("avery-5395") == "Bleed: the template's 3 mm is not printed: the labels are pre-cut."
    assert note(CustomSheet(columns=2, rows=2, gap_mm=0)).endswith("the sheet has no room between badges.")
    assert bleed_note(make_plan(template, BadgeOptions(), columns_available=["name"]).sheet, 0.0) is None


def test_a_ticket_colour_tints_the_bleed_too():
    template = compile_template(BLEED_SVG)
    plan = make_plan(
        template, BadgeOptions(), columns_available=["name", "ticket"], ticket_colors={"VIP": "#0000ff"}
    )
    png = render_png(plan, {"name": "Ada", "ticket": "VIP"}, dpi=72, bleed=template.bleed)

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert near(image.getpixel((2, 2)), (0, 0, 255))  # the band's corner, in the bleed
    assert near(image.getpixel((2, image.height // 2)), PALE)
