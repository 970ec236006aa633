"""The page boxes a print shop reads, written into the PDFs cairo makes: cairo writes a MediaBox only.

A page of one badge with a bleed gets a TrimBox (where the paper is cut: the finished badge) and a
BleedBox (how far the artwork may run past the cut). Such a page is the badge and its bleed all
round: its TrimBox lies `trim_inset` inside the MediaBox and its BleedBox is the MediaBox. A
page without bleed, and a sheet (cut at its crop marks, not at one box), is left without them:
both then equal the MediaBox by the PDF standard's defaults.

cairo's layout is known (api/render/pdfjoin.py reads it): plain numbered objects, one
cross-reference table, a flat page tree. So the file is copied once, objects as bytes in runs
(streams untouched), each page object with the two boxes added after its /MediaBox, and a new
cross-reference table written; about a second for 100,000 pages. A parallel render adds them to
each part in its own process, before the join copies the pages as they are. A file not laid out
as cairo writes it is refused (PdfJoinError): these are our own files, so that is a bug.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# pdfjoin's reader and writer of cairo's layout, shared rather than written twice.
from api.render.pdfjoin import PdfJoinError
from api.render.pdfjoin import _object_text as object_text
from api.render.pdfjoin import _read_part as read_part
from api.render.pdfjoin import _release as release
from api.render.pdfjoin import _Writer as Writer

_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_KID = re.compile(rb"(\d+) 0 R")
_RELEASE_EVERY = 8 * 1024 * 1024
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-+\d.\s]+?)\s*\]")


@contextlib.contextmanager
def page_boxes_added(output: BinaryIO | str, trim_inset: float) -> Iterator[BinaryIO | str]:
    """Where cairo should write a PDF that ends up at `output` with page boxes: the path itself
    (rewritten when the block ends), or a buffer whose result is written to the stream `output`.

    Without a bleed (`trim_inset` 0) the file is left as cairo writes it: a page without TrimBox
    and BleedBox has both equal to its MediaBox (ISO 32000-1, 14.11.2), so writing them would say
    nothing new, and it cost a copy of the file (2 s at 100,000 pages) and 85 bytes a page (7 % of
    a text-only badge). Print output (api/render/printready.py) gets explicit boxes from Ghostscript.
    """
    if not trim_inset:
        yield output
        return
    if isinstance(output, str):
        yield output
        add_page_boxes(output, trim_inset)
        return
    buffer = io.BytesIO()
    yield buffer
    output.write(page_boxes_bytes(buffer.getbuffer(), trim_inset))


def add_page_boxes(path: str | os.PathLike[str], trim_inset: float) -> None:
    """Give every page of the cairo PDF at `path` its TrimBox and BleedBox, in place."""
    target = Path(path).absolute()
    # Named as parallel.remove_parts finds a killed render's leftovers.
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.part-", suffix=".boxes", dir=target.parent)
    try:
        with open(descriptor, "wb") as rewritten, target.open("rb") as original:
            if os.fstat(original.fileno()).st_size == 0:
                raise PdfJoinError("not a PDF with a cross-reference table at its end")
            with mmap.mmap(original.fileno(), 0, access=mmap.ACCESS_READ) as data:
                _rewrite(data, rewritten, trim_inset)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def page_boxes_bytes(data: bytes | memoryview, trim_inset: float) -> bytes:
    """A cairo PDF held in memory, with every page's TrimBox and BleedBox."""
    output = io.BytesIO()
    _rewrite(bytes(data), output, trim_inset)
    return output.getvalue()


def _rewrite(data: bytes | mmap.mmap, output: BinaryIO, trim_inset: float) -> None:
    part = read_part(data)
    kids = _KIDS.search(object_text(part, part.pages))
    pages = {int(number) for number in _KID.findall(kids.group(1))} if kids else set()
    if len(pages) != part.count:
        raise PdfJoinError("the page tree is not one node listing every page")
    writer = Writer(output)
    ordered = sorted((offset, number) for number, offset in enumerate(part.offsets) if offset >= 0)
    if not ordered:
        raise PdfJoinError("the file has no objects")
    offsets = [-1] * len(part.offsets)
    known: dict[bytes, bytes] = {}  # a MediaBox's text -> the boxes to add: one for most files
    run_start = 0  # the header and objects not yet written, copied as they are
    released = 0
    for offset, number in ordered:
        if number not in pages:
            offsets[number] = writer.written + (offset - run_start)
            continue
        end = part.ends[number]
        # Plain slices, one write: a page's run is a few kilobytes, and Writer.copy would let go
        # of the mapping's pages at every call.
        offsets[number] = writer.written + (offset - run_start)
        writer.write(data[run_start:offset] + _with_boxes(data[offset:end], trim_inset, known))
        run_start = end
        if end - released >= _RELEASE_EVERY:
            released = release(data, end)
    writer.copy(data, run_start, part.ends[ordered[-1][1]])
    xref_at = writer.written
    entries = [b"0000000000 65535 f \n"]
    entries += [b"%010d 00000 n \n" % at if at >= 0 else b"0000000000 65535 f \n" for at in offsets[1:]]
    writer.write(b"xref\n0 %d\n" % len(offsets) + b"".join(entries))
    info = b"   /Info %d 0 R\n" % part.info if part.info is not None else b""
    writer.write(
        b"trailer\n<< /Size %d\n   /Root %d 0 R\n%s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(offsets), part.root, info, xref_at)
    )


def _with_boxes(page: bytes, trim_inset: float, known: dict[bytes, bytes]) -> bytes:
    """A page object with /TrimBox and /BleedBox after its /MediaBox (as it was when it has them)."""
    if b"/TrimBox" in page:
        return page
    media = _MEDIA_BOX.search(page)
    if media is None:
        raise PdfJoinError("a page has no /MediaBox")
    boxes = known.get(media.group(1))
    if boxes is None:
        boxes = known[media.group(1)] = _boxes(media.group(1), trim_inset)
    return page[: media.end()] + boxes + page[media.end() :]


def _boxes(media: bytes, trim_inset: float) -> bytes:
    """The two boxes for a page whose MediaBox holds `media`, as text to add after it."""
    try:
        left, bottom, right, top = (float(value) for value in media.split())
    except ValueError:
        raise PdfJoinError("a page's /MediaBox is not four numbers") from None
    inset = min(trim_inset, (right - left) / 2, (top - bottom) / 2)
    trim = _box(left + inset, bottom + inset, right - inset, top - inset)
    return b"\n   /TrimBox %s\n   /BleedBox %s" % (trim, _box(left, bottom, right, top))


def _box(*values: float) -> bytes:
    return b"[ " + b" ".join(_number(value) for value in values) + b" ]"


def _number(value: float) -> bytes:
    """A PDF real as cairo writes them: up to six decimals, no trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()
