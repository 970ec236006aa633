"""One file per attendee: a ZIP of single-badge PDFs (or PNGs), each named from a column.

The archive is written member by member to a file, so only one badge is in memory at a time,
whatever the job's size. PDFs are stored as they are (ZIP_STORED: their streams are compressed
already); PNGs are deflated. Every member is one badge at the template's size: the job's sheet does
not apply, each file is the badge itself. With both sides a PDF member has two pages, the front
and the back as the job's duplex mode places them on a badge-sized page (fold: one page, the badge
twice its height); a PNG member is the front, with the back beside it as "<name>-back.png".
"""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence

from api.render.document import BadgePlan, RenderResult, job_findings, render_pdf, render_png_checked
from api.render.duplex import one_per_page
from api.render.errors import RenderInputError
from api.render.findings import BadgeFindings

ZIP_FORMATS = ("pdf", "png")
DPI_RANGE = (72, 600)
MAX_NAME_LENGTH = 100  # characters of a member's name before its extension
MAX_PNG_PIXELS = 40_000_000  # one member's raster, as for any raster a task draws
# Windows cannot hold these in a file name; "/" and "\\" would make a member a path.
_NOT_IN_NAMES = frozenset('/\\:*?"<>|')
# Bidirectional overrides and isolates: they make "gpj.exe" read as "exe.jpg".
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def member_stem(value: str, fallback: str) -> str:
    """A file name (without extension) from a column's value: NFC, no path separators or characters
    Windows refuses, no control or bidi-override characters, spaces collapsed, no leading dot (no
    hidden files, no ".."), at most MAX_NAME_LENGTH characters; `fallback` when nothing is left."""
    text = unicodedata.normalize("NFC", value)
    text = "".join(
        " "
        if char in _NOT_IN_NAMES or char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp")
        else char
        for char in text
    )
    text = " ".join(text.split()).strip(" .")
    text = text[:MAX_NAME_LENGTH].rstrip(" .")
    return text or fallback


class MemberNames:
    """Unique member names: a repeated name gets " (2)", " (3)", ... compared without case, as
    Windows and macOS compare file names."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, stem: str, extension: str) -> str:
        name, number = stem, 1
        while f"{name}.{extension}".casefold() in self.taken:
            number += 1
            suffix = f" ({number})"
            name = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix
        full = f"{name}.{extension}"
        self.taken.add(full.casefold())
        return full


def check_png_size(width: float, height: float, dpi: int) -> None:
    """Refuse a PNG member over MAX_PNG_PIXELS: a big template at a high dpi."""
    pixels = round(width * dpi / 72) * round(height * dpi / 72)
    if pixels > MAX_PNG_PIXELS:
        raise RenderInputError(
            f"a badge at {dpi} dpi is {pixels:,} pixels, over the {MAX_PNG_PIXELS:,} a PNG may have;"
            f" lower the dpi",
            location="options.dpi",
        )


def name_column(plan: BadgePlan, file_name: str | None) -> str:
    """The column that names each member: `file_name`, or the one the name field reads."""
    return file_name or plan.columns.get("name", "name")


def write_zip(
    plan: BadgePlan,
    rows: Iterable[Mapping[str, str]],
    output: str,
    *,
    zip_format: str = "pdf",
    dpi: int = 300,
    file_name: str | None = None,
    on_badge: Callable[[int], None] | None = None,
    row_numbers: Sequence[int] | None = None,
) -> RenderResult:
    """One member per row in a ZIP at `output`; findings as render_pdf collects them, each badge on
    "page" n (its member's place in the archive), slot 1."""
    template = plan.template
    # A PDF member is a page of one-per-page (the badge and its bleed, TrimBox on the badge; with
    # both sides its back too); a PNG member is the badge as cut, for screens and badge printers
    # that print edge to edge.
    single = one_per_page(plan)
    # With both sides a PNG member has a second one, "<name>-back.png", the back upright.
    back = single.back_side() if plan.imposition and template.back else None
    if zip_format == "png":
        check_png_size(template.width, template.height, dpi)
    column = name_column(plan, file_name)
    names = MemberNames()
    result = RenderResult(job_findings=job_findings(plan))
    said_once = set(result.job_findings)
    with zipfile.ZipFile(output, "w", allowZip64=True) as archive:
        for index, row in enumerate(rows):
            number = row_numbers[index] if row_numbers is not None else index + 1
            stem = member_stem(row.get(column, ""), f"badge {number}")
            if zip_format == "png":
                data, found = render_png_checked(single, row, dpi=dpi, row_number=number)
                findings = tuple(finding for finding in found.findings if finding not in said_once)
                if back is not None:
                    back_data, back_found = render_png_checked(back, row, dpi=dpi, row_number=number)
                    findings += tuple(
                        finding
                        for finding in back_found.findings
                        if finding not in said_once and finding not in findings
                    )
                if findings:
                    result.tally.add(BadgeFindings(number, index + 1, 1, findings))
                compression = zipfile.ZIP_DEFLATED
            else:
                buffer = io.BytesIO()
                one = render_pdf(single, [row], buffer, row_numbers=[number], first_page=index + 1)
                result.tally.absorb(one.tally)
                data = buffer.getvalue()
                compression = zipfile.ZIP_STORED
            name = names.claim(stem, zip_format)
            _write_member(archive, name, data, compression)
            if zip_format == "png" and back is not None:
                back_name = names.claim(name.removesuffix(".png") + "-back", "png")
                _write_member(archive, back_name, back_data, compression)
            result.badges += 1
            result.pages += 1
            if on_badge is not None:
                on_badge(index)
    return result


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes, compression: int) -> None:
    member = zipfile.ZipInfo(name, time.localtime()[:6])
    member.compress_type = compression
    member.external_attr = 0o644 << 16
    archive.writestr(member, data)
