"""Pango text: every script shaped, names printed literally, long names fitted to their box."""

from __future__ import annotations

import csv

import cairocffi
import pytest

from api.render import pango
from api.render.text import FitRule, TextPainter, TextStyle, clean_text
from tests.support.pdf import pdffonts, pdftotext


def painter() -> TextPainter:
    return TextPainter(cairocffi.Context(cairocffi.RecordingSurface(cairocffi.CONTENT_COLOR_ALPHA, None)))


def multiscript_names(shared_data) -> list[str]:
    with (shared_data / "attendees-multiscript.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["name"] for row in rows] + [row["organization"] for row in rows]


def test_every_sample_name_and_organisation_has_a_glyph_for_every_character(shared_data):
    text = painter()
    missing = {}
    for name in multiscript_names(shared_data):
        for weight in (400, 700):
            placed = text.measure(clean_text(name), TextStyle(weight=weight), FitRule())[1]
            if placed.unknown_glyphs:
                missing[name] = placed.unknown_glyphs
    assert missing == {}


def test_text_is_never_markup(tmp_path):
    pdf = tmp_path / "markup.pdf"
    surface = cairocffi.PDFSurface(str(pdf), 400, 100)
    TextPainter(cairocffi.Context(surface)).draw(
        "Tom & Jerry <b>Holdings</b></text>", TextStyle(size=14), FitRule(max_width=380), 200, 50
    )
    surface.finish()

    assert "Tom & Jerry <b>Holdings</b></text>" in pdftotext(pdf)


def test_fonts_are_embedded_as_subsets(tmp_path):
    pdf = tmp_path / "fonts.pdf"
    surface = cairocffi.PDFSurface(str(pdf), 400, 300)
    text = TextPainter(cairocffi.Context(surface))
    for line, name in enumerate(["Ada Lovelace", "张伟", "محمد عبد الله", "Дмитрий"]):
        text.draw(name, TextStyle(size=20), FitRule(max_width=380), 200, 40 + line * 60)
    surface.finish()

    fonts = pdffonts(pdf)
    assert fonts
    assert all(font["emb"] == "yes" and font["sub"] == "yes" for font in fonts), fonts
    assert all("+" in font["name"] for font in fonts)


def test_clean_text_normalises_and_drops_control_characters_but_keeps_case_and_joiners():
    decomposed = "Jose\u0301 M\u00fcller"
    assert clean_text(decomposed) == "José Müller"
    assert clean_text("ADA\x00 love\x07lace\r\nIII\t") == "ADA lovelace III"
    assert clean_text("👩\u200d💻 dev") == "👩\u200d💻 dev"  # the zero-width joiner stays
    assert clean_text("Dr.\u00a0Who") == "Dr.\u00a0Who"
    assert clean_text("a    b") == "a b"


def test_a_short_name_keeps_its_size():
    placed = painter().measure("Li", TextStyle(size=24), FitRule(max_width=200))[1]

    assert (placed.size, placed.lines, placed.ellipsized) == (24, 1, False)


@pytest.mark.parametrize(
    "name", ["Nguyễn Thị Minh Khai", "Αλέξανδρος Παπαδόπουλος", "Siti Nurhaliza binti Tarudin"]
)
def test_a_long_name_shrinks_to_one_line_inside_the_box(name):
    placed = painter().measure(name, TextStyle(size=24, weight=700), FitRule(max_width=200))[1]

    assert 12 <= placed.size < 24
    assert placed.lines == 1
    assert placed.width <= 200
    assert not placed.ellipsized


def test_a_name_that_would_go_below_the_minimum_wraps_to_two_lines_instead():
    style, fit = TextStyle(size=24), FitRule(max_width=240, min_size=16)
    placed = painter().measure("Bartholomew Featherstone Worthington", style, fit)[1]

    assert placed.lines == 2
    assert placed.size >= 16
    assert placed.width <= 240
    assert not placed.ellipsized


def test_only_at_the_floor_below_the_minimum_is_the_last_line_ellipsized_and_it_stays_in_the_box():
    text = "Bartholomew Featherstonehaugh-Worthington the Third of Somewhere Rather Far Away"
    placed = painter().measure(text, TextStyle(size=24), FitRule(max_width=150, min_size=14, max_lines=2))[1]

    assert placed.size == pytest.approx(14 * 0.6)  # the floor: 60% of the minimum
    assert placed.lines == 2
    assert placed.ellipsized
    assert placed.width <= 150


def test_arabic_runs_right_to_left():
    text = painter()
    layout = text.layout("محمد", TextStyle(), 24)
    first = pango.ffi.new("PangoRectangle *")
    last = pango.ffi.new("PangoRectangle *")
    pango.pango.pango_layout_index_to_pos(layout.pointer, 0, first)
    pango.pango.pango_layout_index_to_pos(layout.pointer, len("محم".encode()), last)

    assert first.x > last.x


def surface_pixels(text: str) -> bytes:
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_A8, 200, 60)
    TextPainter(cairocffi.Context(surface)).draw(text, TextStyle(size=28), FitRule(), 100, 40)
    surface.flush()
    return bytes(surface.get_data())


def test_arabic_letters_are_joined():
    # A zero-width non-joiner between the letters forces their isolated forms; shaping that joins
    # draws something else.
    joined = surface_pixels("محمد")
    isolated = surface_pixels("\u200c".join("محمد"))

    assert joined != isolated
    assert any(joined)
