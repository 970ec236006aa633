"""The system fonts offered for badges: a curated list, of which only the installed ones appear.

The families are the ones the render engine falls back on (api.render.text.SCRIPT_FALLBACKS) and a
few more a designer would pick; each is found through fontconfig, so what the catalogue lists is
what Pango will draw with. Scripts and licence are read from the regular face with fontTools
(its cmap and name tables only, never the outlines: the CJK faces are 16 MB each), once per
process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from fontTools.ttLib import TTFont

from api.fonts.fontconfig import InstalledFace, installed_faces
from api.fonts.scripts import scripts_covered
from api.fonts.validation import licence_name, read_name

# In the order a family picker shows them: general text first, then by script, emoji last.
CURATED_FAMILIES = (
    "Noto Sans",
    "Noto Serif",
    "DejaVu Sans",
    "DejaVu Serif",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans Arabic",
    "Noto Naskh Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Tamil",
    "Noto Sans Thai",
    "Noto Color Emoji",
)

_NORMAL_WIDTH = 100
_WEIGHT_NAMES = {
    100: "thin",
    200: "extralight",
    300: "light",
    350: "semilight",
    380: "book",
    400: "regular",
    500: "medium",
    600: "semibold",
    700: "bold",
    800: "extrabold",
    900: "black",
    1000: "extrablack",
}


@dataclass(frozen=True)
class SystemFace:
    """One style of a family: what to ask Pango for (weight, italic) and the file it gets."""

    style: str  # "regular", "bold", "italic", "bold-italic", "extralight", ...
    weight: int  # OpenType scale, as a Pango font description takes it
    italic: bool
    style_name: str  # the font's own name for the style: "Book", "Bold Oblique"
    file: str
    index: int  # the face inside a collection (.ttc); 0 otherwise


@dataclass(frozen=True)
class SystemFont:
    id: str  # stable slug of the family, e.g. "noto-sans-cjk-sc"
    family: str
    faces: tuple[SystemFace, ...]  # regular first
    scripts: tuple[str, ...]  # covered by the regular face (api.fonts.scripts)
    licence: str | None  # short name, e.g. "SIL Open Font License"
    licence_url: str | None
    version: str

    @property
    def styles(self) -> tuple[str, ...]:
        return tuple(face.style for face in self.faces)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(face.file for face in self.faces))

    def face(self, style: str) -> SystemFace | None:
        return next((face for face in self.faces if face.style == style), None)


def font_id(family: str) -> str:
    """The catalogue id of a family: "Noto Sans CJK SC" is "noto-sans-cjk-sc"."""
    return re.sub(r"[^a-z0-9]+", "-", family.casefold()).strip("-")


def style_key(weight: int, italic: bool) -> str:
    """ "regular", "bold", "italic", "bold-italic", "light-italic", ..."""
    nearest = min(_WEIGHT_NAMES, key=lambda known: abs(known - weight))
    word = _WEIGHT_NAMES[nearest]
    if not italic:
        return word
    return "italic" if word == "regular" else f"{word}-italic"


@cache
def system_fonts() -> tuple[SystemFont, ...]:
    """The curated families installed here, in CURATED_FAMILIES order (cached per process)."""
    faces = installed_faces()
    fonts = []
    for family in CURATED_FAMILIES:
        font = _system_font(family, [face for face in faces if family in face.families])
        if font is not None:
            fonts.append(font)
    return tuple(fonts)


def system_font(font_id: str) -> SystemFont | None:
    return next((font for font in system_fonts() if font.id == font_id), None)


def _system_font(family: str, installed: list[InstalledFace]) -> SystemFont | None:
    # Condensed and expanded faces are left out: Pango picks a face by family, weight and
    # style, and with a normal width asked for would never choose them.
    by_style: dict[str, SystemFace] = {}
    for face in sorted(installed, key=lambda face: (face.file, face.index)):
        if face.width != _NORMAL_WIDTH:
            continue
        key = style_key(face.weight, face.italic)
        by_style.setdefault(key, SystemFace(key, face.weight, face.italic, face.style, face.file, face.index))
    if not by_style:
        return None
    # The regular face (or the one nearest to it) first, then upright and italic ones by weight.
    regular = min(by_style.values(), key=lambda face: (face.italic, abs(face.weight - 400), face.weight))
    others = sorted(
        (face for face in by_style.values() if face is not regular),
        key=lambda face: (face.italic, face.weight),
    )
    faces = [regular, *others]
    scripts, licence, licence_url, version = _read_face(regular.file, regular.index)
    return SystemFont(
        id=font_id(family),
        family=family,
        faces=tuple(faces),
        scripts=scripts,
        licence=licence,
        licence_url=licence_url,
        version=version,
    )


@cache
def _read_face(path: str, index: int) -> tuple[tuple[str, ...], str | None, str | None, str]:
    """Scripts, licence name and URL, and version of one installed face, from cmap and name."""
    # lazy: only the tables asked for are read; a system font is trusted, so no full validation.
    with TTFont(path, fontNumber=index, lazy=True) as font:
        cmap = font.getBestCmap() or {}
        text = read_name(font, 13, limit=16_384) or None
        url = read_name(font, 14) or None
        version = read_name(font, 5)
    return tuple(scripts_covered(cmap.keys())), licence_name(text, url), url, version
