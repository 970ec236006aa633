"""Whole documents read as a printer would: pages, embedded fonts, one image object, the text."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from api.render.attendees import read_attendees
from api.render.document import BadgePlan, FieldOverride, render_pdf, render_png
from api.render.images import load_image
from api.render.options import QrSpec
from api.render.sheets import BadgeSize, resolve_sheet
from api.render.template import compile_template
from tests.support.pdf import pdffonts, pdftotext

CLASSIC = Path(__file__).resolve().parents[2] / "api" / "render" / "templates" / "classic.svg"


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def plan_for(sheet: str | dict, **extra) -> BadgePlan:
    template = compile_template(CLASSIC.read_bytes())
    layout = resolve_sheet(sheet, BadgeSize("classic", template.width, template.height))
    return BadgePlan(template, layout, constants={"event": "FOSSASIA Summit 2026"}, **extra)


@pytest.fixture(scope="module")
def multiscript(shared_data):
    return read_attendees((shared_data / "attendees-multiscript.csv").read_bytes())


def photo_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((800, 1000), 40).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.mark.parametrize(("sheet", "per_page"), [("one-per-page", 1), ("a4-2x2", 4)])
def test_page_count_follows_rows_and_layout(tmp_path, multiscript, sheet, per_page):
    pdf = tmp_path / "badges.pdf"

    result = render_pdf(plan_for(sheet), multiscript.rows, str(pdf))

    expected_pages = -(-len(multiscript) // per_page)
    assert (result.badges, result.pages) == (len(multiscript), expected_pages)
    assert page_count(pdf) == expected_pages


def test_every_font_is_embedded_as_a_subset(tmp_path, multiscript):
    pdf = tmp_path / "badges.pdf"
    render_pdf(plan_for("a4-2x2"), multiscript.rows, str(pdf))

    fonts = pdffonts(pdf)
    assert len(fonts) >= 4
    assert all(font["emb"] == "yes" and font["sub"] == "yes" for font in fonts), fonts


def test_the_names_can_be_found_in_the_pdf_text(tmp_path, multiscript):
    pdf = tmp_path / "badges.pdf"
    render_pdf(plan_for("one-per-page"), multiscript.rows, str(pdf))

    # Words of a wrapped name land on two lines: compare with white space folded.
    text = " ".join(pdftotext(pdf).split())
    for name in [
        "Ada Lovelace",
        "Дмитрий Иванов",
        "Αλέξανδρος Παπαδόπουλος",
        "张伟",
        "佐藤 花子",
        "김민준",
        "Seán O'Brien",
    ]:
        assert name in text, name
    assert "Tom & Jerry <Holdings>" in text


def test_a_background_photo_is_one_image_object_for_every_page(tmp_path, multiscript):
    pdf = tmp_path / "badges.pdf"
    jpeg = photo_jpeg()

    render_pdf(plan_for("a4-2x2", background=load_image(jpeg, "cover")), multiscript.rows, str(pdf))

    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    # Colour emoji in two names are bitmaps of their own; the photo is the 800 x 1000 one.
    rows = [row for row in (line.split() for line in listing.splitlines()[2:]) if row[3:5] == ["800", "1000"]]
    assert len(rows) == len(multiscript)  # painted once per badge...
    assert {row[10] for row in rows} == {rows[0][10]}  # ...all the same object
    assert {row[8] for row in rows} == {"jpeg"}  # the original JPEG, not re-encoded pixels
    assert pdf.stat().st_size < len(jpeg) + 400_000


def test_field_overrides_change_size_and_colour(multiscript):
    plain = render_png(plan_for("one-per-page"), multiscript.rows[0], dpi=40)
    red = render_png(
        plan_for("one-per-page", overrides={"name": FieldOverride(color=(1, 0, 0, 1), size=30)}),
        multiscript.rows[0],
        dpi=40,
    )

    assert plain != red
    pixels = Image.open(io.BytesIO(red)).convert("RGB").tobytes()
    assert any(
        pixels[i] > 200 and pixels[i + 1] < 60 and pixels[i + 2] < 60 for i in range(0, len(pixels), 3)
    )


def test_a_png_preview_has_the_badge_size_at_the_dpi(multiscript):
    png = render_png(plan_for("one-per-page"), multiscript.rows[0], dpi=150)

    image = Image.open(io.BytesIO(png))
    assert image.size == (round(105 / 25.4 * 150), round(148 / 25.4 * 150))


def test_a_qr_code_is_a_stencil_mask_of_a_pixel_per_module(tmp_path, multiscript):
    pdf = tmp_path / "badges.pdf"
    render_pdf(plan_for("one-per-page", qr=QrSpec("email")), multiscript.rows[:1], str(pdf))

    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    # One 1-bit mask painted in the code's colour, as wide as the symbol (21 + 4 per version),
    # not smoothed when scaled: a raster picture of the code would be "image", not "stencil".
    assert [(row[2], row[7], row[9]) for row in rows] == [("stencil", "1", "no")]
    assert rows[0][3] == rows[0][4]
    assert (int(rows[0][3]) - 21) % 4 == 0


SAMPLE_FILES = [
    "attendees-multiscript.csv",
    "attendees-utf8-bom.csv",
    "attendees-utf16-tab.txt",
    "attendees-excel-cp1252-semicolon.csv",
]


def test_the_four_sample_files_give_the_same_badges(shared_data):
    plan = plan_for("one-per-page", qr=QrSpec("email", "vcard"))
    badges: dict[str, dict[str, bytes]] = {}
    for name in SAMPLE_FILES:
        table = read_attendees((shared_data / name).read_bytes())
        badges[name] = {row["name"]: render_png(plan, row, dpi=30) for row in table.rows}

    reference = badges["attendees-multiscript.csv"]
    for name, rendered in badges.items():
        assert rendered, name
        for attendee, png in rendered.items():
            assert png == reference[attendee], (name, attendee)
    # Windows-1252 holds only the rows it can encode; the others hold all twenty.
    assert len(badges["attendees-utf16-tab.txt"]) == len(reference) == 20
    assert len(badges["attendees-excel-cp1252-semicolon.csv"]) == 9


def test_a_background_image_shows_where_the_template_has_only_its_own_base_colour(multiscript):
    red_png = io.BytesIO()
    Image.new("RGB", (50, 70), (220, 20, 20)).save(red_png, "PNG")
    with_image = plan_for("one-per-page", background=load_image(red_png.getvalue(), "cover"))

    plain = Image.open(io.BytesIO(render_png(plan_for("one-per-page"), multiscript.rows[0], dpi=30)))
    photo = Image.open(io.BytesIO(render_png(with_image, multiscript.rows[0], dpi=30)))

    # A point between the organisation and the footer band: the template's white base otherwise.
    point = (5, round(92 / 25.4 * 30))
    assert plain.convert("RGB").getpixel(point) == (255, 255, 255)
    assert photo.convert("RGB").getpixel(point) == (220, 20, 20)
