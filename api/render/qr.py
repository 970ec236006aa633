"""QR codes, and the vCard text a badge's QR code usually carries.

A code is encoded here, not by segno (whose tables it reads): segno scores the eight masks module
by module in Python, about 14 ms for a vCard, most of a badge's time. Here the symbol is laid out
once as one Python int holding its rows and its columns (`_Layout`), so each mask is an XOR and its
penalty (ISO/IEC 18004 7.8.3: N1 runs, N2 blocks, N3 finder-like patterns, N4 balance) a few dozen
whole-int bit operations: the same score segno gives, in microseconds. Two of the eight masks are
scored, not all eight (see `_CANDIDATE_MASKS`): readers decode any mask, and on realistic badge data
the better of the two scores within 1 % of the best of eight in the median case.

A code is drawn as a 1-bit image mask, one pixel per module, painted in the code's colour with
nearest-neighbour filtering: in the PDF a stencil mask (/ImageMask, /Interpolate false) of a few
hundred bytes, sharp at any resolution, where the rectangles of a path took several kilobytes.
The last few hundred codes are kept, with their image, so a code drawn again (the same event URL
on every badge) is the same surface, which cairo's PDF backend writes once.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import itemgetter
from typing import cast

import cairocffi
from segno import consts

from api.render.errors import RenderInputError

QUIET_ZONE_MODULES = 4
# The smallest module a badge's QR code should have, in millimetres. DENSO WAVE, who made QR
# codes, recommend at least 4 printer dots per module (www.qrcode.com/en/howto/cell.html): on the
# 300 dpi thermal printers badges are usually printed on that is 0.33 mm, and guides for phone
# scanning at hand distance ask for about 0.4 mm. Smaller modules blur into each other.
MIN_MODULE_MM = 0.33
MM_PER_POINT = 25.4 / 72
# What the largest symbol (version 40) holds in byte mode, for the message when data is too long.
_BYTE_CAPACITY = {"l": 2953, "m": 2331, "q": 1663, "h": 1273}
_EAST_ASIAN_SCRIPTS = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")
_VCARD_SPECIAL = re.compile(r"[\\,;\r\n]")

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
    if not _VCARD_SPECIAL.search(text):  # most values: one search instead of four passes
        return text
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
    is_east_asian = not words.isascii() and any(
        unicodedata.name(char, "").startswith(_EAST_ASIAN_SCRIPTS) for char in words
    )
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

    The dark modules are a 1-bit image mask, one pixel per module, painted in `color` without
    smoothing. With `quiet_zone` the square includes the 4-module margin scanners need, painted
    white so that a coloured badge does not spoil the scan; without it only the dark modules are
    painted. `error` is the lowest error correction level (L, M, Q or H); it is raised when that
    costs no extra size. When its modules would come out smaller than `min_module` (in the same
    units as `size`), level L is used if it gives larger ones: a freshly printed badge needs
    legible modules more than it needs M's recovery of damaged ones.
    """
    border = QUIET_ZONE_MODULES if quiet_zone else 0
    # The most modules a side may have for each to be at least `min_module` (a module exactly that
    # size, give or take the division's rounding, is legible).
    legible = int(size / min_module + 1e-9) - 2 * border if min_module > 0 else None
    symbol = encode(data, error, legible)
    module = module_size(size, symbol.size, quiet_zone=quiet_zone)
    ctx.save()
    ctx.new_path()
    if quiet_zone:
        ctx.rectangle(x, y, size, size)
        ctx.set_source_rgb(1, 1, 1)
        ctx.fill()
    ctx.translate(x + border * module, y + border * module)
    ctx.scale(module, module)
    ctx.set_source_rgb(*color)
    ctx.mask(_stencil(symbol))
    ctx.restore()
    return symbol.size


def module_size(size: float, modules: int, *, quiet_zone: bool = True) -> float:
    """The side of one module of a `modules`-wide code drawn by draw_qr in a `size` square."""
    return size / (modules + (2 * QUIET_ZONE_MODULES if quiet_zone else 0))


# Encoding -------------------------------------------------------------------------------------

# segno's constants for the error levels (as the format information numbers them), lowest first.
_LEVELS = {
    "l": consts.ERROR_LEVEL_L,
    "m": consts.ERROR_LEVEL_M,
    "q": consts.ERROR_LEVEL_Q,
    "h": consts.ERROR_LEVEL_H,
}
_LEVEL_ORDER = ("l", "m", "q", "h")
_ALPHANUMERIC = re.compile(rb"[0-9A-Z $%*+\-./:]+")
_MODE_NUMERIC, _MODE_ALPHANUMERIC, _MODE_BYTE, _MODE_ECI = 0b0001, 0b0010, 0b0100, 0b0111
_ECI_UTF8 = 26
# Character count indicator bits (ISO/IEC 18004 table 3) for versions 1-9, 10-26 and 27-40.
_COUNT_BITS = {_MODE_NUMERIC: (10, 12, 14), _MODE_ALPHANUMERIC: (9, 11, 13), _MODE_BYTE: (8, 16, 16)}
_SYMBOLS_CACHED = 512
# segno's tables, typed (their keys mix QR and Micro QR versions, so mypy infers values as object):
# capacity in data bits and the error correction blocks, by version and then error level.
_CAPACITY = cast("dict[int, dict[int, int]]", consts.SYMBOL_CAPACITY)
_BLOCKS = cast("dict[int, dict[int, tuple[consts.EC, ...]]]", consts.ECC)


@dataclass(frozen=True, eq=False)
class Symbol:
    """An encoded QR code: its modules as a cairo FORMAT_A1 image, a bit per module (1 = dark)."""

    version: int
    error: str  # the level used: the one asked for, or higher when that cost no extra size
    mask: int
    a1: bytes  # rows of `stride` bytes; little-endian bit order, as cairo has A1 on x86 and ARM
    stride: int

    @property
    def size(self) -> int:
        return 4 * self.version + 17

    @property
    def rows(self) -> tuple[int, ...]:
        """Each row as an int: bit c is column c."""
        stride = self.stride
        return tuple(
            int.from_bytes(self.a1[start : start + stride], "little")
            for start in range(0, len(self.a1), stride)
        )

    @property
    def matrix(self) -> tuple[bytearray, ...]:
        """The module matrix, a bytearray per row (1 = dark), as segno gives it."""
        size = self.size
        return tuple(bytearray((row >> column) & 1 for column in range(size)) for row in self.rows)


@lru_cache(maxsize=_SYMBOLS_CACHED)
def encode(data: str, error: str = "m", legible: int | None = None) -> Symbol:
    """The smallest QR code (not Micro) holding `data` at `error` or better, its mask the better
    scoring of `_CANDIDATE_MASKS`.

    When that code would have more than `legible` modules per side, level L is used instead if it
    gives a smaller code (chosen before anything is encoded: one encoding per code).

    Digits alone go in numeric mode, digits, capitals and ` $%*+-./:` in alphanumeric mode, other
    ASCII text in byte mode, and any other text as UTF-8 bytes after an ECI header (26, UTF-8):
    without it readers guess the charset of non-ASCII bytes and guess wrong (zbar read Latin-1
    "Søren" and bare UTF-8 "Łukasz" as Shift-JIS).
    """
    level = error.lower()
    if level not in _LEVELS:
        raise RenderInputError(f"error correction level must be L, M, Q or H, not {error!r}", location="qr")
    if not data:
        raise RenderInputError("the QR code has no data", location="qr")
    version, level, placed = _placed(data, level, legible)
    layout = _layout(version)
    mask = _best_mask(layout, placed)
    masked = (placed ^ layout.masks[mask]) | _format_modules(version, level, mask)
    width, size = layout.width, layout.size
    image = (masked >> (4 * width)).to_bytes(size * width // 8, "little")
    stride = cairocffi.ImageSurface.format_stride_for_width(cairocffi.FORMAT_A1, size)
    if stride != width // 8:  # the 4 guard bits pushed a line past cairo's own 32-bit stride
        image = b"".join(image[start : start + stride] for start in range(0, len(image), width // 8))
    return Symbol(version, level, mask, image, stride)


def _placed(data: str, level: str, legible: int | None = None) -> tuple[int, str, int]:
    """(version, level, the symbol as a layout int before masking): the data encoded, padded,
    split into blocks with their error correction, and placed among the function patterns."""
    mode, count, payload, payload_bits, eci = _segment(data)
    version, level, header_bits = _fit(data, level, mode, payload_bits, eci)
    if legible is not None and 4 * version + 17 > legible and level != "l":
        sparser = _fit(data, "l", mode, payload_bits, eci)
        if sparser[0] < version:
            version, level, header_bits = sparser
    bits = 0
    if eci:
        bits = (_MODE_ECI << 8) | _ECI_UTF8
    bits = (((bits << 4) | mode) << header_bits) | count
    bits = (bits << payload_bits) | payload
    length = (12 if eci else 0) + 4 + header_bits + payload_bits
    capacity = _CAPACITY[version][_LEVELS[level]]
    # Terminator (up to 4 zero bits), zero bits to the codeword boundary, then the pad codewords
    # (segno puts a whole zero byte where the stream already ends on a boundary; the standard does not).
    terminator = min(4, capacity - length)
    length += terminator
    padding = -length % 8
    length += padding
    message = (bits << (terminator + padding)).to_bytes(length // 8, "big")
    message += b"\xec\x11" * ((capacity // 8 - len(message) + 1) // 2)
    codewords = _interleave(message[: capacity // 8], _BLOCKS[version][_LEVELS[level]])
    layout = _layout(version)
    stream = format(int.from_bytes(codewords, "big"), "b").zfill(8 * len(codewords)) + layout.remainder
    # A list, not a tuple: list() copies a string's characters at half the cost of unpacking it.
    characters = list(stream)
    characters.extend(layout.constants)
    return version, level, int("".join(layout.place(characters)), 2)


def _segment(data: str) -> tuple[int, int, int, int, bool]:
    """(mode, character count, payload as an int, payload bits, ECI header?) for one segment."""
    if not data.isascii():
        raw = data.encode("utf-8")
        return _MODE_BYTE, len(raw), int.from_bytes(raw, "big"), 8 * len(raw), True
    raw = data.encode("ascii")
    if raw.isdigit():
        payload, bits = 0, 0
        for start in range(0, len(raw), 3):
            chunk = raw[start : start + 3]
            width = 3 * len(chunk) + 1
            payload, bits = (payload << width) | int(chunk), bits + width
        return _MODE_NUMERIC, len(raw), payload, bits, False
    if _ALPHANUMERIC.fullmatch(raw):
        value = consts.ALPHANUMERIC_CHARS.index
        payload, bits = 0, 0
        for start in range(0, len(raw) - 1, 2):
            payload, bits = (
                (payload << 11) | (value(raw[start : start + 1]) * 45 + value(raw[start + 1 : start + 2])),
                bits + 11,
            )
        if len(raw) % 2:
            payload, bits = (payload << 6) | value(raw[-1:]), bits + 6
        return _MODE_ALPHANUMERIC, len(raw), payload, bits, False
    return _MODE_BYTE, len(raw), int.from_bytes(raw, "big"), 8 * len(raw), False


def _fit(data: str, level: str, mode: int, payload_bits: int, eci: bool) -> tuple[int, str, int]:
    """(version, level, count indicator bits): the smallest version holding the segment at `level`,
    then the highest level that version holds it at."""
    overhead = (12 if eci else 0) + 4
    for version in range(1, 41):
        header_bits = _COUNT_BITS[mode][0 if version < 10 else 1 if version < 27 else 2]
        needed = overhead + header_bits + payload_bits
        capacities = _CAPACITY[version]
        if capacities[_LEVELS[level]] >= needed:
            for higher in _LEVEL_ORDER[_LEVEL_ORDER.index(level) + 1 :]:
                if capacities[_LEVELS[higher]] < needed:
                    break
                level = higher
            return version, level, header_bits
    size = len(data.encode("utf-8"))
    capacity = _BYTE_CAPACITY[level]
    raise RenderInputError(
        f"the QR code cannot hold {len(data)} characters ({size} bytes in UTF-8): "
        f"at error correction level {level.upper()} it holds at most {capacity} bytes",
        location="qr",
    )


def _interleave(message: bytes, blocks: tuple[consts.EC, ...]) -> bytes:
    """The data codewords split into blocks, each block's Reed-Solomon codewords added, interleaved."""
    data_blocks, ecc_blocks = [], []
    start = 0
    for info in blocks:
        ecc_length = info.num_total - info.num_data
        for _ in range(info.num_blocks):
            block = message[start : start + info.num_data]
            start += info.num_data
            data_blocks.append(block)
            ecc_blocks.append(_reed_solomon(block, ecc_length))
    count, shortest = len(data_blocks), len(data_blocks[0])
    out = bytearray(len(message))
    for index, block in enumerate(data_blocks):
        out[index : shortest * count : count] = block[:shortest]
    # Blocks of the second kind hold one codeword more; they come last, and so do those codewords.
    longer = [block[shortest] for block in data_blocks if len(block) > shortest]
    out[shortest * count :] = bytes(longer)
    ecc = bytearray(sum(len(block) for block in ecc_blocks))
    for index, block in enumerate(ecc_blocks):
        ecc[index::count] = block
    return bytes(out + ecc)


def _reed_solomon(block: bytes, length: int) -> bytes:
    """The error correction codewords of a block: the remainder of block * x^length divided by the
    generator polynomial, as one int shifted a codeword at a time."""
    table = _generator_multiples(length)
    top, keep = 8 * (length - 1), (1 << (8 * length)) - 1
    remainder = 0
    for codeword in block:
        remainder = ((remainder << 8) & keep) ^ table[codeword ^ (remainder >> top)]
    return remainder.to_bytes(length, "big")


@cache
def _generator_multiples(length: int) -> tuple[int, ...]:
    """For each byte f, f times the generator polynomial's coefficients (all but the leading 1), as an int."""
    exp, log, generator = consts.GALIOS_EXP, consts.GALIOS_LOG, consts.GEN_POLY[length]
    return (0, *(int.from_bytes(bytes(exp[log[f] + g] for g in generator), "big") for f in range(1, 256)))


# The symbol as one int ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where a version's modules go in the int the masks are scored on.

    The int holds the symbol's rows as lines of `width` bits (a multiple of 32: a line is a row of
    the A1 image) between 4 empty lines above and 4 below: row r column c is bit (r + 4) * width + c,
    and the bits from column `size` to the line's end are light guards. Shifting by 1 moves along a
    row, shifting by `width` along a column; the guards and empty lines end runs and stand for the
    light surroundings that N3 looks at. So each penalty is a handful of shifts and ANDs over the
    whole int, and the int is the image.
    """

    size: int
    width: int
    modules: int  # every module (guards and empty lines excluded)
    everything: int  # every bit, guards included
    masks: tuple[int, ...]  # each mask's data modules
    # From the codeword bits (then `constants`) to the int's bits, highest first: data modules take
    # their bit, each stretch of function modules and guards one constant string.
    place: itemgetter[tuple[str, ...]]
    constants: tuple[str, ...]
    remainder: str  # the remainder bits after the codewords


@cache
def _layout(version: int) -> _Layout:
    size = 4 * version + 17
    width = -(-(size + 4) // 32) * 32
    total = (size + 8) * width
    function = _function_patterns(version)
    data_modules = [(row, column) for row, column in _placement_order(size) if function[row][column] is None]
    codeword_bits = 8 * sum(
        info.num_blocks * info.num_total for info in _BLOCKS[version][consts.ERROR_LEVEL_M]
    )

    def bit(row: int, column: int) -> int:
        return (row + 4) * width + column

    source = {bit(row, column): index for index, (row, column) in enumerate(data_modules)}
    indexes: list[int] = []
    constants: list[str] = []
    stretch = ""
    for position in range(total - 1, -1, -1):
        if position in source:
            if stretch:
                indexes.append(len(data_modules) + len(constants))
                constants.append(stretch)
                stretch = ""
            indexes.append(source[position])
        else:
            row, column = divmod(position, width)
            row -= 4
            is_dark = 0 <= row < size and column < size and function[row][column]
            stretch += "1" if is_dark else "0"
    if stretch:
        indexes.append(len(data_modules) + len(constants))
        constants.append(stretch)
    modules = sum(((1 << size) - 1) << bit(row, 0) for row in range(size))
    # Each mask's pattern repeats every 6 columns along a row: a row is a few string operations.
    data = 0
    for row in range(size):
        flags = "".join("1" if function[row][column] is None else "0" for column in range(size))
        data |= int(flags[::-1], 2) << bit(row, 0)
    masks = tuple(data & _mask_pattern(condition, size, width) for condition in _MASKS)
    return _Layout(
        size,
        width,
        modules,
        (1 << total) - 1,
        masks,
        itemgetter(*indexes),  # type: ignore[arg-type]  # typeshed allows str keys only
        tuple(constants),
        "0" * (len(data_modules) - codeword_bits),
    )


def _mask_pattern(condition: Callable[[int, int], bool], size: int, width: int) -> int:
    """Where a mask condition holds over the whole symbol, as bits of the layout's rows."""
    bits = 0
    for row in range(size):
        period = "".join("1" if condition(row, column) else "0" for column in range(6))
        flags = (period * (size // 6 + 1))[:size]
        bits |= int(flags[::-1], 2) << ((row + 4) * width)
    return bits


# Every condition takes (row, column), though some look at only one of them.
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,  # noqa: ARG005
    lambda i, j: j % 3 == 0,  # noqa: ARG005
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


def _function_patterns(version: int) -> list[list[int | None]]:
    """The symbol with its function modules set (1 dark, 0 light) and None for data modules.

    Format and version information and the dark module are reserved as light: masks are scored
    without them, as segno scores them.
    """
    size = 4 * version + 17
    grid: list[list[int | None]] = [[None] * size for _ in range(size)]
    _add_finders(grid)
    for index in range(8, size - 8):
        grid[6][index] = grid[index][6] = int(index % 2 == 0)
    if version > 1:
        _add_alignment_patterns(grid, consts.ALIGNMENT_POS[version - 2])
    _reserve_information(grid, version)
    return grid


def _add_finders(grid: list[list[int | None]]) -> None:
    """The three finder patterns with their light separators."""
    size = len(grid)
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        for row in range(max(0, top - 1), min(size, top + 8)):
            for column in range(max(0, left - 1), min(size, left + 8)):
                ring = max(abs(row - top - 3), abs(column - left - 3))
                grid[row][column] = int(ring != 2 and ring != 4)


def _add_alignment_patterns(grid: list[list[int | None]], positions: tuple[int, ...]) -> None:
    """An alignment pattern at every pair of positions but the three corners the finders hold."""
    corners = {(positions[0], positions[0]), (positions[0], positions[-1]), (positions[-1], positions[0])}
    for centre_row in positions:
        for centre_column in positions:
            if (centre_row, centre_column) in corners:
                continue
            for row in range(centre_row - 2, centre_row + 3):
                for column in range(centre_column - 2, centre_column + 3):
                    grid[row][column] = int(max(abs(row - centre_row), abs(column - centre_column)) != 1)


def _reserve_information(grid: list[list[int | None]], version: int) -> None:
    """The format information (beside the finders) and, from version 7, the version information."""
    size = len(grid)
    for index in range(9):
        for row, column in ((index, 8), (8, index)):
            if grid[row][column] is None:
                grid[row][column] = 0
    for index in range(8):
        grid[size - 1 - index][8] = grid[8][size - 1 - index] = 0
    if version >= 7:
        for index in range(6):
            for offset in (9, 10, 11):
                grid[index][size - offset] = grid[size - offset][index] = 0


def _placement_order(size: int) -> list[tuple[int, int]]:
    """Every (row, column) in the order codeword bits are placed: two-module columns from the
    right, alternately upwards and downwards, skipping the vertical timing pattern."""
    order: list[tuple[int, int]] = []
    upwards = True
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        rows = range(size - 1, -1, -1) if upwards else range(size)
        order.extend((row, column) for row in rows for column in (right, right - 1))
        upwards = not upwards
    return order


@cache
def _format_modules(version: int, level: str, mask: int) -> int:
    """The format information, version information and dark module, as bits of the layout's rows."""
    layout = _layout(version)
    size, width = layout.size, layout.width
    grid = [[0] * size for _ in range(size)]
    info = consts.FORMAT_INFO[_LEVELS[level] * 8 + mask]
    for index in range(8):
        low, high = (info >> index) & 1, (info >> (14 - index)) & 1
        skip = int(index >= 6)  # over the timing pattern
        grid[index + skip][8] = low
        grid[8][index + skip] = high
        grid[8][size - 1 - index] = low
        grid[size - 1 - index][8] = high
    grid[size - 8][8] = 1
    if version >= 7:
        version_info = consts.VERSION_INFO[version - 7]
        for index in range(18):
            bit = (version_info >> index) & 1
            grid[index // 3][size - 11 + index % 3] = grid[size - 11 + index % 3][index // 3] = bit
    bits = 0
    for row in range(size):
        for column in range(size):
            if grid[row][column]:
                bits |= 1 << ((row + 4) * width + column)
    return bits


# Masks --------------------------------------------------------------------------------------------


# The masks scored. ISO/IEC 18004 7.8.3 scores all eight and takes the lowest penalty; every reader
# decodes any of them, and the penalty only steers away from finder-like patterns, long runs and
# unbalanced symbols. Scoring them is most of a code's encoding time, so two are scored: on 2,000
# realistic vCards (tests/benchmarks' attendee generator) the better of masks 2 and 4 scored within
# 0.2 % of the best of eight in the median case, 9 % at the 95th percentile and 19 % at worst, where
# the eight masks' own scores spread up to 33 % above the best. Mask 4 alone was 3 %, 13 % and 25 %.
_CANDIDATE_MASKS = (2, 4)


def _best_mask(layout: _Layout, placed: int) -> int:
    """The candidate mask with the lower penalty (the first of equals), scored as ISO/IEC 18004
    7.8.3 and segno score it."""
    scores = [_penalty(layout, placed ^ layout.masks[mask]) for mask in _CANDIDATE_MASKS]
    return _CANDIDATE_MASKS[scores.index(min(scores))]


def _penalty(layout: _Layout, dark: int) -> int:
    """N1 + N2 + N3 + N4 of a masked symbol (format and version information left light; see _Layout).

    N1: 3 + (length - 5) per run of 5 or more modules of one colour in a row or column.
    N2: 3 per 2 x 2 block of one colour (blocks may overlap).
    N3: 40 per 1:1:3:1:1 pattern (dark-light-dark-dark-dark-light-dark) with 4 light modules (or
        the symbol's edge) before or after it, in a row or column; as segno counts them, a counted
        pattern hides the ones that start within its 7 modules.
    N4: 10 per 5 % the dark modules are away from half (rounded down).
    """
    width = layout.width
    light = dark ^ layout.modules
    around = dark ^ layout.everything  # light, guards and empty lines included
    score = 0
    for step in (1, width):  # along rows, then along columns
        for colour in (dark, light):
            pairs = colour & (colour >> step)
            runs = pairs & (pairs >> 2 * step) & (colour >> 4 * step)  # 5 alike from here
            score += runs.bit_count() + 2 * (runs & ~(runs << step)).bit_count()
            if step == 1:
                score += 3 * (pairs & (pairs >> width)).bit_count()
        patterns = (
            dark
            & (around >> step)
            & (dark >> 2 * step)
            & (dark >> 3 * step)
            & (dark >> 4 * step)
            & (around >> 5 * step)
            & (dark >> 6 * step)
        )
        if patterns:
            light_pairs = around & (around >> step)
            four_light = light_pairs & (light_pairs >> 2 * step)
            counted = patterns & ((four_light << 4 * step) | (four_light >> 7 * step))
            # A counted pattern hides one starting 4 or 6 modules on, unless that one is hidden itself.
            shown = counted
            while True:
                hidden = patterns & ((shown << 4 * step) | (shown << 6 * step))
                now_shown = counted & ~hidden
                if now_shown == shown:
                    break
                shown = now_shown
            score += 40 * shown.bit_count()
    size = layout.size
    percent = dark.bit_count() / (size * size)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


# Drawing ------------------------------------------------------------------------------------------

_STENCILS_KEPT = 256
_local = threading.local()


def _stencil(symbol: Symbol) -> cairocffi.SurfacePattern:
    """The symbol's dark modules as an A1 image pattern, one pixel per module, not smoothed.

    The last few hundred are kept (per thread: cairo surfaces are not shared between threads), so
    a code drawn again reuses its surface, and a PDF holds that image once.
    """
    kept: OrderedDict[Symbol, cairocffi.SurfacePattern] | None = getattr(_local, "stencils", None)
    if kept is None:
        kept = _local.stencils = OrderedDict()
    pattern = kept.get(symbol)
    if pattern is not None:
        kept.move_to_end(symbol)
        return pattern
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_A1, symbol.size, symbol.size)
    surface.get_data()[:] = symbol.a1
    surface.mark_dirty()
    pattern = cairocffi.SurfacePattern(surface)
    pattern.set_filter(cairocffi.FILTER_NEAREST)
    kept[symbol] = pattern
    if len(kept) > _STENCILS_KEPT:
        kept.popitem(last=False)
    return pattern
