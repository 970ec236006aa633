"""No attendee's name is cut on a built-in template: 2,000 realistic unique names in every script
the lists have, through the whole engine (make_plan, render_pdf), none ellipsized.

tests/benchmarks/bench_names.py runs the same on 10,000 names (too slow for the suite).
"""

from __future__ import annotations

import io

import pytest

from api.render.builtin import BUILT_IN, built_in_template, make_plan
from api.render.document import render_pdf
from api.render.options import BadgeOptions
from api.render.text import PlacedText, TextPainter, clean_text
from tests.data.realistic_names import realistic_attendees, realistic_names

COUNT = 2_000


@pytest.fixture
def drawn(monkeypatch) -> list[PlacedText]:
    """Every text the engine lays out for drawing, as it placed it."""
    placed: list[PlacedText] = []
    prepare = TextPainter.prepare

    def recording(self, text, style, fit):
        result = prepare(self, text, style, fit)
        placed.append(result.placed)
        return result

    monkeypatch.setattr(TextPainter, "prepare", recording)
    return placed


def test_the_generated_names_are_unique_varied_and_the_same_for_a_seed():
    names = realistic_names(COUNT)

    assert len(set(names)) == COUNT
    assert names == realistic_names(COUNT)
    assert names != realistic_names(COUNT, seed=11)
    scripts = {
        "arabic": "\u0600",
        "hebrew": "\u0590",
        "devanagari": "\u0900",
        "thai": "\u0e00",
        "cjk": "\u4e00",
        "cyrillic": "\u0400",
    }
    for script, first in scripts.items():
        assert any(any(first <= ch <= chr(ord(first) + 0xFF) for ch in name) for name in names), script
    latin = [name for name in names if all(ch < "\u0530" for ch in name)]
    assert len(latin) > COUNT / 2
    assert any(len(name) > 40 and "-" in name for name in latin)


@pytest.mark.parametrize("template_id", list(BUILT_IN))
def test_no_name_is_ellipsized_on_a_built_in_template(template_id, drawn):
    rows = realistic_attendees(COUNT)
    template = built_in_template(template_id)
    plan = make_plan(template, BadgeOptions(name="FOSSASIA Summit 2026"), columns_available=list(rows[0]))

    render_pdf(plan, rows, io.BytesIO())

    names = {clean_text(row["name"]) for row in rows}
    placed_names = {placed.text: placed for placed in drawn if placed.text in names}
    assert len(placed_names) == COUNT
    assert [text for text, placed in placed_names.items() if placed.ellipsized] == []
    name_field = next(field for field in template.fields if field.placeholders == ("name",))
    assert max(placed.lines for placed in placed_names.values()) <= name_field.fit.max_lines
    floor = name_field.fit.floor(name_field.style.size)
    assert min(placed.size for placed in placed_names.values()) >= floor - 1e-6
    # Some names did need the new steps: three lines, or a size below the template's minimum.
    assert any(placed.lines == 3 for placed in placed_names.values())


# The longest names met on 10,000 realistic names of other seeds, and a famous one: on classic they
# take a fourth line, at the floor, inside the height the template gives the name (above the rule).
LONGEST = [
    "Александра Константиновна Воскресенский Преображенская-Рождественская",
    "Karl-Theodor Maria Nikolaus Johann Jacob Philipp Franz Joseph Sylvester Freiherr von und zu Guttenberg",
]


@pytest.mark.parametrize("name", LONGEST)
def test_the_longest_names_are_whole_on_classic_within_its_name_height(name, drawn):
    template = built_in_template("classic")
    plan = make_plan(template, BadgeOptions(name="Summit"), columns_available=["name"])

    render_pdf(plan, [{"name": name}], io.BytesIO())

    placed = next(placed for placed in drawn if placed.text == name)
    name_field = next(field for field in template.fields if field.placeholders == ("name",))
    assert not placed.ellipsized
    assert placed.lines == 4
    assert placed.size >= name_field.fit.floor(name_field.style.size) - 1e-6


# Where a built-in back's name may print (mm): between its bands, left of landscape's side band,
# below the photo. A name that wraps must grow into this area, not over a band or off the badge.
BACK_NAME_AREAS = {
    "classic": (0, 30, 105, 132),
    "landscape": (0, 0, 93.6, 76.2),
    "card": (0, 11, 85.6, 47),
    "photo": (0, 66, 105, 132),
}


@pytest.mark.parametrize("template_id", list(BUILT_IN))
def test_every_word_of_a_name_on_a_built_in_back_is_inside_the_backs_name_area(template_id, tmp_path):
    # Long realistic names, and the longest met: on the back the name is large and wraps most.
    rows = [row for row in realistic_attendees(400, seed=33) if len(row["name"]) > 28][:40]
    rows += [{"name": name, "organization": "FOSSASIA"} for name in LONGEST]
    plan = make_plan(
        built_in_template(template_id),
        BadgeOptions(name="FOSSASIA Summit 2026", sides="both"),
        columns_available=["name", "organization", "role"],
    )
    pdf = tmp_path / "badges.pdf"
    render_pdf(plan, rows, str(pdf))

    left, top, right, bottom = BACK_NAME_AREAS[template_id]
    template = plan.template
    if template.width > template.height:
        # A landscape page flips about its horizontal axis (long edge): each back is drawn turned
        # 180 degrees (api/render/duplex.py), so its area is turned on the page too.
        width, height = (size * 25.4 / 72 for size in (template.width, template.height))
        left, top, right, bottom = width - right, height - bottom, width - left, height - top
    outside = []
    for page, words in enumerate(words_by_page(pdf), start=1):
        if page % 2:  # fronts on odd pages, each back behind it
            continue
        name = clean_text(rows[page // 2 - 1]["name"])
        for word, (x_min, y_min, x_max, y_max) in words:
            if word not in name:  # the event on the band, and so on
                continue
            mm = [value * 25.4 / 72 for value in (x_min, y_min, x_max, y_max)]
            tolerance = 1.5  # pdftotext's boxes take the font's whole ascent and descent
            if (
                mm[0] < left - tolerance
                or mm[2] > right + tolerance
                or mm[1] < top - tolerance
                or mm[3] > bottom + tolerance
            ):
                outside.append((page, word, [round(value, 1) for value in mm]))
    assert len(rows) > 30
    assert outside == []


def words_by_page(pdf) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """Each page's words with their boxes in points from the top-left, as pdftotext -bbox finds them."""
    import re
    import subprocess

    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        words = []
        for match in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
        ):
            box = tuple(float(match.group(index)) for index in range(1, 5))
            words.append((match.group(5), box))
        pages.append(words)
    return pages
