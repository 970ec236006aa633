"""Which characters of the attendees' texts a chosen font lacks, and which font draws them instead.

The render engine asks Pango for the chosen family, then Noto Sans and the Noto family of each
script in the text (api.render.fallback), then whatever fontconfig finds (Noto Color Emoji for
emoji); the job log says so, per attendee, before anything is printed with a font the organiser
did not choose.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from fontTools.ttLib import TTFont

from api.fonts.catalogue import font_id, system_font
from api.fonts.fontconfig import installed_faces
from api.render.fallback import BASE_FAMILY, EMOJI_FAMILY, fallback_families

NO_FONT = "fontconfig's choice (a box where no installed font has them)"


# How much of a text a warning quotes.
SHOWN_CHARS = 40


def cmap_of_bytes(data: bytes) -> frozenset[int]:
    with TTFont(io.BytesIO(data), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@cache
def system_cmap(family: str) -> frozenset[int]:
    """The regular face's character map of an installed curated family (empty when not installed)."""
    font = system_font(font_id(family))
    if font is None:
        return frozenset()
    face = font.faces[0]
    with TTFont(face.file, fontNumber=face.index, lazy=True) as opened:
        return frozenset(opened.getBestCmap() or {})


@cache
def installed_cmap(family: str) -> frozenset[int]:
    """The character map of an installed family's regular face, any family fontconfig lists
    (empty when it is not installed): the engine falls back to families outside the catalogue."""
    faces = [face for face in installed_faces() if family in face.families]
    if not faces:
        return frozenset()
    face = min(faces, key=lambda face: (face.italic, abs(face.weight - 400), face.width != 100))
    with TTFont(face.file, fontNumber=face.index, lazy=True) as opened:
        return frozenset(opened.getBestCmap() or {})


def fallback_for(characters: Iterable[str], chosen: str) -> str:
    """The fonts that draw `characters` instead of `chosen`, in the engine's order: the families
    api.render.fallback lists for them, then the colour emoji font fontconfig gives emoji."""
    text = "".join(characters)
    # Latin, Greek and Cyrillic go to fontconfig's default, which is Noto Sans where the
    # Makefile's fonts are installed.
    listed = fallback_families(text) or (BASE_FAMILY,)
    order = [family for family in (*listed, EMOJI_FAMILY) if family != chosen]
    drawn: dict[str, None] = {}
    for character in text:
        family = next((name for name in order if ord(character) in installed_cmap(name)), NO_FONT)
        drawn[family] = None
    return " and ".join(drawn) or NO_FONT


def missing_glyph_warnings(
    rows: Iterable[Mapping[str, str]],
    fields: Mapping[str, tuple[str, str, frozenset[int]]],
    limit: int,
    row_numbers: Sequence[int] | None = None,
) -> tuple[list[str], int]:
    """Warnings for texts with characters their field's font lacks; (first `limit`, how many in all).

    `fields` maps a template field to (the column it reads, the font's name, its character map).
    `row_numbers` name the rows as the organiser numbers them (1, 2, ... without them).
    """
    warnings: list[str] = []
    total = 0
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers is not None else index + 1
        for field, (column, family, cmap) in fields.items():
            text = row.get(column, "")
            # In the order they appear, once each: the way a person reads the name.
            missing = list(dict.fromkeys(ch for ch in text if not ch.isspace() and ord(ch) not in cmap))
            if not missing:
                continue
            total += 1
            if len(warnings) < limit:
                # The text as written, not its distinct characters run together: "محمد عبد الله"
                # shown as "محدعباله" reads like another, wrong word.
                shown = text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
                warnings.append(
                    f'Row {number}, {field}: "{shown}" has characters not in {family}; drawn with '
                    f"{fallback_for(missing, family)}."
                )
    return warnings, total
