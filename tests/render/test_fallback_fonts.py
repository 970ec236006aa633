"""Emoji and every script drawn whatever family a template names, and fallback use reported.

The organiser's plain template names DejaVu Sans, which has no Tamil, Bengali, Thai or CJK and no
emoji: each of those comes from the Noto family of its script or Noto Color Emoji, checked in the
PDF as a printer reads it (pdffonts, pdfimages, pdftotext) and in what the engine reports.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import cairocffi
import pytest
from fontTools.ttLib import TTFont

from api.fonts.coverage import fallback_for, installed_cmap
from api.fonts.fontconfig import installed_faces
from api.render.builtin import make_plan
from api.render.document import render_pdf
from api.render.fallback import _family_of, _ffi, _pango, fallback_families, fonts_of_runs
from api.render.options import BadgeOptions
from api.render.template import compile_template
from api.render.text import FitRule, TextPainter, TextStyle
from tests.support.pdf import pdffonts, pdftotext

PLAIN = """<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">
<rect width="105" height="148" fill="#ffffff"/>
<text x="52.5" y="60" font-size="9" font-family="DejaVu Sans" text-anchor="middle">{{name}}</text>
</svg>"""

CODER = "Priya Raman 👩🏽\u200d💻"  # woman, medium skin tone, ZWJ, laptop: one emoji
FLAG = "Olena Kovalenko 🇺🇦"
TAMIL = "தமிழ்செல்வி கணேசன்"  # "வி" is a consonant and a vowel sign: one cluster, one font
NAMES = [
    CODER,
    FLAG,
    TAMIL,
    "অমর্ত্য সেন",  # Bengali
    "Արամ Գրիգորյան",  # Armenian
    "ნინო ბერიძე",  # Georgian
    "สมชาย ใจดี",  # Thai
    "محمد عبد الله",  # Arabic
    "张伟",  # Chinese
]
# Where DejaVu Sans has no glyphs, the Noto family of the script draws: its name in pdffonts.
EMBEDDED = {
    TAMIL: "NotoSansTamil",
    "অমর্ত্য সেন": "NotoSansBengali",
    "สมชาย ใจดี": "NotoSansThai",
    "张伟": "NotoSansCJKsc",
}


def painter() -> TextPainter:
    return TextPainter(cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 8, 8)))


@pytest.fixture(scope="module")
def badges(tmp_path_factory) -> Path:
    """The plain template with one name per page, as a PDF."""
    pdf = tmp_path_factory.mktemp("fallback") / "badges.pdf"
    plan = make_plan(
        compile_template(PLAIN.encode()), BadgeOptions(sheet="one-per-page"), columns_available=["name"]
    )
    render_pdf(plan, [{"name": name} for name in NAMES], str(pdf))
    return pdf


def images_per_page(pdf: Path) -> dict[int, int]:
    lines = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    pages: dict[int, int] = {}
    for line in lines:
        page, _, kind = line.split()[:3]
        if kind == "image":
            pages[int(page)] = pages.get(int(page), 0) + 1
    return pages


def test_emoji_are_colour_images_on_their_badges_and_nowhere_else(badges):
    # cairo draws a colour glyph as an image with a soft mask; the template itself has none.
    pages = images_per_page(badges)

    assert pages.get(NAMES.index(CODER) + 1, 0) >= 1
    assert pages.get(NAMES.index(FLAG) + 1, 0) >= 1
    assert set(pages) == {NAMES.index(CODER) + 1, NAMES.index(FLAG) + 1}


def test_each_script_the_template_font_lacks_is_embedded_in_its_noto_family(badges):
    names = {font["name"].split("+")[-1].split("-")[0] for font in pdffonts(badges)}

    assert set(EMBEDDED.values()) <= names
    assert "DejaVuSans" in names  # Latin, Armenian, Georgian and Arabic: the template's own font
    # Fontconfig's own order puts Noto Sans Grantha first, which takes Tamil vowel signs.
    assert "NotoSansGrantha" not in names


def test_every_name_reads_back_from_the_pdf_without_dotted_circles(badges):
    text = pdftotext(badges)
    # pdftotext guesses word spaces from glyph positions (one lands inside a Bengali cluster) and
    # marks right-to-left lines with embedding controls: neither is on the badge.
    letters = "".join(ch for ch in text if not ch.isspace() and ch not in "\u202b\u202c")

    for name in NAMES:
        assert name.split(" 👩")[0].split(" 🇺")[0].replace(" ", "") in letters  # emoji are images
    assert "\u25cc" not in text


def test_a_tamil_cluster_is_shaped_by_one_font():
    # A consonant and its vowel sign shaped by different fonts get a dotted circle between them.
    layout, _ = painter().measure(TAMIL, TextStyle(family="DejaVu Sans"), FitRule())

    fonts = {family for piece, family in fonts_of_runs(layout.pointer) if piece.strip()}

    assert fonts == {"Noto Sans Tamil"}


@cache
def dotted_circle_glyph(family: str) -> int | None:
    """The glyph HarfBuzz inserts before a mark it could not attach: the font's U+25CC."""
    face = next(face for face in installed_faces() if family in face.families)
    with TTFont(face.file, fontNumber=face.index, lazy=True) as font:
        name = (font.getBestCmap() or {}).get(0x25CC)
        return font.getGlyphID(name) if name else None


def dotted_circles(layout) -> int:
    """How many dotted circles a layout draws, read from its glyph strings (pango-glyph.h:
    num_glyphs, then a pointer to PangoGlyphInfo, 5 words each, the glyph id first)."""
    count = 0
    iterator = _pango.pango_layout_get_iter(layout)
    try:
        while True:
            run = _pango.pango_layout_iter_get_run_readonly(iterator)
            if run != _ffi.NULL:
                circle = dotted_circle_glyph(_family_of(run.item.analysis.font))
                glyphs = _ffi.cast("uint32_t *", _ffi.cast("void **", run.glyphs)[1])
                total = _ffi.cast("int *", run.glyphs)[0]
                count += sum(1 for index in range(total) if glyphs[5 * index] == circle)
            if not _pango.pango_layout_iter_next_run(iterator):
                return count
    finally:
        _pango.pango_layout_iter_free(iterator)


INDIC = ["क्षत्रिय", "ਗੁਰਪ੍ਰੀਤ", "ભાર્ગવ", "ଓଡ଼ିଆ", "ಕೃಷ್ಣ", "മലയാളം", "శ్రీనివాస్", "ශ්‍රී", "ខ្មែរ", "မြန်မာ", "ພາສາລາວ"]


@pytest.mark.parametrize("family", ["DejaVu Sans", "DejaVu Serif", "Noto Sans"])
def test_no_name_gets_a_dotted_circle_whatever_the_family(family):
    text = painter()
    circles = {}
    for name in NAMES + INDIC:
        layout, _ = text.measure(name, TextStyle(family=family), FitRule())
        circles[name] = dotted_circles(layout.pointer)

    assert {name: count for name, count in circles.items() if count} == {}
    # The check sees one where there is one: a vowel sign with no consonant, and Tamil shaped
    # with Noto Sans Grantha first, as fontconfig's own order had it.
    lone_sign = text.measure("a\u0bbf", TextStyle(family="Noto Sans Tamil"), FitRule())[0]
    grantha = text.measure(TAMIL, TextStyle(family="Noto Sans Grantha, Noto Sans Tamil"), FitRule())[0]
    assert dotted_circles(lone_sign.pointer) == 1
    assert dotted_circles(grantha.pointer) >= 1


def test_fallback_fonts_name_the_characters_another_font_drew():
    text = painter()
    style = TextStyle(family="DejaVu Sans")

    tamil = text.measure(TAMIL, style, FitRule())[1]
    latin = text.measure("Ada Lovelace", style, FitRule())[1]
    accented = text.measure("Zoë Ångström-Lefèvre", style, FitRule())[1]
    mixed = text.measure(f"Dr {TAMIL} 2026", style, FitRule())[1]

    assert tamil.fallback_fonts == ((TAMIL, "Noto Sans Tamil"),)
    assert latin.fallback_fonts == ()
    assert accented.fallback_fonts == ()
    assert mixed.fallback_fonts == ((TAMIL, "Noto Sans Tamil"),)
    assert tamil.unknown_glyphs == 0


def test_characters_no_font_has_are_counted_as_unknown_not_as_a_fallback():
    placed = painter().measure(f"{TAMIL} \U000f0001\U000f0002", TextStyle(family="DejaVu Sans"), FitRule())[1]

    assert placed.unknown_glyphs == 2
    assert placed.fallback_fonts == ((TAMIL, "Noto Sans Tamil"),)


def test_emoji_take_no_digits_or_spaces_from_the_emoji_font():
    placed = painter().measure("Ada 2026 🎉 #1", TextStyle(family="DejaVu Sans"), FitRule())[1]

    assert placed.fallback_fonts == (("🎉", "Noto Color Emoji"),)


@pytest.mark.parametrize("family", ["DejaVu Sans", "DejaVu Serif", "Noto Sans", "Noto Serif"])
def test_emoji_sequences_are_one_colour_glyph_run_in_any_family(family):
    placed = painter().measure(f"{CODER} {FLAG}", TextStyle(family=family), FitRule())[1]

    assert placed.fallback_fonts == (("👩🏽\u200d💻 🇺🇦", "Noto Color Emoji"),)
    assert placed.unknown_glyphs == 0


def test_a_family_that_is_not_installed_is_reported_as_a_fallback_for_everything():
    placed = painter().measure("Ada", TextStyle(family="No Such Family"), FitRule())[1]

    assert placed.fallback_fonts == (("Ada", "Noto Sans"),)


def test_fallback_families_follow_the_scripts_of_the_text():
    assert fallback_families("Ada Lovelace") == ()
    assert fallback_families("Nguyễn Thị Minh Khai, Дмитрий, Αθηνά") == ()
    assert fallback_families("🎉") == ()  # emoji are left to Pango's colour font choice
    assert fallback_families(TAMIL) == ("Noto Sans", "Noto Sans Tamil")
    assert fallback_families("ნინო & Արամ") == ("Noto Sans", "Noto Sans Georgian", "Noto Sans Armenian")
    assert fallback_families("张伟") == ("Noto Sans", "Noto Sans CJK SC")
    assert fallback_families("山田はなこ") == ("Noto Sans", "Noto Sans CJK JP")
    assert fallback_families("김민준") == ("Noto Sans", "Noto Sans CJK KR")


@pytest.mark.parametrize("family", ["DejaVu Serif", "DejaVu Sans", "Noto Sans"])
def test_the_job_logs_font_check_names_the_fonts_the_engine_draws_with(family):
    cmap = installed_cmap(family)
    text = painter()
    disagreements = {}
    for name in [*NAMES, "山田 はなこ", "김민준", "ሰላም", "ශ්‍රී ලංකා", "ខ្មែរ", "हिन्दी", "שלום", "🙏 Anh"]:
        missing = [ch for ch in dict.fromkeys(name) if not ch.isspace() and ord(ch) not in cmap]
        predicted = fallback_for(missing, family) if missing else ""
        placed = text.measure(name, TextStyle(family=family), FitRule())[1]
        drawn = " and ".join(dict.fromkeys(source for _, source in placed.fallback_fonts))
        if predicted != drawn:
            disagreements[name] = (predicted, drawn)

    assert disagreements == {}


TEMPLATE_WITH_STATIC_TEXT = """<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm"
 viewBox="0 0 105 148">
<text x="52.5" y="40" font-size="6" font-family="DejaVu Sans" text-anchor="middle">Welcome 👋 வணக்கம்</text>
<text x="52.5" y="60" font-size="9" font-family="%s" text-anchor="middle">{{name}}</text>
<text x="52.5" y="80" font-size="6" font-family="DejaVu Sans" text-anchor="middle">FOSSASIA 2026</text>
</svg>"""


def test_static_text_drawn_from_fallbacks_and_missing_families_are_upload_warnings():
    # A family no system package provides or aliases: fontconfig answers it with the default sans.
    # (Not Comic Sans MS: fontconfig files it under cursive, which ghostscript's URW fonts answer.)
    template = compile_template((TEMPLATE_WITH_STATIC_TEXT % "Segoe UI").encode())

    assert template.warnings == [
        "The font 'Segoe UI' is not installed: text set in it is drawn with Noto Sans.",
        "The text 'Welcome 👋 வணக்கம்' takes 👋 from Noto Color Emoji and வணக்கம் from "
        "Noto Sans Tamil: DejaVu Sans lacks them.",
    ]


def test_installed_and_generic_families_are_not_warned_about():
    template = compile_template((TEMPLATE_WITH_STATIC_TEXT % "Noto Sans, sans-serif").encode())

    assert not [warning for warning in template.warnings if "not installed" in warning]
