"""vCard text, and QR codes drawn into a PDF: vectors only, and they scan back to their data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import cairocffi
import pytest
import segno
from PIL import Image

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf
from api.render.errors import RenderInputError
from api.render.options import BadgeOptions, QrSpec
from api.render.qr import _CANDIDATE_MASKS, Color, _layout, _penalty, _placed, draw_qr, encode, vcard
from tests.data.realistic_names import realistic_attendees

PAGE = 200.0
QR_LEFT, QR_TOP, QR_SIZE = 20.0, 20.0, 160.0


@pytest.fixture(scope="module")
def zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path is None:
        pytest.fail("zbarimg is missing: apt-get install zbar-tools")
    return path


def draw_into_pdf(tmp_path: Path, data: str, *, background: Color | None = None, **options: Any) -> Path:
    """One 200 pt page with the QR code in a 160 pt square, on an optional background colour."""
    pdf = tmp_path / "qr.pdf"
    surface = cairocffi.PDFSurface(str(pdf), PAGE, PAGE)
    ctx = cairocffi.Context(surface)
    if background:
        ctx.set_source_rgb(*background)
        ctx.paint()
    draw_qr(ctx, data, QR_LEFT, QR_TOP, QR_SIZE, **options)
    surface.finish()
    return pdf


def rasterise(pdf: Path, dpi: int) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", pdf, pdf.with_suffix("")], check=True)
    return pdf.with_suffix(".png")


def scan(zbarimg: str, png: Path) -> str:
    """What a scanner reads; --raw prints the data and a newline."""
    result = subprocess.run([zbarimg, "--quiet", "--raw", png], capture_output=True, check=True)
    return result.stdout.decode("utf-8").removesuffix("\n")


def test_a_vcard_has_crlf_lines_and_the_name_exactly_as_written():
    card = vcard("Ada Lovelace", "Analytical Engines Ltd", "ada@example.org")

    assert card == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "N:Lovelace;Ada;;;\r\n"
        "FN:Ada Lovelace\r\n"
        "ORG:Analytical Engines Ltd\r\n"
        "EMAIL:ada@example.org\r\n"
        "END:VCARD\r\n"
    )


def test_a_vcard_leaves_out_an_empty_organisation_and_email():
    card = vcard("Ada Lovelace")

    assert "ORG" not in card
    assert "EMAIL" not in card
    assert card.endswith("FN:Ada Lovelace\r\nEND:VCARD\r\n")


def test_a_vcard_escapes_backslashes_commas_semicolons_and_line_breaks():
    card = vcard("King, Jr.; Martin", "R&D; Tools\\Labs,\r\nBerlin\nMitte\rOst", "a;b@example.org")

    lines = card.split("\r\n")
    assert "FN:King\\, Jr.\\; Martin" in lines
    assert "N:Martin;King\\, Jr.\\;;;;" in lines
    assert "ORG:R&D\\; Tools\\\\Labs\\,\\nBerlin\\nMitte\\nOst" in lines
    assert "EMAIL:a\\;b@example.org" in lines
    assert "\n" not in card.replace("\r\n", "")
    assert "\r" not in card.replace("\r\n", "")


@pytest.mark.parametrize(
    ("name", "structured"),
    [
        ("Ada Lovelace", "Lovelace;Ada"),
        ("Nguyễn Thị Minh Khai", "Khai;Nguyễn Thị Minh"),
        ("  Ada   Lovelace ", "Lovelace;Ada"),
        ("محمد", "محمد;"),
        ("张伟", "张伟;"),
        ("王 小明", "王 小明;"),
        ("김 민준", "김 민준;"),
    ],
)
def test_a_vcard_takes_the_last_word_as_family_name_except_in_east_asian_names(name, structured):
    lines = vcard(name).split("\r\n")

    assert f"N:{structured};;;" in lines
    assert f"FN:{name}" in lines


def test_a_vcard_needs_a_name():
    with pytest.raises(RenderInputError) as caught:
        vcard("  ", "FOSSASIA")

    assert caught.value.location == "qr"


def image_listing(pdf: Path) -> list[dict[str, str]]:
    """`pdfimages -list`: one dict per image drawn, by the header's column names."""
    listing = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True, check=True)
    header, _rule, *rows = listing.stdout.splitlines()
    # "object ID" is one column spelt as two words: join them so that each name is one word.
    names = header.replace("object ID", "object").split()
    return [dict(zip(names, row.split(), strict=False)) for row in rows]


def test_a_drawn_qr_code_is_one_stencil_mask_with_a_pixel_per_module_and_no_smoothing(tmp_path):
    data = "https://eventyay.com/e/abc123"

    images = image_listing(draw_into_pdf(tmp_path, data))

    modules = encode(data, "m").size
    assert [(image["type"], image["width"], image["height"]) for image in images] == [
        ("stencil", str(modules), str(modules))
    ]
    assert images[0]["bpc"] == "1"
    assert images[0]["interp"] == "no"  # /Interpolate false: module edges stay sharp when scaled


def test_a_code_drawn_again_is_the_same_image_in_the_pdf_and_another_code_a_new_one(tmp_path):
    pdf = tmp_path / "pages.pdf"
    surface = cairocffi.PDFSurface(str(pdf), PAGE, PAGE)
    ctx = cairocffi.Context(surface)
    for data in ("https://eventyay.com/e/abc123", "https://eventyay.com/e/abc123", "another code"):
        draw_qr(ctx, data, QR_LEFT, QR_TOP, QR_SIZE)
        ctx.show_page()
    surface.finish()

    objects = [image["object"] for image in image_listing(pdf)]

    assert len(objects) == 3
    assert objects[0] == objects[1] != objects[2]


@pytest.mark.parametrize(
    "data",
    [
        "https://eventyay.com/e/abc123?ticket=42",
        "12345678901234567890",
        "Nguyễn Thị Minh Khai",
        "محمد",
        "张伟",
        "Søren Łukasz",
        "🎉 Ana",
    ],
)
def test_a_drawn_qr_code_scans_back_to_its_data(tmp_path, zbarimg, data):
    png = rasterise(draw_into_pdf(tmp_path, data), 300)

    assert scan(zbarimg, png) == data


def test_a_vcard_survives_the_round_trip_through_a_qr_code(tmp_path, zbarimg):
    card = vcard("Nguyễn Thị Minh Khai", "FOSSASIA; Hà Nội", "khai@example.org")

    png = rasterise(draw_into_pdf(tmp_path, card, error="q"), 300)

    assert scan(zbarimg, png) == card


def test_the_quiet_zone_is_painted_white_so_a_dark_badge_still_scans(tmp_path, zbarimg):
    png = rasterise(draw_into_pdf(tmp_path, "Søren", background=(0.1, 0.1, 0.3)), 300)

    assert scan(zbarimg, png) == "Søren"


def sample_modules(png: Path, count: int, origin: float, module: float, dpi: int) -> list[list[int]]:
    """Read a count x count grid of modules back from the picture: 1 where the module's centre is dark."""
    centres = [int((origin + (index + 0.5) * module) * dpi / 72) for index in range(count)]
    with Image.open(png) as image:
        grey = image.convert("L")
        return [[int(grey.getpixel((x, y)) < 128) for x in centres] for y in centres]


@pytest.mark.parametrize("has_quiet_zone", [True, False], ids=["quiet-zone", "no-quiet-zone"])
def test_the_symbol_fills_its_square_module_for_module(tmp_path, has_quiet_zone):
    data = "https://eventyay.com/e/abc123"
    expected = [list(row) for row in encode(data, "m").matrix]
    border = 4 if has_quiet_zone else 0
    count = len(expected) + 2 * border
    if has_quiet_zone:
        blank = [0] * count
        expected = [blank] * 4 + [[0] * 4 + row + [0] * 4 for row in expected] + [blank] * 4

    background = (0.2, 0.2, 0.2) if has_quiet_zone else None
    pdf = draw_into_pdf(tmp_path, data, background=background, quiet_zone=has_quiet_zone)

    assert sample_modules(rasterise(pdf, 144), count, QR_LEFT, QR_SIZE / count, 144) == expected


def test_the_modules_take_the_given_colour(tmp_path):
    pdf = draw_into_pdf(tmp_path, "colour", color=(0.0, 0.2, 0.6))

    with Image.open(rasterise(pdf, 72)) as image:
        # The top-left finder pattern's outer ring starts 4 modules in; its corner module is dark.
        module = QR_SIZE / (21 + 8)
        corner = int(QR_LEFT + 4.5 * module)
        assert image.convert("RGB").getpixel((corner, corner)) == pytest.approx((0, 51, 153), abs=2)


@pytest.fixture
def segno_as_the_standard_pads(monkeypatch: pytest.MonkeyPatch) -> None:
    """segno, with its one departure from ISO/IEC 18004 7.4.10 put right: where the bit stream
    already ends on a codeword boundary it adds a whole zero codeword before the pad codewords
    (8 - 0 zero bits), so its data codewords differ from the standard's in every such symbol (all
    byte-mode symbols without ECI). Readers accept both; the reference must pad as the standard does."""
    monkeypatch.setattr(
        segno.encoder, "write_padding_bits", lambda buff, _version, length: buff.extend([0] * (-length % 8))
    )


STANDARD_CASES = [
    ("https://eventyay.com/e/abc123?ticket=42", "byte", False),
    ("12345678901234567890", "numeric", False),
    ("HTTPS://EVENTYAY.COM/E/ABC", "alphanumeric", False),
    ("HTTPS://EVENTYAY.COM/E/ABCD", "alphanumeric", False),
    ("Nguyễn Thị Minh Khai", "byte", True),
    ("张伟 Søren", "byte", True),
    ("x" * 300, "byte", False),  # version 11 and up carry version information
    (vcard("Ada Lovelace", "Analytical Engines", "ada@example.org") * 3, "byte", False),
]


@pytest.mark.parametrize("level", ["l", "m", "q", "h"])
@pytest.mark.parametrize(
    ("data", "mode", "eci"),
    STANDARD_CASES,
    ids=[case[1] + str(index) for index, case in enumerate(STANDARD_CASES)],
)
def test_the_symbol_is_segnos_module_for_module_with_the_better_of_the_candidate_masks(
    segno_as_the_standard_pads, data, mode, eci, level
):
    ours = encode(data, level)
    options = {
        "micro": False,
        "mode": mode,
        "eci": eci,
        "encoding": "utf-8" if eci else None,
        "boost_error": True,
    }
    reference = segno.make(data, error=level, mask=ours.mask, **options)
    # segno scores a mask on the symbol with its format information in it, which the choice must
    # not depend on (ISO/IEC 18004 7.8.3 scores the data and function patterns); so each candidate
    # is scored on our own layout, as segno's evaluate_mask scores it.
    version, _level, placed = _placed(data, level)
    layout = _layout(version)
    scores = {
        mask: segno.encoder.evaluate_mask(
            as_matrix(layout, placed ^ layout.masks[mask]), layout.size, layout.size
        )
        for mask in _CANDIDATE_MASKS
    }

    assert ours.mask == min(_CANDIDATE_MASKS, key=lambda mask: (scores[mask], mask))
    assert (ours.version, ours.error) == (reference.version, reference.error.lower())
    assert [list(row) for row in ours.matrix] == [list(row) for row in reference.matrix]


def as_matrix(layout: Any, value: int) -> tuple[bytearray, ...]:
    width, size = layout.width, layout.size
    return tuple(
        bytearray((value >> ((row + 4) * width + column)) & 1 for column in range(size))
        for row in range(size)
    )


@pytest.mark.parametrize(
    "data", ["abc", "https://eventyay.com/e/abc123", "Nguyễn Thị Minh Khai " * 8, "x" * 400]
)
def test_every_masks_penalty_is_the_score_segno_gives_it(data):
    version, _level, placed = _placed(data, "m")
    layout = _layout(version)

    ours = [_penalty(layout, placed ^ mask) for mask in layout.masks]
    theirs = [
        segno.encoder.evaluate_mask(as_matrix(layout, placed ^ mask), layout.size, layout.size)
        for mask in layout.masks
    ]

    assert ours == theirs
    assert len(set(ours)) > 1  # the masks differ, so choosing the lowest means something


def test_data_too_long_for_any_qr_code_is_refused_with_its_length():
    surface = cairocffi.PDFSurface(None, PAGE, PAGE)

    with pytest.raises(RenderInputError, match="1000 characters \\(3000 bytes") as caught:
        draw_qr(cairocffi.Context(surface), "张" * 1000, 0, 0, PAGE)

    assert caught.value.location == "qr"
    assert "QR code" in caught.value.message


@pytest.mark.parametrize(("data", "error"), [("", "m"), ("data", "x")], ids=["no-data", "unknown-level"])
def test_empty_data_and_unknown_error_levels_are_refused(data, error):
    surface = cairocffi.PDFSurface(None, PAGE, PAGE)

    with pytest.raises(RenderInputError) as caught:
        draw_qr(cairocffi.Context(surface), data, 0, 0, PAGE, error=error)

    assert caught.value.location == "qr"


LONG_VCARD = vcard("முத்துக்குமாரசுவாமி இராமநாதன் பாலசுப்பிரமணியம்", "சென்னை தொழில்நுட்ப நிறுவனம்", "m@example.org")


def test_a_code_whose_modules_would_be_too_small_at_m_drops_to_l_when_that_makes_them_larger():
    surface = cairocffi.RecordingSurface(cairocffi.CONTENT_COLOR_ALPHA, None)
    at_m = draw_qr(cairocffi.Context(surface), LONG_VCARD, 0, 0, 60.0)
    at_m_with_room = draw_qr(cairocffi.Context(surface), LONG_VCARD, 0, 0, 60.0, min_module=0.1)
    just_enough = draw_qr(cairocffi.Context(surface), LONG_VCARD, 0, 0, 60.0, min_module=60.0 / (at_m + 8))
    wanting_more = draw_qr(
        cairocffi.Context(surface), LONG_VCARD, 0, 0, 60.0, min_module=60.0 / (at_m + 8) + 0.01
    )

    assert at_m_with_room == at_m  # M's modules are large enough: M stays
    assert just_enough == at_m  # modules exactly the smallest allowed are allowed
    assert wanting_more < at_m  # L holds the same data in fewer, larger modules


def test_a_code_dropped_to_l_still_scans_at_its_printed_size(tmp_path, zbarimg):
    # A 21 mm square (the card template's) printed at 300 dpi, as a badge printer would.
    side = 21 / 25.4 * 72
    pdf = tmp_path / "card-qr.pdf"
    surface = cairocffi.PDFSurface(str(pdf), side + 20, side + 20)
    modules = draw_qr(cairocffi.Context(surface), LONG_VCARD, 10, 10, side, min_module=0.33 / 25.4 * 72)
    surface.finish()

    assert modules < len(segno.make(LONG_VCARD, error="m", encoding="utf-8", eci=True).matrix)
    assert scan(zbarimg, rasterise(pdf, 300)) == LONG_VCARD


@pytest.mark.parametrize("template_id", ["classic", "card"])
def test_every_realistic_vcard_on_a_badge_scans_at_its_printed_size(tmp_path, zbarimg, template_id):
    # Two of the eight masks are scored (qr._CANDIDATE_MASKS); whichever wins, each code must read
    # back exactly, printed at 300 dpi at the template's own size: names in many scripts, long
    # organisations, every row a different code.
    rows = [
        {**row, "email": f"attendee{index:03}@example.org"}
        for index, row in enumerate(realistic_attendees(40, seed=15))
    ]
    plan = make_plan(
        built_in_template(template_id),
        BadgeOptions(qr=QrSpec("email", "vcard")),
        columns_available=["name", "organization", "role", "email"],
    )
    pdf = tmp_path / "badges.pdf"
    render_pdf(plan, rows, str(pdf))
    subprocess.run(["pdftoppm", "-png", "-r", "300", pdf, tmp_path / "page"], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))

    assert len(pages) == len(rows)
    for row, png in zip(rows, pages, strict=True):
        card = vcard(row["name"], row["organization"], row["email"])
        assert scan(zbarimg, png) == card, row["name"]
