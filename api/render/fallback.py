"""Which fonts a text falls back to, and which characters ended up in which font.

Pango takes each character from the first family in the description's list that has it, then
from fontconfig's own order. Fontconfig's order after the named families is close to arbitrary
(Noto Sans Grantha comes before Noto Sans Tamil and takes a Tamil vowel sign: a dotted circle on
the badge), so after the requested families the list names, for the text at hand, Noto Sans
(Latin, Greek and Cyrillic a script font lacks) and the Noto family of each script the text uses.
Only the scripts present are named: each family in the list costs time in every layout.

Emoji are never named. Pango gives an emoji run a colour font from fontconfig's order (Noto Color
Emoji, with fonts-noto-color-emoji installed) whatever the list says, and a colour font named in
the list draws digits, "#" and spaces as well, even after a family that has them ("12 Ada" in
"DejaVu Sans, Noto Color Emoji" takes "12 " from the emoji font). PlacedText.fallback_fonts
reports which font drew each emoji, so a machine without the colour font shows in the report.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from api.render import pango

BASE_FAMILY = "Noto Sans"
EMOJI_FAMILY = "Noto Color Emoji"

_pango = pango.pango
_ffi = pango.ffi

# CJK characters are sorted into one of these before a family is chosen (see _cjk_family).
_HAN, _KANA, _HANGUL, _BOPOMOFO, _EMOJI = "han", "kana", "hangul", "bopomofo", "emoji"
_CJK = {_HAN, _KANA, _HANGUL, _BOPOMOFO}

# (first, last, family or CJK kind), sorted by first code point. Scripts with a Noto family in
# fonts-noto-core; Tibetan has only a serif design there.
_RANGES = sorted(
    [
        (0x0530, 0x058F, "Noto Sans Armenian"),
        (0xFB13, 0xFB17, "Noto Sans Armenian"),
        (0x0590, 0x05FF, "Noto Sans Hebrew"),
        (0xFB1D, 0xFB4F, "Noto Sans Hebrew"),
        (0x0600, 0x06FF, "Noto Sans Arabic"),
        (0x0750, 0x077F, "Noto Sans Arabic"),
        (0x0870, 0x08FF, "Noto Sans Arabic"),
        (0xFB50, 0xFDFF, "Noto Sans Arabic"),
        (0xFE70, 0xFEFF, "Noto Sans Arabic"),
        (0x0700, 0x074F, "Noto Sans Syriac"),
        (0x0780, 0x07BF, "Noto Sans Thaana"),
        (0x07C0, 0x07FF, "Noto Sans NKo"),
        (0x0900, 0x097F, "Noto Sans Devanagari"),
        (0xA8E0, 0xA8FF, "Noto Sans Devanagari"),
        (0x0980, 0x09FF, "Noto Sans Bengali"),
        (0x0A00, 0x0A7F, "Noto Sans Gurmukhi"),
        (0x0A80, 0x0AFF, "Noto Sans Gujarati"),
        (0x0B00, 0x0B7F, "Noto Sans Oriya"),
        (0x0B80, 0x0BFF, "Noto Sans Tamil"),
        (0x0C00, 0x0C7F, "Noto Sans Telugu"),
        (0x0C80, 0x0CFF, "Noto Sans Kannada"),
        (0x0D00, 0x0D7F, "Noto Sans Malayalam"),
        (0x0D80, 0x0DFF, "Noto Sans Sinhala"),
        (0x0E00, 0x0E7F, "Noto Sans Thai"),
        (0x0E80, 0x0EFF, "Noto Sans Lao"),
        (0x0F00, 0x0FFF, "Noto Serif Tibetan"),
        (0x1000, 0x109F, "Noto Sans Myanmar"),
        (0xAA60, 0xAA7F, "Noto Sans Myanmar"),
        (0x10A0, 0x10FF, "Noto Sans Georgian"),
        (0x1C90, 0x1CBF, "Noto Sans Georgian"),
        (0x2D00, 0x2D2F, "Noto Sans Georgian"),
        (0x1100, 0x11FF, _HANGUL),
        (0x3130, 0x318F, _HANGUL),
        (0xA960, 0xA97F, _HANGUL),
        (0xAC00, 0xD7FF, _HANGUL),
        (0x1200, 0x139F, "Noto Sans Ethiopic"),
        (0x2D80, 0x2DDF, "Noto Sans Ethiopic"),
        (0xAB00, 0xAB2F, "Noto Sans Ethiopic"),
        (0x13A0, 0x13FF, "Noto Sans Cherokee"),
        (0x1400, 0x167F, "Noto Sans Canadian Aboriginal"),
        (0x1780, 0x17FF, "Noto Sans Khmer"),
        (0x19E0, 0x19FF, "Noto Sans Khmer"),
        (0x1800, 0x18AF, "Noto Sans Mongolian"),
        (0x2D30, 0x2D7F, "Noto Sans Tifinagh"),
        (0xA980, 0xA9DF, "Noto Sans Javanese"),
        (0x1B00, 0x1B7F, "Noto Sans Balinese"),
        (0x2300, 0x23FF, _EMOJI),
        (0x2600, 0x27BF, _EMOJI),
        (0x2B00, 0x2BFF, _EMOJI),
        (0x2E80, 0x2FDF, _HAN),
        (0x3000, 0x303F, _HAN),
        (0x3040, 0x30FF, _KANA),
        (0x31F0, 0x31FF, _KANA),
        (0xFF66, 0xFF9F, _KANA),
        (0x3100, 0x312F, _BOPOMOFO),
        (0x31A0, 0x31BF, _BOPOMOFO),
        (0x3200, 0x33FF, _HAN),
        (0x3400, 0x4DBF, _HAN),
        (0x4E00, 0x9FFF, _HAN),
        (0xF900, 0xFAFF, _HAN),
        (0xFE0F, 0xFE0F, _EMOJI),  # emoji presentation selector: "❤️" is an emoji, "❤" text
        (0xFF00, 0xFF65, _HAN),
        (0x1F000, 0x1FAFF, _EMOJI),
        (0x20000, 0x3FFFF, _HAN),
        (0xE0020, 0xE007F, _EMOJI),  # tags: the flags of England, Scotland and Wales
    ]
)
_STARTS = [first for first, _, _ in _RANGES]


def _covered_by_requested(code: int) -> bool:
    """Latin, Greek, Cyrillic and general punctuation: the families a template names have them,
    and a list of fallbacks would make each layout almost twice as slow."""
    return code < 0x0530 or 0x1E00 <= code <= 0x1EFF or 0x2000 <= code <= 0x20CF


def fallback_families(text: str) -> tuple[str, ...]:
    """The families to try after the requested ones for `text`; empty when it needs none."""
    if text.isascii():
        return ()  # the common case, without a pass per character
    return _fallbacks_of(text)


@lru_cache(maxsize=8192)
def _fallbacks_of(text: str) -> tuple[str, ...]:
    kinds: dict[str, None] = {}  # in order of first appearance
    for character in text:
        code = ord(character)
        if _covered_by_requested(code):
            continue
        index = bisect.bisect_right(_STARTS, code) - 1
        first, last, kind = _RANGES[index] if index >= 0 else (0, -1, "")
        kinds[kind if first <= code <= last else BASE_FAMILY] = None
    kinds.pop(_EMOJI, None)  # left to Pango (see above); listed so they do not add Noto Sans
    if not kinds:
        return ()
    cjk = _cjk_family(kinds.keys() & _CJK)
    families = [BASE_FAMILY] + [kind for kind in kinds if kind not in _CJK]
    families += [cjk] if cjk else []
    return tuple(dict.fromkeys(families))


def _cjk_family(kinds: set[str]) -> str | None:
    """Han alone is most often a Chinese name; kana make it Japanese, hangul Korean, bopomofo
    Taiwanese. The CJK families cover the same characters and differ in the shapes of some."""
    if not kinds:
        return None
    if _HANGUL in kinds:
        return "Noto Sans CJK KR"
    if _KANA in kinds:
        return "Noto Sans CJK JP"
    if _BOPOMOFO in kinds:
        return "Noto Sans CJK TC"
    return "Noto Sans CJK SC"


def every_fallback_family() -> tuple[str, ...]:
    """Each family the engine may fall back to: the listed ones, then the colour emoji font."""
    named = [kind for _, _, kind in _RANGES if kind not in _CJK and kind != _EMOJI]
    cjk = [f"Noto Sans CJK {region}" for region in ("SC", "TC", "JP", "KR")]
    return tuple(dict.fromkeys([BASE_FAMILY, *named, *cjk, EMOJI_FAMILY]))


# The requested part of each family list with_fallbacks made: what drew a character is compared
# with the requested families, which a Pango family list does not set apart. Every layout asks
# with_fallbacks for its list first, so a list in use is always here.
_requested_of: dict[str, frozenset[str]] = {}
_LISTS_MAX = 4096


def split_families(family: str) -> list[str]:
    return [name.strip() for name in family.split(",") if name.strip()]


@lru_cache(maxsize=_LISTS_MAX)
def with_fallbacks(family: str, fallbacks: tuple[str, ...]) -> str:
    """A Pango family list: the requested families first, then `fallbacks` not already there."""
    requested = split_families(family)
    folded = {name.casefold() for name in requested}
    listed = ", ".join(requested + [name for name in fallbacks if name.casefold() not in folded])
    if len(_requested_of) >= _LISTS_MAX:
        _requested_of.clear()
        with_fallbacks.cache_clear()  # so that a list made again is recorded again
    _requested_of[listed] = frozenset(folded)
    return listed


def requested_families(family_list: str) -> frozenset[str]:
    """The requested families (casefolded) of a list from with_fallbacks, or of a plain list."""
    known = _requested_of.get(family_list)
    if known is not None:
        return known
    return frozenset(name.casefold() for name in split_families(family_list))


_ASCII = range(0x20, 0x7F)


@dataclass(frozen=True, eq=False)
class _Requested:
    """The font Pango loads for a family list when it is one of the requested families, else None
    (held here, so that it can be asked which characters it has), and whether it has all of ASCII."""

    font: Any
    has_ascii: bool
    # Characters the font is known to have: asked of Pango once each, not once per name.
    has: set[str] = field(default_factory=set)

    def covers(self, text: str) -> bool:
        if self.font is None:
            return False
        for character in set(text) - self.has:
            if len(self.has) >= _CHARACTERS_MAX:
                self.has.clear()
            if not _pango.pango_font_has_char(self.font, ord(character)):
                return False
            self.has.add(character)
        return True


_CHARACTERS_MAX = 65536
_requested_fonts: dict[bytes, _Requested] = {}
# Family lists in use whose font lacks some ASCII character (or is not a requested family). While
# there are none, an ASCII text needs no look-up at all: most names, decided for nothing.
_lacking_ascii: set[bytes] = set()


def check_description(context: Any, description: Any) -> None:
    """Note, once per family list, whether the font `description` loads has all of ASCII."""
    family_list = pango.c_string(_pango.pango_font_description_get_family(description))
    if not _requested_font(context, description, family_list).has_ascii:
        _lacking_ascii.add(family_list)


def fallback_fonts(layout: Any, text: str) -> tuple[tuple[str, str], ...]:
    """The characters of a laid-out PangoLayout drawn by a font other than the requested
    families, as (characters, family) pairs in the order they appear, one pair per family."""
    ascii_text = text.isascii()
    if ascii_text and not _lacking_ascii:
        return ()
    description = _pango.pango_layout_get_font_description(layout)
    family_list = pango.c_string(_pango.pango_font_description_get_family(description))
    context = _pango.pango_layout_get_context(layout)
    requested = _requested_font(context, description, family_list)
    if requested.has_ascii and ascii_text:
        return ()
    if requested.covers(text):
        return ()  # Pango takes each character from the first family that has it
    names = requested_families(family_list.decode())
    drawn: dict[str, list[str]] = {}
    for piece, family in fonts_of_runs(layout):
        if family.casefold() not in names and piece.strip():
            drawn.setdefault(family, []).append(piece.strip())
    return tuple((" ".join(pieces), family) for family, pieces in drawn.items())


def _requested_font(context: Any, description: Any, family_list: bytes) -> _Requested:
    known = _requested_fonts.get(family_list)
    if known is None:
        font = _pango.pango_context_load_font(context, description)
        if font != _ffi.NULL and _family_of(font).casefold() in requested_families(family_list.decode()):
            font = pango.unref_later(font)
            has_ascii = all(_pango.pango_font_has_char(font, code) for code in _ASCII)
            known = _Requested(font, has_ascii)
        else:
            if font != _ffi.NULL:
                pango.gobject.g_object_unref(font)
            known = _Requested(None, False)
        if len(_requested_fonts) >= _LISTS_MAX:
            _requested_fonts.clear()
        _requested_fonts[family_list] = known
    return known


def fonts_of_runs(layout: Any) -> list[tuple[str, str]]:
    """(text, family of the font that drew it) for each run of a laid-out PangoLayout pointer."""
    text = pango.c_string(_pango.pango_layout_get_text(layout))
    runs: list[tuple[str, str]] = []
    iterator = _pango.pango_layout_get_iter(layout)
    try:
        while True:
            run = _pango.pango_layout_iter_get_run_readonly(iterator)
            if run != _ffi.NULL:  # NULL marks the end of a line
                item = run.item
                piece = text[item.offset : item.offset + item.length].decode("utf-8", "replace")
                runs.append((piece, _family_of(item.analysis.font)))
            if not _pango.pango_layout_iter_next_run(iterator):
                break
    finally:
        _pango.pango_layout_iter_free(iterator)
    return runs


def _family_of(font: Any) -> str:
    """The family name of a PangoFont, as fontconfig lists it ("DejaVu Sans")."""
    face = _pango.pango_font_get_face(font) if font != _ffi.NULL else _ffi.NULL
    family = _pango.pango_font_face_get_family(face) if face != _ffi.NULL else _ffi.NULL
    if family == _ffi.NULL:
        return ""
    return pango.c_string(_pango.pango_font_family_get_name(family)).decode()


# Checks of a template's own fonts --------------------------------------------------------------

# CSS generic families: fontconfig resolves them to an installed family.
GENERIC_FAMILIES = frozenset(
    {"serif", "sans-serif", "sans", "monospace", "mono", "cursive", "fantasy", "system-ui"}
)


def _font_map() -> Any:
    return pango.pangocairo.pango_cairo_font_map_get_default()


def installed_families() -> frozenset[str]:
    """Every family Pango can draw with in this process (uploaded ones too), case-folded."""
    families = _ffi.new("PangoFontFamily ***")
    count = _ffi.new("int *")
    _pango.pango_font_map_list_families(_font_map(), families, count)
    try:
        return frozenset(
            pango.c_string(_pango.pango_font_family_get_name(families[0][index])).decode().casefold()
            for index in range(count[0])
        )
    finally:
        pango.gobject.g_free(families[0])


def substitute_for(family: str) -> str:
    """The family Pango draws with when asked for `family`."""
    context = pango.unref_later(_pango.pango_font_map_create_context(_font_map()))
    description = _ffi.gc(_pango.pango_font_description_new(), _pango.pango_font_description_free)
    _pango.pango_font_description_set_family(description, family.encode())
    font = _pango.pango_context_load_font(context, description)
    if font == _ffi.NULL:
        return "none"
    try:
        return _family_of(font)
    finally:
        pango.gobject.g_object_unref(font)


def is_installed(family: str) -> bool:
    """Whether any family of a family list is installed, or is a generic family."""
    installed = installed_families() | GENERIC_FAMILIES
    return any(name.casefold() in installed for name in split_families(family))


def missing_family_warnings(families: Iterable[str]) -> list[str]:
    """A warning for each family list none of whose families is installed."""
    return [
        f"The font {family!r} is not installed: text set in it is drawn with {substitute_for(family)}."
        for family in dict.fromkeys(families)
        if not is_installed(family)
    ]


def static_text_warnings(
    text: str, family: str, fallbacks: tuple[tuple[str, str], ...], unknown_glyphs: int
) -> list[str]:
    """What an organiser should know about a fixed text's glyphs: characters the template's font
    lacks and where they came from, and characters no installed font has."""
    shown = repr(text if len(text) <= 40 else text[:39] + "…")
    warnings = []
    if fallbacks:
        parts = " and ".join(f"{characters} from {source}" for characters, source in fallbacks)
        warnings.append(f"The text {shown} takes {parts}: {family} lacks them.")
    if unknown_glyphs:
        warnings.append(
            f"The text {shown} has {unknown_glyphs} character(s) no installed font has: they print as boxes."
        )
    return warnings
