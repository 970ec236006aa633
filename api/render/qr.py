"""QR codes drawn as vector rectangles, and the vCard text a badge's QR code usually carries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from itertools import groupby

import cairocffi
import segno

from api.render.errors import RenderInputError

QUIET_ZONE_MODULES = 4
# The smallest module a badge's QR code should have, in millimetres. DENSO WAVE, who made QR
# codes, recommend at least 4 printer dots per module (www.qrcode.com/en/howto/cell.html): on the
# 300 dpi thermal printers badges are usually printed on that is 0.33 mm, and guides for phone
# scanning at hand distance ask for about 0.4 mm. Smaller modules blur into each other.
MIN_MODULE_MM = 0.33
MM_PER_POINT = 25.4 / 72
ERROR_LEVELS = ("l", "m", "q", "h")
# What the largest symbol (version 40) holds in byte mode, for the message when data is too long.
_BYTE_CAPACITY = {"l": 2953, "m": 2331, "q": 1663, "h": 1273}
_EAST_ASIAN_SCRIPTS = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")

Color = tuple[float, float, float]


def vcard(name: str, organization: str = "", email: str = "") -> str:
    """A vCard 3.0 with the name exactly as written (FN), a structured name (N), organisation and e-mail."""
    if not name.strip():
        raise RenderInputError("a vCard needs a name", location="qr")
    family, given = _structured_name(name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{_escape(family)};{_escape(given)};;;", f"FN:{_escape(name)}"]
    if organization:
        lines.append(f"ORG:{_escape(organization)}")
    if email:
        lines.append(f"EMAIL:{_escape(email)}")
    lines.append("END:VCARD")
    return "".join(f"{line}\r\n" for line in lines)


def _escape(text: str) -> str:
    """Escape a vCard text value (RFC 6350 section 3.4): backslash, comma, semicolon, line breaks."""
    escaped = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return re.sub(r"\r\n|\r|\n", r"\\n", escaped)


def _structured_name(name: str) -> tuple[str, str]:
    """(family, given) for N: a guess, which is why FN carries the name as written.

    The last word is taken as the family name and the rest as given names, so a contacts app that
    shows "given family" gives back the name as written, whatever the real order. Names with
    Chinese, Japanese or Korean characters go whole into the family name: they are written
    family name first, often without a space, and apps show such a family name as it is.
    """
    words = name.strip()
    is_east_asian = any(unicodedata.name(char, "").startswith(_EAST_ASIAN_SCRIPTS) for char in words)
    if is_east_asian or len(words.split()) < 2:
        return words, ""
    given, family = words.rsplit(maxsplit=1)
    return family, given


def draw_qr(
    ctx: cairocffi.Context,
    data: str,
    x: float,
    y: float,
    size: float,
    *,
    color: Color = (0, 0, 0),
    error: str = "m",
    quiet_zone: bool = True,
    min_module: float = 0.0,
) -> int:
    """Draw `data` as a QR code filling the `size` square whose top-left corner is (x, y); return
    its modules per side (the printed module is then `module_size(size, modules)`).

    The dark modules are one path, a rectangle per horizontal run, filled once. With `quiet_zone`
    the square includes the 4-module margin scanners need, painted white so that a coloured badge
    does not spoil the scan; without it only the dark modules are painted. `error` is the lowest
    error correction level (L, M, Q or H); segno raises it when that costs no extra size. When its
    modules would come out smaller than `min_module` (in the same units as `size`), level L is used
    if it gives larger ones: a freshly printed badge needs legible modules more than it needs M's
    recovery of damaged ones.
    """
    matrix = _encode(data, error)
    if module_size(size, len(matrix), quiet_zone=quiet_zone) < min_module and error.lower() != "l":
        sparser = _encode(data, "l")
        if len(sparser) < len(matrix):
            matrix = sparser
    border = QUIET_ZONE_MODULES if quiet_zone else 0
    module = module_size(size, len(matrix), quiet_zone=quiet_zone)
    ctx.save()
    ctx.new_path()
    if quiet_zone:
        ctx.rectangle(x, y, size, size)
        ctx.set_source_rgb(1, 1, 1)
        ctx.fill()
    for row_index, row in enumerate(matrix):
        for start, length in _dark_runs(row):
            top = y + (border + row_index) * module
            ctx.rectangle(x + (border + start) * module, top, length * module, module)
    ctx.set_source_rgb(*color)
    ctx.fill()
    ctx.restore()
    return len(matrix)


def module_size(size: float, modules: int, *, quiet_zone: bool = True) -> float:
    """The side of one module of a `modules`-wide code drawn by draw_qr in a `size` square."""
    return size / (modules + (2 * QUIET_ZONE_MODULES if quiet_zone else 0))


def _encode(data: str, error: str) -> tuple[bytearray, ...]:
    """The module matrix (1 = dark) of the smallest QR code that holds `data`."""
    if error.lower() not in ERROR_LEVELS:
        raise RenderInputError(f"error correction level must be L, M, Q or H, not {error!r}", location="qr")
    if not data:
        raise RenderInputError("the QR code has no data", location="qr")
    # Without an ECI header, readers guess the charset of non-ASCII bytes and guess wrong: zbar reads
    # segno's default Latin-1 "Søren" and bare UTF-8 "Łukasz" as Shift-JIS. ASCII needs no header.
    is_ascii = data.isascii()
    try:
        symbol = segno.make(
            data, error=error, micro=False, encoding=None if is_ascii else "utf-8", eci=not is_ascii
        )
    except segno.DataOverflowError:
        capacity = _BYTE_CAPACITY[error.lower()]
        raise RenderInputError(
            f"the QR code cannot hold {len(data)} characters ({len(data.encode())} bytes in UTF-8): "
            f"at error correction level {error.upper()} it holds at most {capacity} bytes",
            location="qr",
        ) from None
    return symbol.matrix


def _dark_runs(row: bytearray) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    column = 0
    for is_dark, modules in groupby(row, key=bool):
        length = sum(1 for _ in modules)
        if is_dark:
            yield column, length
        column += length
