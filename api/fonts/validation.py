"""Uploaded font files: validated with fontTools before anything about them is trusted.

`inspect_font` reads an upload and answers its facts or raises `FontRejected`. The kind of file is
decided by its first bytes, never by its name: TrueType and OpenType (CFF) fonts, WOFF and WOFF2.
Everything else is refused, and so are:

- files over the size limit, and WOFF/WOFF2 files that would be over it once decompressed (every
  compressed stream is checked with a bounded decompression before fontTools sees it, so a small
  file cannot expand to gigabytes);
- font collections (.ttc/.otc): which face a user meant is a guess, so they are asked to upload
  the single font file instead;
- truncated or corrupt files: every table record must lie inside the file, and every table is
  decompiled (fontTools is lazy otherwise, and a broken table would only fail when first used;
  CFF charstrings are bounds-checked but, like TrueType instructions, not parsed: see _check_cff);
- fonts without a Unicode character map (symbol fonts): no attendee's name could be set in them.

Variable fonts are accepted: the stored font is their default instance, made static with
fontTools' instancer (CFF2 becomes CFF), so an upload is one face with one weight like any other
and cairo only ever subsets static fonts into PDFs. `FontFacts.is_variable` records that the
upload was variable; its other facts are the default instance's.

`as_sfnt` gives the bytes to store for fontconfig and Pango: a plain TrueType/OpenType file (WOFF
and WOFF2 decompressed), renamed with `rename_family` to an internal family such as
"BadgesUpload-<uuid hex>", so an upload can never stand in for a system font or another user's
font of the same name.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import uuid
import zlib
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import brotli
from fontTools.ttLib import TTFont
from fontTools.ttLib.woff2 import WOFF2DirectoryEntry
from fontTools.varLib import instancer

from api.fonts.fontconfig import INTERNAL_FAMILY_PREFIX
from api.fonts.scripts import scripts_covered

MAX_FONT_BYTES = 20 * 1024 * 1024  # a whole-CJK OpenType face is about 16 MB

FontFormat = Literal["ttf", "otf", "woff", "woff2"]

# Reasons an upload is refused, for the API's problem details.
TOO_LARGE = "font_too_large"
NOT_A_FONT = "font_not_a_font"
COLLECTION = "font_collection"
TRUNCATED = "font_truncated"
INVALID = "font_invalid"
NO_UNICODE = "font_no_unicode"

_ACCEPTED = "Upload a TrueType (.ttf), OpenType (.otf), WOFF or WOFF2 font file."

_TRUETYPE = (b"\x00\x01\x00\x00", b"true")
_CFF = b"OTTO"
_WOFF = b"wOFF"
_WOFF2 = b"wOF2"
_COLLECTION = b"ttcf"

# What people upload by mistake, named in the refusal.
_OTHER_FILES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"<svg", "an SVG image"),
    (b"<?xml", "an XML document"),
    (b"\x80\x01", "a Type 1 font (PFB), which is not supported"),
    (b"%!PS-AdobeFont", "a Type 1 font (PFA), which is not supported"),
)

_REQUIRED_TABLES = ("cmap", "head", "hhea", "hmtx", "maxp", "name")
# At least one of these holds the glyphs: TrueType outlines, CFF or CFF2, colour bitmaps.
_OUTLINE_TABLES = ("glyf", "CFF ", "CFF2", "CBDT", "sbix")

# Name IDs rewritten by rename_family: family (1), subfamily (2), unique id (3), full name (4),
# PostScript name (6). These are removed, because fontconfig reads names from them too and a
# typographic subfamily without its family would be inconsistent: typographic family and subfamily
# (16, 17; their style goes to 2), Mac compatible full name (18), WWS family and subfamily (21, 22),
# variations PostScript name prefix (25).
_RENAMED_IDS = (1, 2, 3, 4, 6)
_REMOVED_IDS = (16, 17, 18, 21, 22, 25)
_INTERNAL_FAMILY = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,46}")

_NAME_LENGTH = 256
_LICENCE_LENGTH = 16_384

_LICENCES = (
    (("open font license", "scripts.sil.org/ofl", "openfontlicense.org"), "SIL Open Font License"),
    (("apache license", "apache.org/licenses"), "Apache License"),
    (("ubuntu font licence", "ubuntu font license"), "Ubuntu Font Licence"),
    (("bitstream vera",), "Bitstream Vera License"),
    (("gnu general public license", "gnu.org/licenses/gpl"), "GNU General Public License"),
)


class FontRejected(ValueError):
    """An upload that is not a usable font; `code` names the reason (TOO_LARGE, NOT_A_FONT, ...)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class FontFacts:
    """What an upload is, read from the font itself (names from its name table)."""

    family: str  # the typographic family (name ID 16) when there is one, else name ID 1
    style: str  # the matching subfamily (17, else 2): "Regular", "Bold Italic", "Light"
    weight: int  # OS/2 usWeightClass, 100..1000
    italic: bool
    full_name: str
    postscript_name: str
    version: str
    licence: str | None  # a short name recognised in the licence text, e.g. "SIL Open Font License"
    licence_text: str | None  # name ID 13
    licence_url: str | None  # name ID 14
    glyph_count: int
    codepoints: frozenset[int]  # from the best Unicode cmap
    scripts: tuple[str, ...]  # see api.fonts.scripts
    is_variable: bool  # the upload was variable; the stored font is its default instance
    embeddable: bool  # OS/2 fsType lets the font be embedded, as a subset, in a PDF
    format: FontFormat  # what was uploaded
    outlines: Literal["truetype", "cff", "bitmap"]  # what the stored font holds
    size: int  # bytes uploaded
    sha256: str  # of the bytes uploaded


def upload_family(upload_id: uuid.UUID | str) -> str:
    """The internal family name of an upload: one per upload, unlike any system font's."""
    return INTERNAL_FAMILY_PREFIX + uuid.UUID(str(upload_id)).hex


def inspect_font(data: bytes, *, max_bytes: int = MAX_FONT_BYTES) -> FontFacts:
    """Validate an upload completely and return its facts; raise FontRejected if it is no font."""
    font_format = _check_container(data, max_bytes)
    font, is_variable = _load(data)
    try:
        return _facts(font, data, font_format, is_variable)
    except FontRejected:
        raise
    except Exception as error:  # fontTools raises whatever a malformed table provokes
        raise _unreadable(error) from error


def as_sfnt(data: bytes, family: str, *, max_bytes: int = MAX_FONT_BYTES) -> bytes:
    """The upload as a plain TrueType/OpenType file renamed to `family`, ready for fontconfig.

    Validates like inspect_font (it trusts nothing about `data`); WOFF and WOFF2 are decompressed
    and a variable font becomes its default instance.
    """
    _check_family(family)
    _check_container(data, max_bytes)
    font, is_variable = _load(data)
    if not is_variable:
        # Reopened lazily: the tables are copied as they are and only the name table is rebuilt
        # (recompiling every decompiled table takes five times as long, for the same font).
        font = _open(data)
    try:
        _rename(font, family)
        sfnt = _save(font)
    except Exception as error:
        raise _unreadable(error) from error
    if len(sfnt) > max_bytes:
        raise _too_large(max_bytes, decompressed=True)
    return sfnt


def rename_family(sfnt: bytes, family: str) -> bytes:
    """A TrueType/OpenType font with every family name replaced by `family`.

    Name IDs 1, 3, 4 and 6 are rewritten from `family` and the face's style, 2 becomes that style,
    and 16, 17, 18, 21, 22 and 25 are removed, in every platform and language: fontconfig reads
    family and style names from all of these, and a leftover one would let the font answer to its
    old name.
    """
    _check_family(family)
    if sfnt[:4] not in (*_TRUETYPE, _CFF):
        raise ValueError("rename_family needs a TrueType or OpenType font (use as_sfnt for uploads)")
    font = _open(sfnt)
    _rename(font, family)
    return _save(font)


def licence_name(text: str | None, url: str | None = None) -> str | None:
    """A short name for a licence recognised in a font's licence text or URL, else None."""
    haystack = f"{text or ''} {url or ''}".casefold()
    for needles, name in _LICENCES:
        if any(needle in haystack for needle in needles):
            return name
    return None


def read_name(font: Any, *name_ids: int, limit: int = _NAME_LENGTH) -> str:
    """The first of `name_ids` present in the font's name table (English preferred), cleaned."""
    table = font.get("name")
    for name_id in name_ids:
        value = table.getDebugName(name_id) if table is not None else None
        cleaned = _clean(value, limit=limit) if value else ""
        if cleaned:
            return cleaned
    return ""


# --- checks on the raw bytes, before fontTools ---


def _check_container(data: bytes, max_bytes: int) -> FontFormat:
    """The upload's format by its magic bytes, after checking sizes and table bounds."""
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data:
        raise FontRejected(f"The file is empty. {_ACCEPTED}", NOT_A_FONT)
    magic = data[:4]
    if magic == _COLLECTION:
        raise _collection()
    if magic in _TRUETYPE or magic == _CFF:
        _check_sfnt(data)
        return "otf" if magic == _CFF else "ttf"
    if magic == _WOFF:
        _check_woff(data, max_bytes)
        return "woff"
    if magic == _WOFF2:
        _check_woff2(data, max_bytes)
        return "woff2"
    start = data[:64].lstrip()  # an SVG or XML file may begin with white space
    for prefix, kind in _OTHER_FILES:
        if start.startswith(prefix):
            raise FontRejected(f"The file is not a font: it looks like {kind}. {_ACCEPTED}", NOT_A_FONT)
    raise FontRejected(f"The file is not a font. {_ACCEPTED}", NOT_A_FONT)


def _check_sfnt(data: bytes) -> None:
    """Every table record of a TrueType/OpenType file points inside the file."""
    if len(data) < 12:
        raise _truncated()
    (num_tables,) = struct.unpack_from(">H", data, 4)
    if num_tables == 0:
        raise FontRejected("The font has no tables.", INVALID)
    if len(data) < 12 + 16 * num_tables:
        raise _truncated()
    for position in range(12, 12 + 16 * num_tables, 16):
        _tag, _checksum, offset, length = struct.unpack_from(">4sLLL", data, position)
        if offset + length > len(data):
            raise _truncated()


def _check_woff(data: bytes, max_bytes: int) -> None:
    """WOFF 1: tables inside the file, and each zlib stream inflating to its declared size only."""
    header = ">4s4sLHHLHHLLLLL"
    if len(data) < struct.calcsize(header):
        raise _truncated()
    (_, flavor, length, num_tables, _, sfnt_size, _, _, meta_offset, meta_length, meta_orig, _, _) = (
        struct.unpack_from(header, data)
    )
    _check_wrapper(data, flavor, length, sfnt_size, max_bytes)
    directory = struct.calcsize(header)
    if len(data) < directory + 20 * num_tables:
        raise _truncated()
    total = 0
    for position in range(directory, directory + 20 * num_tables, 20):
        _tag, offset, compressed, original, _checksum = struct.unpack_from(">4sLLLL", data, position)
        if offset + compressed > len(data):
            raise _truncated()
        total += original
        if total > max_bytes:
            raise _too_large(max_bytes, decompressed=True)
        if compressed < original:
            _inflate_exactly(data[offset : offset + compressed], original)
        elif compressed > original:
            raise FontRejected("The WOFF file is corrupt: a table is larger compressed.", INVALID)
    metadata = _metadata(data, meta_offset, meta_length, meta_orig, max_bytes)
    if metadata:
        _inflate_exactly(metadata, meta_orig)


def _check_wrapper(data: bytes, flavor: bytes, length: int, sfnt_size: int, max_bytes: int) -> None:
    """What WOFF and WOFF2 headers share: no collection inside, the whole file here, and a font
    that unpacks to no more than the limit."""
    if flavor == _COLLECTION:
        raise _collection()
    if len(data) < length:
        raise _truncated()
    if sfnt_size > max_bytes:
        raise _too_large(max_bytes, decompressed=True)


def _metadata(data: bytes, offset: int, length: int, original: int, max_bytes: int) -> bytes:
    """The compressed extended metadata block (empty when there is none), inside the file and
    declared to unpack within the limit."""
    if not length:
        return b""
    if offset + length > len(data):
        raise _truncated()
    if original > max_bytes:
        raise _too_large(max_bytes, decompressed=True)
    return data[offset : offset + length]


def _inflate_exactly(stream: bytes, size: int) -> None:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(stream, size + 1)
    except zlib.error as error:
        raise FontRejected("The WOFF file is corrupt: a table does not decompress.", INVALID) from error
    if len(inflated) != size or not inflater.eof:
        raise FontRejected("The WOFF file is corrupt: a table decompresses to the wrong size.", INVALID)


def _check_woff2(data: bytes, max_bytes: int) -> None:
    """WOFF2: the one Brotli stream, and the metadata, decompress to their declared sizes only."""
    header = ">4s4sLHHLLHHLLLLL"
    header_size = struct.calcsize(header)
    if len(data) < header_size:
        raise _truncated()
    fields = struct.unpack_from(header, data)
    _, flavor, length, num_tables, _, sfnt_size, compressed_size, _, _, meta_offset, meta_length = fields[:11]
    meta_orig = fields[11]
    _check_wrapper(data, flavor, length, sfnt_size, max_bytes)
    directory = io.BytesIO(data)
    directory.seek(header_size)
    stream_size = 0
    try:
        for _ in range(num_tables):
            entry = WOFF2DirectoryEntry()
            entry.fromFile(directory)
            if entry.origLength > max_bytes:
                raise _too_large(max_bytes, decompressed=True)
            stream_size += entry.length  # the transformed length for glyf, loca and hmtx
    except FontRejected:
        raise
    except Exception as error:  # a directory entry running off the end, a bad base-128 number
        raise _truncated() from error
    if stream_size > max_bytes:
        raise _too_large(max_bytes, decompressed=True)
    start = directory.tell()
    if start + compressed_size > len(data):
        raise _truncated()
    _brotli_exactly(data[start : start + compressed_size], stream_size)
    metadata = _metadata(data, meta_offset, meta_length, meta_orig, max_bytes)
    if metadata:
        _brotli_exactly(metadata, meta_orig)


def _brotli_exactly(stream: bytes, size: int) -> None:
    decompressor = brotli.Decompressor()
    try:
        # The output stops growing at the limit: a bomb is found without inflating it.
        output = decompressor.process(stream, output_buffer_limit=size + 1)
    except brotli.error as error:
        raise FontRejected("The WOFF2 file is corrupt: its data does not decompress.", INVALID) from error
    if len(output) != size or not decompressor.is_finished():
        raise FontRejected("The WOFF2 file is corrupt: its data decompresses to the wrong size.", INVALID)


# --- fontTools ---


def _open(data: bytes) -> Any:
    # Timestamps and bounding boxes stay as they are: the same upload gives the same bytes.
    return TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)


def _load(data: bytes) -> tuple[Any, bool]:
    """The font with every table decompiled (and a variable one instanced), and whether it was
    variable. Only call after _check_container."""
    try:
        font = _open(data)
        missing = [tag for tag in _REQUIRED_TABLES if tag not in font]
        if missing:
            raise FontRejected(f"The font is incomplete: it has no {', '.join(missing)} table.", INVALID)
        if not any(tag in font for tag in _OUTLINE_TABLES):
            raise FontRejected("The font has no glyph outlines.", INVALID)
        font.ensureDecompiled(recurse=True)
        for tag in ("CFF ", "CFF2"):
            if tag in font:
                _check_cff(font[tag].cff, len(font.reader[tag]))
    except FontRejected:
        raise
    except Exception as error:  # fontTools raises whatever a malformed table provokes
        raise _unreadable(error) from error
    is_variable = "fvar" in font
    if is_variable:
        axes = {axis.axisTag: None for axis in font["fvar"].axes}  # None: the default location
        try:
            font = instancer.instantiateVariableFont(font, axes, downgradeCFF2="CFF2" in font, static=True)
        except Exception as error:
            detail = " ".join(str(error).split())[:200] or type(error).__name__
            raise FontRejected(
                f"The variable font could not be turned into a static one ({detail}).", INVALID
            ) from error
    return font, is_variable


def _check_cff(cff: Any, table_length: int) -> None:
    """Decompile a CFF or CFF2 table's dictionaries and check its glyph index.

    fontTools reads CFF lazily and ensureDecompiled does not reach into it. The charstrings are
    checked for bounds but not parsed into programs (like TrueType instructions, they are code
    that FreeType runs defensively); parsing 65,000 CJK charstrings takes ten seconds.
    """
    for name in cff.fontNames:
        top = cff[name]
        for key in top.order:
            getattr(top, key, None)
        charstrings = top.CharStrings
        index = getattr(charstrings, "charStringsIndex", None)
        if index is not None:
            offsets = index.offsets
            if any(later < earlier for earlier, later in pairwise(offsets)):
                raise FontRejected("The font is corrupt: its glyph index is out of order.", INVALID)
            if offsets and index.offsetBase + offsets[-1] > table_length:
                raise _truncated()
        for font_dict in getattr(top, "FDArray", None) or ():
            private = getattr(font_dict, "Private", None)
            if private is not None:
                getattr(private, "Subrs", None)
        if hasattr(top, "Private"):
            getattr(top.Private, "Subrs", None)


def _facts(font: Any, data: bytes, font_format: FontFormat, is_variable: bool) -> FontFacts:
    cmap = font.getBestCmap()
    if not cmap:
        raise FontRejected(
            "The font has no Unicode character map (a symbol font?): no text could be set in it.",
            NO_UNICODE,
        )
    family = read_name(font, 16, 1) or read_name(font, 4, 6)
    if not family:
        raise FontRejected("The font has no family name.", INVALID)
    os2 = font.get("OS/2")
    head = font["head"]
    weight = os2.usWeightClass if os2 is not None else 400
    if 1 <= weight <= 9:
        weight *= 100  # some old fonts count weights 1..9
    italic = bool((os2 is not None and os2.fsSelection & 0x0201) or head.macStyle & 0x02)
    licence_text = read_name(font, 13, limit=_LICENCE_LENGTH) or None
    licence_url = read_name(font, 14) or None
    codepoints = frozenset(cmap)
    return FontFacts(
        family=family,
        style=read_name(font, 17, 2) or "Regular",
        weight=max(1, min(1000, weight)),
        italic=italic,
        full_name=read_name(font, 4) or family,
        postscript_name=read_name(font, 6),
        version=read_name(font, 5) or f"{head.fontRevision:.3f}",
        licence=licence_name(licence_text, licence_url),
        licence_text=licence_text,
        licence_url=licence_url,
        glyph_count=font["maxp"].numGlyphs,
        codepoints=codepoints,
        scripts=tuple(scripts_covered(codepoints)),
        is_variable=is_variable,
        embeddable=_embeddable(os2.fsType if os2 is not None else 0),
        format=font_format,
        outlines="cff" if "CFF " in font or "CFF2" in font else "truetype" if "glyf" in font else "bitmap",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _embeddable(fs_type: int) -> bool:
    """OS/2 fsType: 'restricted licence embedding' alone forbids embedding; 'no subsetting' and
    'bitmap embedding only' forbid what cairo does (embed a subset of the outlines)."""
    restricted = fs_type & 0x000E == 0x0002
    return not restricted and not fs_type & 0x0300


def _rename(font: Any, family: str) -> None:
    table = font["name"]
    style = read_name(font, 17, 2) or "Regular"
    postscript_style = re.sub(r"[^A-Za-z0-9]", "", style) or "Regular"
    postscript = f"{family}-{postscript_style}"[:63]
    full = family if style.casefold() == "regular" else f"{family} {style}"
    table.names = [record for record in table.names if record.nameID not in (*_RENAMED_IDS, *_REMOVED_IDS)]
    values = {1: family, 2: style, 3: postscript, 4: full, 6: postscript}
    for name_id, value in values.items():
        # Windows, Unicode BMP, US English: the record every renderer reads.
        table.setName(value, name_id, 3, 1, 0x409)


def _save(font: Any) -> bytes:
    font.flavor = None  # WOFF and WOFF2 are written back as plain sfnt
    font.flavorData = None
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _check_family(family: str) -> None:
    if not _INTERNAL_FAMILY.fullmatch(family):
        raise ValueError(f"not an internal family name: {family!r} (ASCII letters, digits, hyphens)")


def _clean(value: str, *, limit: int) -> str:
    """A name from an untrusted font, safe to show: no control or bidi-override characters, one
    space between words (new lines kept, for licence texts), at most `limit` characters."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [
        " ".join("".join(ch for ch in line if not unicodedata.category(ch).startswith("C")).split())
        for line in lines
    ]
    return "\n".join(kept).strip()[:limit]


def _too_large(max_bytes: int, *, decompressed: bool = False) -> FontRejected:
    limit = f"{max_bytes / (1024 * 1024):.0f} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} bytes"
    where = " once decompressed" if decompressed else ""
    return FontRejected(f"The font is larger than the {limit} limit{where}.", TOO_LARGE)


def _truncated() -> FontRejected:
    return FontRejected("The font file is truncated: it ends before its last table.", TRUNCATED)


def _collection() -> FontRejected:
    return FontRejected(
        "Font collections (.ttc, .otc) are not accepted: upload the single font file of the face "
        "you want (a .ttf, .otf, .woff or .woff2).",
        COLLECTION,
    )


def _unreadable(error: BaseException) -> FontRejected:
    detail = " ".join(str(error).split())[:200] or type(error).__name__
    return FontRejected(f"The font is corrupt and could not be read ({detail}).", INVALID)
