"""Member names of a one-file-per-attendee ZIP: safe on every OS, unique, never longer than 100."""

from __future__ import annotations

import pytest

from api.render.builtin import make_plan
from api.render.errors import RenderInputError
from api.render.options import BadgeOptions
from api.render.template import compile_template
from api.render.zipped import MAX_NAME_LENGTH, MemberNames, member_stem


@pytest.mark.parametrize(
    ("value", "stem"),
    [
        ("Ada Lovelace", "Ada Lovelace"),
        ("a/b\\c:d", "a b c d"),
        ("..", "badge 3"),
        (".hidden", "hidden"),
        ("tab\tand\nnewline\x00", "tab and newline"),
        ("\u202eexe.pdf", "exe.pdf"),
        ("Cafe\u0301", "Café"),
        ("   ", "badge 3"),
    ],
)
def test_a_member_stem_is_safe_and_readable(value, stem):
    assert member_stem(value, "badge 3") == stem


def test_a_long_name_is_cut_to_100_characters_and_its_repeats_stay_within_them():
    names = MemberNames()
    stem = member_stem("Ω" * 300, "x")

    first, second = names.claim(stem, "pdf"), names.claim(stem, "pdf")

    assert len(stem) == MAX_NAME_LENGTH
    assert first == "Ω" * 100 + ".pdf"
    assert second == "Ω" * 96 + " (2).pdf"
    assert names.claim("ω" * 100, "PDF") == "ω" * 96 + " (3).PDF"  # the same name to Windows and macOS


def test_a_png_member_too_big_to_draw_is_refused_before_rendering():
    # A 400 x 500 mm template (about the largest allowed) at 600 dpi: about 9,400 x 11,800 pixels.
    template = compile_template(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="400mm" height="500mm">'
        b'<text x="10" y="20">{{name}}</text></svg>'
    )
    options = BadgeOptions(output="zip", zip_format="png", dpi=600)

    with pytest.raises(RenderInputError) as refused:
        make_plan(template, options, columns_available=["name"])

    assert refused.value.location == "options.dpi"
    assert "600 dpi" in refused.value.message
    # The same template as PDFs, or as PNGs at 150 dpi, is fine.
    make_plan(template, BadgeOptions(output="zip"), columns_available=["name"])
    make_plan(template, BadgeOptions(output="zip", zip_format="png", dpi=150), columns_available=["name"])
