"""The curated system fonts: what fontconfig has installed, with scripts and licences read from
the fonts themselves."""

from __future__ import annotations

import subprocess
from pathlib import Path

from api.fonts import system_font, system_fonts
from api.fonts.catalogue import CURATED_FAMILIES, font_id, style_key
from api.fonts.fontconfig import installed_faces, opentype_weight


def installed(family: str) -> bool:
    listed = subprocess.run(["fc-list", family, "family"], capture_output=True, text=True, check=True)
    return any(family in line.split(",") for line in listed.stdout.splitlines())


def test_lists_exactly_the_curated_families_that_are_installed():
    families = [font.family for font in system_fonts()]

    assert families == [family for family in CURATED_FAMILIES if installed(family)]
    # The Makefile's packages (fonts-dejavu-core, fonts-noto-core, -cjk, -color-emoji) provide these.
    assert {
        "Noto Sans",
        "Noto Serif",
        "DejaVu Sans",
        "DejaVu Serif",
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "Noto Sans CJK KR",
        "Noto Sans Arabic",
        "Noto Naskh Arabic",
        "Noto Sans Hebrew",
        "Noto Sans Devanagari",
        "Noto Sans Thai",
        "Noto Color Emoji",
    } <= set(families)


def test_every_entry_has_scripts_licence_and_existing_files():
    for font in system_fonts():
        assert font.id == font_id(font.family)
        assert font.scripts, font.family
        assert font.licence in {"SIL Open Font License", "Bitstream Vera License"}, font.family
        assert font.licence_url, font.family
        assert font.styles[0] == "regular", font.family
        assert all(Path(path).is_file() for path in font.files), font.family
    assert len({font.id for font in system_fonts()}) == len(system_fonts())


def test_scripts_are_read_from_each_regular_face():
    scripts = {font.id: set(font.scripts) for font in system_fonts()}

    assert {"Latin", "Greek", "Cyrillic"} <= scripts["dejavu-sans"]
    assert {"Latin", "Greek", "Cyrillic"} <= scripts["noto-sans"]
    assert {"Han", "Kana", "Hangul"} <= scripts["noto-sans-cjk-sc"]
    assert scripts["noto-sans-arabic"] == {"Arabic"}
    assert scripts["noto-sans-hebrew"] == {"Hebrew"}
    assert scripts["noto-sans-devanagari"] == {"Devanagari"}
    assert scripts["noto-sans-thai"] == {"Thai"}
    assert scripts["noto-color-emoji"] == {"Emoji"}


def test_styles_come_from_the_files_found():
    noto = system_font("noto-sans")
    dejavu = system_font("dejavu-sans")
    cjk = system_font("noto-sans-cjk-jp")
    assert noto is not None
    assert dejavu is not None
    assert cjk is not None

    assert noto.styles == ("regular", "bold", "italic", "bold-italic")
    bold_italic = noto.face("bold-italic")
    assert bold_italic is not None
    assert (bold_italic.weight, bold_italic.italic) == (700, True)
    assert bold_italic.file.endswith("NotoSans-BoldItalic.ttf")
    # DejaVu's oblique faces are its italics; its condensed faces are left out.
    assert {"regular", "bold", "italic", "bold-italic"} <= set(dejavu.styles)
    assert not any("Condensed" in path for path in dejavu.files)
    # The CJK families are faces of one collection file each.
    regular = cjk.face("regular")
    assert regular is not None
    assert regular.file.endswith(".ttc")
    assert regular.style_name == "Regular"


def test_unknown_id_is_none():
    assert system_font("comic-sans") is None


def test_cached_per_process():
    assert system_fonts() is system_fonts()
    assert installed_faces() is installed_faces()


def test_fontconfig_weights_are_converted_like_pango_does():
    assert [opentype_weight(weight) for weight in (0, 40, 50, 80, 100, 180, 200, 210, 215)] == [
        100,
        200,
        300,
        400,
        500,
        600,
        700,
        900,
        1000,
    ]
    assert opentype_weight(90) == 450


def test_style_keys():
    assert style_key(400, False) == "regular"
    assert style_key(400, True) == "italic"
    assert style_key(700, True) == "bold-italic"
    assert style_key(200, False) == "extralight"
    assert style_key(690, False) == "bold"
