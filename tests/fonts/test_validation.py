"""Uploads: accepted by content, refused with a reason, converted and renamed for fontconfig."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib

import brotli
import cairocffi
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables.TupleVariation import TupleVariation
from fontTools.ttLib.woff2 import WOFF2DirectoryEntry

from api.fonts import FontRejected, as_sfnt, inspect_font, rename_family, shadows_system_family, upload_family
from api.fonts.fontconfig import INTERNAL_FAMILY_PREFIX
from api.fonts.validation import COLLECTION, INVALID, NO_UNICODE, NOT_A_FONT, TOO_LARGE, TRUNCATED
from tests.support.fonts import (
    DEJAVU_SANS_BOLD_OBLIQUE,
    NOTO_CJK_COLLECTION,
    NOTO_COLOR_EMOJI,
    NOTO_SANS,
    NOTO_SANS_ARABIC,
    fc_scan,
    fc_scan_families,
    read,
)

UPLOAD_ID = "5f0c6c1e-3b7a-4c1d-9a57-2f4c8e1d0b6a"


def rejected(data: bytes, **options) -> FontRejected:
    with pytest.raises(FontRejected) as caught:
        inspect_font(data, **options)
    return caught.value


def save(font: TTFont) -> bytes:
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def square_glyph():
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((500, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    return pen.glyph()


def small_font(family: dict[str, str], *, variable: bool = False) -> FontBuilder:
    """A two-glyph TrueType font; variable: a weight axis 100..900 whose default is 300."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "space", "A"])
    builder.setupCharacterMap({0x20: "space", 0x41: "A"})
    builder.setupGlyf({".notdef": square_glyph(), "space": TTGlyphPen(None).glyph(), "A": square_glyph()})
    builder.setupHorizontalMetrics({".notdef": (600, 100), "space": (300, 0), "A": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": family, "styleName": "Light" if variable else "Regular"})
    builder.setupOS2(
        usWeightClass=300 if variable else 400, sTypoAscender=800, usWinAscent=800, usWinDescent=200
    )
    builder.setupPost()
    if variable:
        builder.setupFvar(axes=[("wght", 100, 300, 900, "Weight")], instances=[])
        # At the heaviest, A's right side moves 100 units right (4 points, then 4 phantom points).
        deltas = [(0, 0), (0, 0), (100, 0), (100, 0), (0, 0), (100, 0), (0, 0), (0, 0)]
        builder.setupGvar({"A": [TupleVariation({"wght": (0.0, 1.0, 1.0)}, deltas)]})
    return builder


def variable_cff2_font() -> bytes:
    """An OpenType font with CFF2 outlines and a weight axis (no deltas: the axis is enough)."""

    def charstring(square: bool):
        pen = T2CharStringPen(None, None, CFF2=True)
        if square:
            pen.moveTo((100, 0))
            pen.lineTo((100, 700))
            pen.lineTo((500, 700))
            pen.lineTo((500, 0))
            pen.closePath()
        return pen.getCharString()

    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "space", "A"])
    builder.setupCharacterMap({0x20: "space", 0x41: "A"})
    builder.setupCFF2({".notdef": charstring(True), "space": charstring(False), "A": charstring(True)})
    builder.setupHorizontalMetrics({".notdef": (600, 100), "space": (300, 0), "A": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Badge Test CFF2", "styleName": "Regular"})
    builder.setupOS2(usWeightClass=400)
    builder.setupPost()
    builder.setupFvar(axes=[("wght", 100, 400, 900, "Weight")], instances=[])
    return built(builder)


def built(builder: FontBuilder) -> bytes:
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()


# --- accepted, with the right facts ---


def test_truetype_facts(dejavu):
    facts = inspect_font(dejavu)

    assert (facts.family, facts.style, facts.weight, facts.italic) == ("DejaVu Sans", "Book", 400, False)
    assert facts.full_name == "DejaVu Sans"
    assert facts.postscript_name == "DejaVuSans"
    assert facts.version.startswith("Version 2.")
    assert facts.format == "ttf"
    assert facts.outlines == "truetype"
    assert {"Latin", "Greek", "Cyrillic"} <= set(facts.scripts)
    assert "Han" not in facts.scripts
    assert facts.licence == "Bitstream Vera License"
    assert facts.licence_text is not None
    assert "Bitstream" in facts.licence_text
    assert facts.licence_url == "http://dejavu.sourceforge.net/wiki/index.php/License"
    assert facts.glyph_count == TTFont(io.BytesIO(dejavu))["maxp"].numGlyphs
    assert {ord("A"), ord("Ж"), ord("Ω")} <= facts.codepoints
    assert facts.is_variable is False
    assert facts.embeddable is True
    assert facts.size == len(dejavu)
    assert facts.sha256 == hashlib.sha256(dejavu).hexdigest()


def test_bold_oblique_is_weight_700_and_italic():
    facts = inspect_font(read(DEJAVU_SANS_BOLD_OBLIQUE))

    assert (facts.family, facts.style, facts.weight, facts.italic) == (
        "DejaVu Sans",
        "Bold Oblique",
        700,
        True,
    )


def test_opentype_cff_facts(cjk_otf):
    facts = inspect_font(cjk_otf)

    assert facts.family == "Noto Sans CJK JP"
    assert facts.format == "otf"
    assert facts.outlines == "cff"
    assert {"Han", "Kana", "Hangul"} <= set(facts.scripts)
    assert facts.licence == "SIL Open Font License"
    assert facts.glyph_count == 65535


def test_arabic_and_emoji_fonts_cover_their_scripts():
    arabic = inspect_font(read(NOTO_SANS_ARABIC))
    emoji = inspect_font(read(NOTO_COLOR_EMOJI))

    assert "Arabic" in arabic.scripts
    assert "Latin" not in arabic.scripts
    assert emoji.scripts == ("Emoji",)
    assert emoji.outlines == "bitmap"


def test_woff_is_recognised_by_content_with_the_same_facts(dejavu, dejavu_woff):
    facts = inspect_font(dejavu_woff)

    assert facts.format == "woff"
    assert facts.family == "DejaVu Sans"
    assert facts.codepoints == inspect_font(dejavu).codepoints
    assert facts.sha256 == hashlib.sha256(dejavu_woff).hexdigest()


def test_woff2_is_recognised_by_content(noto_sans_woff2):
    facts = inspect_font(noto_sans_woff2)

    assert facts.format == "woff2"
    assert facts.family == "Noto Sans"
    assert facts.licence == "SIL Open Font License"
    assert {"Latin", "Greek", "Cyrillic"} <= set(facts.scripts)


def test_variable_font_is_accepted_as_its_default_instance():
    variable = built(small_font({"en": "Badge Test Variable"}, variable=True))

    facts = inspect_font(variable)
    stored = TTFont(io.BytesIO(as_sfnt(variable, upload_family(UPLOAD_ID))))

    assert facts.is_variable is True
    assert facts.family == "Badge Test Variable"
    assert facts.weight == 300
    assert not {"fvar", "gvar", "avar"} & set(stored.keys())
    assert stored["OS/2"].usWeightClass == 300
    # The default instance's outline, not the heaviest one.
    assert stored["glyf"]["A"].xMax == 500


def test_variable_cff2_font_is_stored_as_static_cff():
    variable = variable_cff2_font()

    facts = inspect_font(variable)
    stored = as_sfnt(variable, "BadgesUpload-cff2")

    assert (facts.is_variable, facts.outlines) == (True, "cff")
    assert stored[:4] == b"OTTO"
    assert {"CFF ", "fvar", "CFF2"} & set(TTFont(io.BytesIO(stored)).keys()) == {"CFF "}


# --- refused, with a reason ---


def test_random_bytes_are_not_a_font():
    error = rejected(random.Random(7).randbytes(4096))

    assert error.code == NOT_A_FONT
    assert "TrueType" in error.message


def test_empty_file_is_not_a_font():
    assert rejected(b"").code == NOT_A_FONT


def test_png_named_ttf_is_refused_by_its_content(tmp_path):
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 16, 16)
    upload = tmp_path / "logo.ttf"
    surface.write_to_png(str(upload))

    error = rejected(upload.read_bytes())

    assert error.code == NOT_A_FONT
    assert "PNG image" in error.message


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
def test_truncated_truetype_is_refused(dejavu, cut):
    error = rejected(dejavu[: int(len(dejavu) * cut)])

    assert error.code == TRUNCATED
    assert "truncated" in error.message


def test_truncated_opentype_woff_and_woff2_are_refused(cjk_otf, dejavu_woff, noto_sans_woff2):
    for data in (cjk_otf, dejavu_woff, noto_sans_woff2):
        assert rejected(data[: len(data) - 200]).code == TRUNCATED


def test_a_table_broken_inside_the_file_fails_at_inspection(dejavu):
    """fontTools reads tables lazily; inspection must decompile them all, or a broken GSUB would
    only fail when Pango's text first needed it."""
    font = TTFont(io.BytesIO(dejavu))
    table = font.reader.tables["GSUB"]
    broken = bytearray(dejavu)
    broken[table.offset : table.offset + table.length] = random.Random(3).randbytes(table.length)
    TTFont(io.BytesIO(bytes(broken)))  # opening alone does not notice

    error = rejected(bytes(broken))

    assert error.code == INVALID
    assert "corrupt" in error.message


def test_oversized_upload_names_the_limit(dejavu):
    error = rejected(dejavu, max_bytes=100_000)

    assert error.code == TOO_LARGE
    assert "100000 bytes limit" in error.message


def test_woff_larger_than_the_limit_once_decompressed_is_refused(dejavu, dejavu_woff):
    limit = (len(dejavu_woff) + len(dejavu)) // 2

    error = rejected(dejavu_woff, max_bytes=limit)

    assert error.code == TOO_LARGE
    assert "once decompressed" in error.message


def test_collection_is_refused_with_advice():
    error = rejected(read(NOTO_CJK_COLLECTION), max_bytes=64 * 1024 * 1024)

    assert error.code == COLLECTION
    assert "single font file" in error.message


def test_font_without_a_required_table_is_refused(dejavu):
    font = TTFont(io.BytesIO(dejavu))
    del font["cmap"]

    error = rejected(save(font))

    assert error.code == INVALID
    assert "cmap" in error.message


def test_symbol_font_without_a_unicode_cmap_is_refused():
    font = TTFont(io.BytesIO(built(small_font({"en": "Badge Symbols"}))))
    cmap = font["cmap"]
    subtable = cmap.tables[0]
    symbol = type(subtable)(subtable.format)  # same format, Windows Symbol encoding
    symbol.platformID, symbol.platEncID, symbol.language = 3, 0, 0
    symbol.cmap = {0xF041: "A"}
    cmap.tables = [symbol]

    error = rejected(save(font))

    assert error.code == NO_UNICODE


def woff_table_bomb() -> bytes:
    """A WOFF whose one table says it is 100 kB but inflates to 50 MB."""
    stream = zlib.compress(b"\0" * 50_000_000, 9)
    declared = 100_000
    header = struct.Struct(">4s4sLHHLHHLLLLL")
    offset = header.size + 20
    length = offset + len(stream)
    data = header.pack(b"wOFF", b"\x00\x01\x00\x00", length, 1, 0, 12 + 16 + declared, 1, 0, 0, 0, 0, 0, 0)
    data += struct.pack(">4sLLLL", b"name", offset, len(stream), declared, 0)
    return data + stream


def test_woff_zlib_bomb_is_refused_without_inflating_it():
    error = rejected(woff_table_bomb())

    assert error.code == INVALID
    assert "wrong size" in error.message


def test_woff2_brotli_bomb_is_refused_without_inflating_it(noto_sans_woff2):
    """A real WOFF2 header and table directory, then a stream that inflates far past them."""
    header_size = 48
    directory = io.BytesIO(noto_sans_woff2)
    directory.seek(header_size)
    num_tables = struct.unpack_from(">H", noto_sans_woff2, 12)[0]
    for _ in range(num_tables):
        WOFF2DirectoryEntry().fromFile(directory)
    start = directory.tell()
    stream = brotli.compress(b"\0" * 100_000_000, quality=1)
    bomb = bytearray(noto_sans_woff2[:start] + stream)
    struct.pack_into(">L", bomb, 8, len(bomb))  # length
    struct.pack_into(">L", bomb, 20, len(stream))  # totalCompressedSize
    struct.pack_into(">LLL", bomb, 28, 0, 0, 0)  # no metadata

    error = rejected(bytes(bomb))

    assert error.code == INVALID
    assert "wrong size" in error.message


# --- stored: plain sfnt, renamed ---


def test_as_sfnt_decompresses_woff2_and_renames(noto_sans_woff2):
    family = upload_family(UPLOAD_ID)

    sfnt = as_sfnt(noto_sans_woff2, family)
    facts = inspect_font(sfnt)

    assert sfnt[:4] == b"\x00\x01\x00\x00"
    assert facts.format == "ttf"
    assert (facts.family, facts.style, facts.full_name) == (family, "Regular", family)
    assert facts.postscript_name == f"{family}-Regular"
    assert facts.codepoints == set(TTFont(NOTO_SANS).getBestCmap())


def test_as_sfnt_gives_the_same_bytes_for_the_same_upload(dejavu_woff):
    assert as_sfnt(dejavu_woff, "BadgesUpload-same") == as_sfnt(dejavu_woff, "BadgesUpload-same")


def test_as_sfnt_keeps_opentype_cff_and_fontconfig_sees_the_new_name(cjk_otf, tmp_path):
    """fontconfig reads an OpenType/CFF font's family from the name table, not from the CFF."""
    stored = tmp_path / "stored.otf"
    stored.write_bytes(as_sfnt(cjk_otf, upload_family(UPLOAD_ID)))

    assert stored.read_bytes()[:4] == b"OTTO"
    assert fc_scan_families(stored) == upload_family(UPLOAD_ID)


def test_as_sfnt_validates_too():
    with pytest.raises(FontRejected):
        as_sfnt(b"\x89PNG\r\n\x1a\n", upload_family(UPLOAD_ID))


def test_upload_family_is_one_per_upload():
    family = upload_family(UPLOAD_ID)

    assert family == INTERNAL_FAMILY_PREFIX + UPLOAD_ID.replace("-", "")
    assert upload_family("00000000-0000-0000-0000-000000000001") != family


def test_renamed_font_answers_to_its_new_family_only_in_fontconfig(dejavu, tmp_path):
    """An upload copying "DejaVu Sans" is stored under its own name; fontconfig must not see the
    old one in any record (fc-scan lists every family name a file has)."""
    family = upload_family(UPLOAD_ID)
    original = tmp_path / "original.ttf"
    original.write_bytes(dejavu)
    renamed = tmp_path / "renamed.ttf"
    renamed.write_bytes(as_sfnt(dejavu, family))

    assert shadows_system_family(inspect_font(dejavu).family)
    assert fc_scan_families(original) == "DejaVu Sans"
    assert fc_scan_families(renamed) == family
    assert not shadows_system_family(family)


def test_renaming_removes_translated_and_typographic_family_names(tmp_path):
    """Family names in other languages, and the typographic and WWS families, are names
    fontconfig answers to as well."""
    font = TTFont(io.BytesIO(built(small_font({"en": "Badge Test", "nl": "Badge Proef", "ja": "バッジ"}))))
    names = font["name"]
    for name_id, value in ((16, "Badge Typographic"), (17, "Regular"), (21, "Badge WWS"), (18, "Badge Mac")):
        names.setName(value, name_id, 3, 1, 0x409)
    original = tmp_path / "original.ttf"
    original.write_bytes(save(font))
    renamed = tmp_path / "renamed.ttf"
    renamed.write_bytes(rename_family(original.read_bytes(), "BadgesUpload-test"))

    assert {"Badge Proef", "バッジ", "Badge Typographic"} <= set(fc_scan_families(original).split(","))
    assert fc_scan_families(renamed) == "BadgesUpload-test"
    kept = {record.nameID for record in TTFont(renamed)["name"].names}
    assert not kept & {16, 17, 18, 21, 22, 25}


def test_renamed_variable_font_is_static_in_fontconfig(tmp_path):
    variable = built(small_font({"en": "Badge Test Variable"}, variable=True))
    renamed = tmp_path / "renamed.ttf"
    renamed.write_bytes(as_sfnt(variable, "BadgesUpload-variable"))

    assert fc_scan_families(renamed) == "BadgesUpload-variable"
    assert fc_scan(renamed, "%{variable}|%{weight}|%{style}") == "False|50|Light"


def test_rename_family_refuses_what_is_not_an_internal_name_or_not_sfnt(dejavu, dejavu_woff):
    for family in ("DejaVu Sans", "", "x" * 80, "Bad/Name", "Ünicode"):
        with pytest.raises(ValueError, match="internal family"):
            rename_family(dejavu, family)
    with pytest.raises(ValueError, match="TrueType or OpenType"):
        rename_family(dejavu_woff, "BadgesUpload-test")


def test_shadows_system_family_is_case_insensitive():
    assert shadows_system_family("noto sans")
    assert shadows_system_family("DEJAVU SERIF")
    assert not shadows_system_family("Badge Test Nobody Installed")
