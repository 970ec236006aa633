"""Which writing systems a font covers, judged from the code points its cmap maps.

The rule: a script is covered when the font maps at least 95% of that script's sample, a small
set of letters every text in the script needs (the basic alphabet; for Han and Hangul a spread of
a few hundred common characters). 95% rather than 100% so that a font lacking one archaic or rare
letter still counts; a font with a handful of a script's characters (a logo font, or DejaVu Sans
with most emoji faces in black and white but little else of the emoji set) does not.

The samples are built from Unicode ranges and, for the CJK scripts, from the character sets of
Python's own codecs, so they are the same on every machine.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

SCRIPTS = (
    "Latin",
    "Greek",
    "Cyrillic",
    "Arabic",
    "Hebrew",
    "Devanagari",
    "Bengali",
    "Tamil",
    "Thai",
    "Han",
    "Kana",
    "Hangul",
    "Emoji",
)

COVERAGE_THRESHOLD = 0.95

# Every N-th character of the common Han set and of the KS X 1001 syllables: a few hundred each,
# spread over the whole set, is enough to tell a CJK font from one with a few ideographs.
_HAN_STEP = 5
_HANGUL_STEP = 8


def _assigned(*ranges: tuple[int, int]) -> frozenset[int]:
    """Code points in the inclusive ranges that Unicode assigns (the Indic blocks have gaps)."""
    return frozenset(
        code
        for first, last in ranges
        for code in range(first, last + 1)
        if unicodedata.category(chr(code)) != "Cn"
    )


def _double_byte(codec: str, rows: range, cells: Iterable[int]) -> list[str]:
    """The characters a two-byte CJK codec decodes from lead bytes `rows` and trail bytes `cells`."""
    cells = list(cells)
    decoded = []
    for row in rows:
        for cell in cells:
            try:
                text = bytes((row, cell)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                decoded.append(text)
    return decoded


def _han_sample() -> frozenset[int]:
    """Ideographs in all three of GB 2312 level 1 (the 3,755 most used in Simplified Chinese),
    JIS X 0208 level 1 (the 2,965 most used kanji) and Big5's frequent set (5,401 Traditional):
    1,583 characters written the same way in China, Japan and Taiwan, so a Simplified-only,
    Traditional-only or Japanese font all count as covering Han."""

    def ideograph(text: str) -> bool:
        return "\u4e00" <= text <= "\u9fff"

    trail = range(0xA1, 0xFF)
    simplified = {ch for ch in _double_byte("gb2312", range(0xB0, 0xD8), trail) if ideograph(ch)}
    japanese = {ch for ch in _double_byte("euc_jp", range(0xB0, 0xD0), trail) if ideograph(ch)}
    big5_trail = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    traditional = {ch for ch in _double_byte("big5", range(0xA4, 0xC7), big5_trail) if ideograph(ch)}
    common = sorted(simplified & japanese & traditional)
    return frozenset(ord(ch) for ch in common[::_HAN_STEP])


def _hangul_sample() -> frozenset[int]:
    """The 2,350 syllables of KS X 1001 (what Korean fonts cover at the least), thinned out."""
    syllables = _double_byte("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF))
    return frozenset(ord(ch) for ch in syllables[::_HANGUL_STEP])


@cache
def script_samples() -> dict[str, frozenset[int]]:
    """The sample code points of every script in SCRIPTS."""
    return {
        "Latin": _assigned((0x41, 0x5A), (0x61, 0x7A)),
        # Capital and small letters; U+03A2 is unassigned (final sigma has no capital).
        "Greek": _assigned((0x391, 0x3A9), (0x3B1, 0x3C9)),
        # The Russian alphabet, which every Cyrillic font has, with Ё and ё.
        "Cyrillic": _assigned((0x410, 0x44F), (0x401, 0x401), (0x451, 0x451)),
        # The 28 letters with hamza and its seats, alef maksura and teh marbuta.
        "Arabic": _assigned((0x621, 0x63A), (0x641, 0x64A)),
        "Hebrew": _assigned((0x5D0, 0x5EA)),
        # Independent vowels, consonants, dependent vowel signs and the virama.
        "Devanagari": _assigned((0x905, 0x939), (0x93E, 0x94D)),
        "Bengali": _assigned((0x985, 0x9B9), (0x9BE, 0x9CD)),
        "Tamil": _assigned((0xB85, 0xBB9), (0xBBE, 0xBCD)),
        "Thai": _assigned((0xE01, 0xE3A), (0xE40, 0xE4E)),
        "Han": _han_sample(),
        # Hiragana and katakana of JIS X 0208 (no later additions such as small ke), and the long
        # vowel mark.
        "Kana": _assigned((0x3041, 0x3093), (0x30A1, 0x30F6), (0x30FC, 0x30FC)),
        "Hangul": _hangul_sample(),
        # Faces, weather and transport: emoji shown as emoji by default, which text fonts rarely
        # map (DejaVu Sans has most faces in black and white, but not the rest).
        "Emoji": _assigned((0x1F600, 0x1F64F), (0x1F300, 0x1F320), (0x1F680, 0x1F6C5)),
    }


def scripts_covered(codepoints: Iterable[int]) -> list[str]:
    """The scripts of SCRIPTS (in that order) whose sample is at least 95% mapped."""
    mapped = codepoints if isinstance(codepoints, (set, frozenset)) else set(codepoints)
    covered = []
    for script, sample in script_samples().items():
        if len(sample & mapped) >= COVERAGE_THRESHOLD * len(sample):
            covered.append(script)
    return covered
