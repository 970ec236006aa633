"""Join PDFs that cairo wrote into one: the parts of a job rendered side by side in several
processes become the single file the organiser downloads.

A general PDF merger parses every object (pikepdf took 4.7 s to join two 5,000-page halves);
these parts are known: cairo writes plain numbered objects, one cross-reference table and a
trailer, a page tree of one /Pages node under a /Catalog. So each part's objects are copied as
bytes, streams untouched, with object numbers shifted past the previous parts' in the dictionary
text alone; each part's /Pages node goes under a new root node; the parts' catalogs and all but
the first part's /Info are left out. cairo writes every page its own resource dictionary, most of
them the same (a 2,000-badge part had 110 different ones): each is written once and the pages
that had a copy point to it, which takes 14 % off a text-only file. Anything else in a part is
refused (PdfJoinError), so a future cairo writing another layout cannot produce a broken file: the
caller renders in one process instead.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_HEAD = re.compile(rb"xref\s+0\s+(\d+)\s+")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")
_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.S)
_OBJECT_HEAD = re.compile(rb"(\d+) 0 obj\b")
# The keyword that ends a stream object's dictionary, found outside string literals (an
# attendee's text in a link or a title could hold the word) and hex strings.
_STREAM_START = re.compile(rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>|\bstream\r?\n")
# An indirect reference, skipping string literals (no nested parentheses in cairo's output) and
# hex strings, whose digits must not be taken for object numbers.
_REFERENCE = re.compile(rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>|(\d+) 0 R\b")
_CATALOG = re.compile(rb"/Type\s*/Catalog\b")
_PAGES_OF_CATALOG = re.compile(rb"/Pages\s+(\d+) 0 R")
_COUNT = re.compile(rb"/Count\s+(\d+)")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_KID = re.compile(rb"(\d+) 0 R")
_RESOURCES = re.compile(rb"/Resources\s+(\d+) 0 R")
_HEADER = re.compile(rb"%PDF-(\d\.\d)[^\n]*\n(%[^\n]*\n)?")


_CHUNK = 8 * 1024 * 1024


class PdfJoinError(ValueError):
    """A part is not laid out as cairo writes PDFs."""


@dataclass
class _Part:
    data: bytes | mmap.mmap
    offsets: list[int]  # per object number; -1: free
    ends: list[int]  # where each object's bytes end (the next object, or the xref table)
    root: int
    info: int | None
    pages: int  # the number of the part's /Pages node
    count: int  # pages in the part
    version: bytes
    # Each page object's number -> its resource dictionary's number.
    resources: dict[int, int] = field(default_factory=dict)


def join_pdfs(parts: Sequence[Path], output: BinaryIO) -> int:
    """Write the pages of `parts`, in order, as one PDF to `output`; return the page count."""
    files = [part.open("rb") for part in parts]
    try:
        maps = [mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) for f in files]
        try:
            return _join([_read_part(data) for data in maps], output)
        finally:
            for data in maps:
                data.close()
    finally:
        for f in files:
            f.close()


def join_pdf_bytes(parts: Sequence[bytes], output: BinaryIO) -> int:
    """join_pdfs for parts held in memory."""
    return _join([_read_part(data) for data in parts], output)


def _read_part(data: bytes | mmap.mmap) -> _Part:
    header = _HEADER.match(data[:64])
    tail = _STARTXREF.search(data[-64:])
    if header is None or tail is None:
        raise PdfJoinError("not a PDF with a cross-reference table at its end")
    xref_at = int(tail.group(1))
    head = _XREF_HEAD.match(data, xref_at)
    if head is None:
        raise PdfJoinError("the cross-reference table is not one section from object 0")
    size = int(head.group(1))
    position = head.end() + 20 * size
    entries = _XREF_ENTRY.findall(data[head.end() : position])
    if len(entries) != size:
        raise PdfJoinError("the cross-reference table is malformed")
    offsets = [int(offset) if kind == b"n" else -1 for offset, _, kind in entries]
    trailer = _TRAILER.search(data, position)
    if trailer is None:
        raise PdfJoinError("no trailer after the cross-reference table")
    root = _reference(trailer.group(1), rb"/Root")
    if root is None:
        raise PdfJoinError("the trailer has no /Root")
    info = _reference(trailer.group(1), rb"/Info")
    # Each object ends where the next one (in file order) begins; the last one at the table.
    ordered = sorted((offset, number) for number, offset in enumerate(offsets) if offset >= 0)
    ends = [-1] * size
    for (offset, number), following in zip(ordered, [*(o for o, _ in ordered[1:]), xref_at], strict=True):
        if following <= offset:
            raise PdfJoinError("objects overlap")
        ends[number] = following
    part = _Part(data, offsets, ends, root, info, 0, 0, header.group(1))
    catalog = _object_text(part, root)
    pages = _PAGES_OF_CATALOG.search(catalog)
    if not _CATALOG.search(catalog) or pages is None:
        raise PdfJoinError("the root object is not a catalog with a page tree")
    part.pages = int(pages.group(1))
    count = _COUNT.search(_object_text(part, part.pages))
    if count is None:
        raise PdfJoinError("the page tree has no /Count")
    part.count = int(count.group(1))
    return part


def _read_resources(part: _Part) -> None:
    """Note which resource dictionary each page of the part uses."""
    kids = _KIDS.search(_object_text(part, part.pages))
    if kids is None:
        raise PdfJoinError("the page tree has no /Kids")
    for kid in _KID.finditer(kids.group(1)):
        page = int(kid.group(1))
        resources = _RESOURCES.search(_object_text(part, page))
        if resources is not None:
            part.resources[page] = int(resources.group(1))


def _reference(dictionary: bytes, key: bytes) -> int | None:
    found = re.search(re.escape(key) + rb"\s+(\d+) 0 R", dictionary)
    return int(found.group(1)) if found is not None else None


def _object_text(part: _Part, number: int) -> bytes:
    if not 0 < number < len(part.offsets) or part.offsets[number] < 0:
        raise PdfJoinError(f"object {number} is not in the file")
    return bytes(part.data[part.offsets[number] : part.ends[number]])


class _Writer:
    """The joined file as it is written: how many bytes so far, and copies of runs of a part."""

    def __init__(self, output: BinaryIO) -> None:
        self.output = output
        self.written = 0

    def write(self, chunk: bytes | memoryview) -> None:
        self.output.write(chunk)
        self.written += len(chunk)

    def copy(self, data: bytes | mmap.mmap, start: int, end: int) -> None:
        # A slice at a time, through a view: the first part is one run of tens of megabytes.
        with memoryview(data) as view:
            for at in range(start, end, _CHUNK):
                self.write(view[at : min(end, at + _CHUNK)])
        _release(data, end)


def _join(parts: list[_Part], output: BinaryIO) -> int:
    if not parts:
        raise PdfJoinError("nothing to join")
    shifts, total = [], 0
    for part in parts:
        shifts.append(total)
        total += len(part.offsets) - 1  # object 0 is the free list's head
    tree, catalog = total + 1, total + 2
    offsets = [-1] * (catalog + 1)
    writer = _Writer(output)
    version = max(part.version for part in parts)
    writer.write(b"%PDF-" + version + b"\n%\xb5\xed\xae\xfb\n")
    for index, (part, shift) in enumerate(zip(parts, shifts, strict=True)):
        left_out = {part.root} | ({part.info} if index and part.info is not None else set())
        _read_resources(part)
        _copy_objects(writer, part, shift, left_out, tree, offsets)
    kids = b" ".join(b"%d 0 R" % (part.pages + shift) for part, shift in zip(parts, shifts, strict=True))
    pages = sum(part.count for part in parts)
    offsets[tree] = writer.written
    writer.write(
        b"%d 0 obj\n<< /Type /Pages\n   /Kids [ %s ]\n   /Count %d\n>>\nendobj\n" % (tree, kids, pages)
    )
    offsets[catalog] = writer.written
    writer.write(b"%d 0 obj\n<< /Type /Catalog\n   /Pages %d 0 R\n>>\nendobj\n" % (catalog, tree))
    xref_at = writer.written
    entries = [b"0000000000 65535 f \n"]
    entries += [
        b"%010d 00000 n \n" % offset if offset >= 0 else b"0000000000 65535 f \n" for offset in offsets[1:]
    ]
    writer.write(b"xref\n0 %d\n" % len(offsets) + b"".join(entries))
    info = b"   /Info %d 0 R\n" % parts[0].info if parts[0].info is not None else b""
    writer.write(
        b"trailer\n<< /Size %d\n   /Root %d 0 R\n%s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(offsets), catalog, info, xref_at)
    )
    return pages


def _copy_objects(
    writer: _Writer, part: _Part, shift: int, left_out: set[int], tree: int, offsets: list[int]
) -> None:
    """Write a part's objects in file order, noting where each lands in `offsets`. The first part's
    (no shift) are copied in runs as they are, but for its page tree node, which gains a /Parent,
    and its pages whose resource dictionary was a copy; later parts' are renumbered one by one. A
    resource dictionary the same as one written before is left out (its number stays free).

    cairo writes a page's resource dictionary before the page object, so by a page its
    dictionary's fate is known."""
    shared = _shared_resources(part, shift)
    run_start = run_end = -1  # bytes of objects copied as they are, in one write
    released = 0
    for offset, number in sorted((o, n) for n, o in enumerate(part.offsets) if o >= 0):
        end = part.ends[number]
        if number in left_out or number in shared:
            continue
        resources = part.resources.get(number)
        moves = shift or number == part.pages or (resources is not None and resources in shared)
        if not moves:
            if offset != run_end:
                if run_end > run_start:
                    writer.copy(part.data, run_start, run_end)
                run_start = offset
            offsets[number] = writer.written + (offset - run_start)
            run_end = end
            continue
        if run_end > run_start:
            writer.copy(part.data, run_start, run_end)
            run_start = run_end = -1
        offsets[number + shift] = writer.written
        moved = _moved(part, number, offset, end, shift, tree if number == part.pages else None)
        if resources is not None and resources in shared:
            moved = moved.replace(
                b"/Resources %d 0 R" % (resources + shift), b"/Resources %d 0 R" % shared[resources], 1
            )
        writer.write(moved)
        if end - released >= _CHUNK:
            released = _release(part.data, end)
    if run_end > run_start:
        writer.copy(part.data, run_start, run_end)


def _shared_resources(part: _Part, shift: int) -> dict[int, int]:
    """The part's resource dictionaries that repeat an earlier one of the part: number -> the
    number (after `shift`) of the first one with the same text."""
    first: dict[bytes, int] = {}
    shared: dict[int, int] = {}
    for number in sorted(set(part.resources.values())):
        raw = _object_text(part, number)
        head = _OBJECT_HEAD.match(raw)
        if head is None or int(head.group(1)) != number or _stream_data_start(raw) is not None:
            raise PdfJoinError(f"the resources of a page, object {number}, are not a dictionary")
        text = raw[head.end() :]
        kept = first.setdefault(text, number + shift)
        if kept != number + shift:
            shared[number] = kept
    return shared


def _release(data: bytes | mmap.mmap, end: int) -> int:
    """Let go of a mapped part's pages before `end`, already copied: they stay in the page cache,
    but no longer count in this process's resident memory (a 100,000-badge job joins 120 MB)."""
    if isinstance(data, mmap.mmap):
        end -= end % mmap.PAGESIZE
        if end:
            data.madvise(mmap.MADV_DONTNEED, 0, end)
    return end


def _moved(part: _Part, number: int, offset: int, end: int, shift: int, parent: int | None) -> bytes:
    """Object `number` renumbered by `shift`, references in its dictionary too (never in its
    stream), with a /Parent entry when it is the part's page tree node."""
    raw = part.data[offset:end]
    head = _OBJECT_HEAD.match(raw)
    if head is None or int(head.group(1)) != number:
        raise PdfJoinError(f"object {number} is not where the table says")
    data_start = _stream_data_start(raw)
    dictionary_end = data_start if data_start is not None else len(raw)
    text = bytes(raw[head.end() : dictionary_end])
    if shift:
        text = _shifted(text, shift)
    if parent is not None:
        text = text.replace(b"<<", b"<< /Parent %d 0 R" % parent, 1)
    rest = bytes(raw[dictionary_end:]) if data_start is not None else b""
    return b"%d 0 obj%s%s" % (number + shift, text, rest)


def _stream_data_start(raw: bytes | mmap.mmap) -> int | None:
    """Where a stream object's data begins (after "stream" and its line end), or None."""
    for match in _STREAM_START.finditer(raw):
        if match.group(0).startswith(b"stream"):
            return match.end()
    return None


def _shifted(text: bytes, shift: int) -> bytes:
    def renumber(match: re.Match[bytes]) -> bytes:
        number = match.group(1)
        return match.group(0) if number is None else b"%d 0 R" % (int(number) + shift)

    return _REFERENCE.sub(renumber, text)
