"""Fitting a long name: shrink, wrap at word boundaries (up to three lines), a smaller size, and an
ellipsis only when nothing else fits; right-to-left names and letter-spacing as templates mean them."""

from __future__ import annotations

import io

import cairocffi
import pytest
from PIL import Image

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_png
from api.render.options import BadgeOptions
from api.render.template import compile_template
from api.render.text import FitRule, Layout, TextPainter, TextStyle, _pango

DPI = 150


def painter() -> TextPainter:
    return TextPainter(cairocffi.Context(cairocffi.RecordingSurface(cairocffi.CONTENT_COLOR_ALPHA, None)))


def lines_of(layout: Layout, text: str) -> list[str]:
    """The text of each line Pango made, as the reader sees it broken."""
    encoded = text.encode()
    starts = [
        _pango.pango_layout_line_get_start_index(_pango.pango_layout_get_line_readonly(layout.pointer, i))
        for i in range(layout.line_count())
    ]
    return [encoded[a:b].decode() for a, b in zip(starts, [*starts[1:], len(encoded)], strict=True)]


def fit(
    text: str, width: float, *, size: float = 12, min_size: float = 10, **rule
) -> tuple[list[str], object]:
    layout, placed = painter().measure(
        text, TextStyle(size=size, weight=700), FitRule(max_width=width, min_size=min_size, **rule)
    )
    return lines_of(layout, text), placed


@pytest.mark.parametrize(
    "name",
    [
        "Maria-Magdalena Szczepańska-Wróblewska",
        "Jean-François Desmarais-Théberge de la Fontaine-Bourbon",
        "Nguyễn Thị Minh Khai Trần Hưng Đạo",
        "Александра Константиновна Преображенская-Рождественская",
    ],
)
def test_latin_and_cyrillic_names_break_only_after_spaces_and_hyphens(name):
    lines, placed = fit(name, 120, max_lines=3)

    assert 2 <= placed.lines <= 3
    assert not placed.ellipsized
    assert "".join(lines) == name
    assert all(line.endswith((" ", "-")) for line in lines[:-1]), lines


def test_a_name_too_long_for_two_lines_takes_three_at_a_larger_size_than_the_floor():
    _, placed = fit("Maria-Magdalena Szczepańska-Wróblewska", 100, max_lines=3)

    assert placed.lines == 3
    assert placed.size >= 10  # the minimum: three lines came before going below it


def test_thai_breaks_between_dictionary_words():
    words = ["สมชาย", "ใจ", "ดี", "มี", "สุข", "สวัสดิ์", "เจริญ", "รุ่ง", "เรือง"]
    text = "".join(words)
    boundaries = {len("".join(words[:count])) for count in range(len(words) + 1)}
    lines, placed = fit(text, 50, max_lines=3)

    assert placed.lines >= 2
    assert not placed.ellipsized
    starts = [len("".join(lines[:count])) for count in range(len(lines))]
    assert set(starts) <= boundaries, lines


def test_chinese_breaks_between_characters_and_a_latin_word_beside_it_stays_whole():
    lines, placed = fit("欧阳慕容司马诸葛东方皇甫长孙宇文上官", 80, max_lines=3)
    assert placed.lines == 3
    assert all(lines)

    lines, placed = fit("高橋翔太 Featherstonehaugh", 80, max_lines=3)
    assert "Featherstonehaugh" in lines, lines


def test_below_the_minimum_comes_a_smaller_size_before_any_ellipsis():
    # Four long words in three lines do not fit at the minimum of 10; they do a little smaller.
    lines, placed = fit("Featherstonehaugh Wolstenholme Throckmorton Cholmondeley", 120, max_lines=3)

    assert not placed.ellipsized
    assert 10 * 0.6 <= placed.size < 10
    assert all(line.endswith(" ") for line in lines[:-1])


def test_the_floor_is_never_below_a_legible_size():
    rule = FitRule(max_width=10, min_size=8, legible_size=6)
    assert rule.floor(12) == 6  # 60% of 8 would be 4.8
    assert FitRule(max_width=10, min_size=20, legible_size=6).floor(24) == pytest.approx(12)


def test_a_single_word_too_long_even_at_the_floor_is_broken_inside_rather_than_cut():
    _, placed = fit("Wolfeschlegelsteinhausenbergerdorff", 80, max_lines=3)

    assert not placed.ellipsized
    assert placed.size == pytest.approx(6)  # the floor
    assert placed.lines >= 2


def test_the_lines_stay_within_the_height_the_template_allows():
    name, style = "Maria-Magdalena Szczepańska-Wróblewska", TextStyle(size=12, weight=700)
    free, free_placed = painter().measure(name, style, FitRule(max_width=100, min_size=10, max_lines=3))
    held, placed = painter().measure(
        name, style, FitRule(max_width=100, min_size=10, max_lines=3, max_height=30)
    )

    # A layout is made at the style's size and drawn scaled to the size chosen.
    assert free.extent()[1] * free_placed.size / style.size > 30  # three lines at 11 or more
    assert held.extent()[1] * placed.size / style.size <= 30
    assert not placed.ellipsized


def test_a_name_that_fits_takes_one_layout(monkeypatch):
    text = painter()
    made = []
    original = TextPainter.layout

    def counting(self, *args):
        made.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(TextPainter, "layout", counting)
    text.measure("Ada Lovelace", TextStyle(size=12), FitRule(max_width=200, min_size=10, max_lines=3))
    assert len(made) == 1


@pytest.mark.parametrize(
    "name",
    [
        "Dewi Lestari Simangunsong Persephone",
        "Wolfeschlegelsteinhausenbergerdorff",
        "Ana Fernández Azpilicueta",
    ],
)
def test_a_name_that_shrinks_wraps_or_breaks_takes_one_layout_at_the_styles_own_size(monkeypatch, name):
    # A new font size costs Pango a font (milliseconds); every fit is one layout drawn scaled.
    text = painter()
    made = []
    original = TextPainter.layout

    def counting(self, *args):
        made.append(args[2])
        return original(self, *args)

    monkeypatch.setattr(TextPainter, "layout", counting)
    _, placed = text.measure(name, TextStyle(size=24), FitRule(max_width=150, min_size=18, max_lines=2))
    assert made == [24]
    assert placed.size < 24


def test_a_shrunk_name_fills_its_box_without_passing_it():
    for name in ("Lieselotte Friedrich-Wilhelm", "محمد عبد الرحمن الهاشمي", "Приходько-Вознесенська"):
        _, placed = painter().measure(name, TextStyle(size=24), FitRule(max_width=120, min_size=6))
        assert placed.lines == 1
        assert 0.99 * 120 <= placed.width <= 120  # scales are rounded down, by under 0.72%


# --- Right-to-left names in start-anchored fields ------------------------------------------------


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def ink_columns(
    image: Image.Image, top: float, bottom: float, right: float, left: float = 0
) -> tuple[float, float]:
    """The leftmost and rightmost columns (in mm) darker than the background between two heights."""
    pixels = image.load()
    columns = [
        x
        for x in range(mm(left), mm(right))
        if any(sum(pixels[x, y]) < 3 * 160 for y in range(mm(top), mm(bottom)))
    ]
    assert columns, "nothing drawn there"
    return columns[0] * 25.4 / DPI, columns[-1] * 25.4 / DPI


def badge(template_id: str, name: str, organization: str = "") -> Image.Image:
    row = {"name": name, "organization": organization, "role": "", "email": ""}
    plan = make_plan(built_in_template(template_id), BadgeOptions(name=""), columns_available=list(row))
    return Image.open(io.BytesIO(render_png(plan, row, dpi=DPI))).convert("RGB")


# Name band (top, bottom), organisation band, field's start x, name box end x, where to stop looking.
START_ANCHORED = {
    "card": ((19, 29), (31.5, 37), 5, 57, 60),
    "landscape": ((25, 37.5), (40.5, 47), 14, 96, 100),
}


@pytest.mark.parametrize("template_id", list(START_ANCHORED))
@pytest.mark.parametrize(
    ("name", "organization"), [("דוד כהן", "מכון ויצמן"), ("محمد العتيبي", "جامعة القاهرة")]
)
def test_right_to_left_names_end_at_the_fields_right_end(template_id, name, organization):
    name_band, organization_band, start, end, limit = START_ANCHORED[template_id]
    image = badge(template_id, name, organization)

    left, right = ink_columns(image, *name_band, right=limit, left=start - 3)
    assert right == pytest.approx(end, abs=0.8)
    assert left > start + 10  # a short name: far from the start
    organization_box_end = start + {"card": 52, "landscape": 55}[template_id]
    organization_right = ink_columns(image, *organization_band, right=limit, left=start - 3)[1]
    assert organization_right == pytest.approx(organization_box_end, abs=0.8)


@pytest.mark.parametrize("template_id", list(START_ANCHORED))
def test_left_to_right_names_still_start_at_the_fields_start(template_id):
    name_band, _, start, _, limit = START_ANCHORED[template_id]
    left, _ = ink_columns(badge(template_id, "Ada Lovelace"), *name_band, right=limit, left=start - 3)

    assert left == pytest.approx(start, abs=0.8)


def test_in_a_plain_template_without_a_box_a_right_to_left_name_starts_at_its_anchor():
    svg = b"""<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">
    <rect width="105" height="148" fill="#ffffff"/><text x="20" y="50" font-size="10">{{name}}</text></svg>"""
    row = {"name": "דוד כהן"}
    plan = make_plan(compile_template(svg), BadgeOptions(), columns_available=["name"])
    image = Image.open(io.BytesIO(render_png(plan, row, dpi=DPI))).convert("RGB")

    assert ink_columns(image, 40, 53, right=105)[0] == pytest.approx(20, abs=0.8)


def test_a_wrapped_right_to_left_name_keeps_its_lines_at_the_right_end():
    name = "محمد بن عبد الرحمن بن عبد العزيز آل سعود"
    image = badge("card", name)

    # Wrapped upwards: both lines above the baseline, each ending at the box's right end.
    for band in ((12, 20), (20, 29)):
        assert ink_columns(image, *band, right=60)[1] == pytest.approx(57, abs=0.8)


# --- Letter-spacing ----------------------------------------------------------------------------

SPACED = """<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="40mm" viewBox="0 0 100 40">
<rect width="100" height="40" fill="#ffffff"/>
<text x="5" y="15" font-size="6" %s>SPEAKER</text>
<text x="5" y="32" font-size="6" %s>{{role}}</text>
</svg>"""


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ('letter-spacing="1.5"', 1.5),
        ('style="letter-spacing: 2px"', 2.0),
        ('letter-spacing="0.25em"', 1.5),
        ('letter-spacing="normal"', 0.0),
        ("", 0.0),
    ],
)
def test_letter_spacing_is_read_from_the_attribute_or_the_style(attribute, expected):
    template = compile_template((SPACED % (attribute, attribute)).encode())

    assert template.fields[0].style.letter_spacing == pytest.approx(expected)


def test_letter_spacing_widens_a_layout_by_about_the_spacing_per_character():
    text = painter()
    plain = text.layout("SPEAKER", TextStyle(size=6), 6).width
    spaced = text.layout("SPEAKER", TextStyle(size=6, letter_spacing=1.0), 6).width

    assert spaced - plain == pytest.approx(6, abs=0.3)  # between seven characters: six spaces


def spaced_badge(attribute: str) -> Image.Image:
    template = compile_template((SPACED % (attribute, attribute)).encode())
    plan = make_plan(template, BadgeOptions(), columns_available=["role"])
    return Image.open(io.BytesIO(render_png(plan, {"role": "SPEAKER"}, dpi=DPI))).convert("RGB")


def test_letter_spacing_is_drawn_for_static_text_and_for_placeholders():
    plain, spaced = spaced_badge(""), spaced_badge('letter-spacing="1.5"')

    for band in ((9, 17), (26, 34)):  # the static text, then the placeholder
        plain_left, plain_right = ink_columns(plain, *band, right=100)
        spaced_left, spaced_right = ink_columns(spaced, *band, right=100)
        # Six gaps between seven letters, 1.5 mm each (the last letter's spacing is not ink).
        assert (spaced_right - spaced_left) - (plain_right - plain_left) == pytest.approx(9, abs=1)


def test_the_built_in_letter_spaced_fields_are_spaced():
    role = next(field for field in built_in_template("classic").fields if field.placeholders == ("role",))
    event = next(field for field in built_in_template("landscape").fields if field.placeholders == ("event",))

    assert role.style.letter_spacing == pytest.approx(0.5)
    assert event.style.letter_spacing == pytest.approx(0.3)
