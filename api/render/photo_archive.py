"""A job's ZIP of attendee photos: checked, then read member by member within limits.

Two steps, so each runs where it belongs. `check_directory` reads only the central directory (no
member is decompressed): names, sizes, flags and the declared compression ratio; intake runs it in
the web process, so a plainly bad archive is refused at once. `PhotoArchive.read` decompresses one
member, never past its declared size or the per-photo limit, and checks that what came out is a
PNG or a JPEG within the pixel limit; it runs in the render runtime (the job's check and the job
itself), as everything that decodes an upload does.

A member is known by its key: its file name without folders and without its extension,
case-folded and NFC-normalised ("Photos/Ada.JPG" -> "ada"). Attendees name their photo by that
key, with or without the extension; two members with the same key are refused, since neither
could be told apart.
"""

from __future__ import annotations

import io
import os
import stat
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from api.render.errors import LimitExceededError, RenderInputError

LOCATION = "photos"
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png")
# Archives and compressed files inside the ZIP: refused by name before anything is read (the
# content check would refuse them too, as neither PNG nor JPEG).
ARCHIVE_EXTENSIONS = (".zip", ".jar", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst")
_FLAG_ENCRYPTED = 0x1


@dataclass(frozen=True)
class PhotoLimits:
    """What one job's photo archive may hold. The defaults fit 1,000 phone photos of about 200 KB
    (a 200 MB archive); api/config.py sets them from BADGE_PHOTOS_* for the service."""

    max_zip_bytes: int = 256 * 1024**2
    max_members: int = 10_000
    max_photo_bytes: int = 10 * 1024**2
    max_photo_pixels: int = 40_000_000
    max_total_bytes: int = 1024**3  # every member, uncompressed
    max_ratio: float = 100.0  # uncompressed / compressed, per member


@dataclass(frozen=True)
class Member:
    name: str  # as stored in the archive
    key: str  # what attendees match it by
    size: int  # declared, uncompressed


def photo_key(name: str) -> str:
    """The key a member or an attendee's cell is matched by: base name, no photo extension,
    case-folded, NFC. "Photos/Ada.JPG", "ada.jpg" and "ADA" all give "ada"."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    root, extension = os.path.splitext(base)
    if extension.lower() in PHOTO_EXTENSIONS:
        base = root
    return unicodedata.normalize("NFC", base).casefold()


def check_directory(source: bytes | BinaryIO, limits: PhotoLimits = PhotoLimits()) -> list[Member]:
    """Every photo the archive declares, refused (RenderInputError naming the member) when the
    archive is not a ZIP or a member is unsafe, not a photo by name, or past a limit by its header.
    Nothing is decompressed."""
    with _open_zip(source) as archive:
        infos = archive.infolist()
    files = [info for info in infos if not info.is_dir()]
    if len(files) > limits.max_members:
        raise LimitExceededError(
            f"the archive has {len(files):,} files, more than the limit of {limits.max_members:,}",
            location=LOCATION,
        )
    members: list[Member] = []
    seen: dict[str, str] = {}
    total = 0
    for info in files:
        member = _checked_member(info, limits)
        if member.key in seen:
            raise RenderInputError(
                f"{info.filename!r} and {seen[member.key]!r} name the same photo"
                " (names are matched without folders, extension or case)",
                location=_where(info.filename),
            )
        seen[member.key] = info.filename
        total += info.file_size
        if total > limits.max_total_bytes:
            raise LimitExceededError(
                f"the photos add up to more than {limits.max_total_bytes:,} bytes uncompressed",
                location=_where(info.filename),
            )
        members.append(member)
    return members


def _open_zip(source: bytes | BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise RenderInputError("the file is not a ZIP archive", location=LOCATION) from None


def _where(name: str) -> str:
    return f"{LOCATION} member {name[:120]!r}"


def _checked_member(info: zipfile.ZipInfo, limits: PhotoLimits) -> Member:
    name = info.filename
    where = _where(name)
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise RenderInputError("an absolute path is not allowed in the archive", location=where)
    if ".." in parts:
        raise RenderInputError("a path with '..' is not allowed in the archive", location=where)
    # Unix file type in the high half of the external attributes (set by zip on Unix; 0 elsewhere).
    if stat.S_ISLNK(info.external_attr >> 16):
        raise RenderInputError("a symbolic link is not allowed in the archive", location=where)
    if info.flag_bits & _FLAG_ENCRYPTED:
        raise RenderInputError(
            "an encrypted file cannot be read; zip the photos without a password", location=where
        )
    lowered = name.lower()
    if lowered.endswith(ARCHIVE_EXTENSIONS):
        raise RenderInputError("an archive inside the archive is not allowed", location=where)
    if not lowered.endswith(PHOTO_EXTENSIONS):
        raise RenderInputError("only .jpg, .jpeg and .png photos are allowed", location=where)
    if info.file_size > limits.max_photo_bytes:
        raise LimitExceededError(f"the photo is larger than {limits.max_photo_bytes:,} bytes", location=where)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise RenderInputError("only stored or deflated files can be read", location=where)
    if info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise LimitExceededError(
            f"the photo compresses more than {limits.max_ratio:g}:1, which no photo does", location=where
        )
    key = photo_key(name)
    if not key:
        raise RenderInputError("the photo has no name", location=where)
    return Member(name, key, info.file_size)


class PhotoArchive:
    """The photos of one job, read member by member. Opened lazily and again in each process: a
    part forked by api/render/parallel.py must not share the parent's file offset."""

    def __init__(self, source: bytes | str, limits: PhotoLimits = PhotoLimits()) -> None:
        self.source = source
        self.limits = limits
        self._zip: zipfile.ZipFile | None = None
        self._pid = 0
        self._file: BinaryIO | None = None
        with self._source_file() as file:
            self.members = {member.key: member for member in check_directory(file, limits)}

    def _source_file(self) -> BinaryIO:
        if isinstance(self.source, bytes):
            return io.BytesIO(self.source)
        try:
            return open(self.source, "rb")  # kept open while the archive is read
        except OSError:
            raise RenderInputError("the photo archive cannot be opened", location=LOCATION) from None

    def _archive(self) -> zipfile.ZipFile:
        if self._zip is None or self._pid != os.getpid():
            self.close()  # in a forked part: this process's copy of the parent's descriptor
            self._file = self._source_file()
            self._zip = _open_zip(self._file)
            self._pid = os.getpid()
        return self._zip

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._zip = None

    def __del__(self) -> None:
        self.close()

    def keys(self) -> Iterable[str]:
        return self.members.keys()

    def read(self, key: str) -> bytes:
        """The photo's bytes, checked: a PNG or a JPEG within the limits. Decompression stops at the
        declared size (zipfile reads no further) and at the per-photo limit, and a member whose data
        does not match its header (a lying size, a bad checksum) is refused."""
        member = self.members[key]
        where = _where(member.name)
        limit = min(member.size, self.limits.max_photo_bytes)
        try:
            with self._archive().open(member.name) as opened:
                data = opened.read(limit + 1)
                if len(data) > limit:
                    raise LimitExceededError(f"the photo is larger than {limit:,} bytes", location=where)
                opened.read(1)  # at the declared end: zipfile checks the CRC here
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
            # RuntimeError: zipfile's "encrypted" refusal; the others a damaged or lying member.
            raise RenderInputError(
                "the photo's data does not match the archive's header (damaged or forged)", location=where
            ) from None
        check_photo(data, self.limits, where)
        return data

    def check_all(self) -> None:
        """Read every member once (the job's check in the render runtime)."""
        for key in list(self.members):
            self.read(key)


def check_photo(data: bytes, limits: PhotoLimits, where: str) -> str:
    """The photo's kind ("jpeg" or "png") by its content, and its pixel count from its header
    (nothing is decoded); raise when it is neither or too large."""
    kind = "jpeg" if data[:3] == b"\xff\xd8\xff" else "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else None
    if kind is None:
        raise RenderInputError("the file is not a PNG or a JPEG image", location=where)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        width, height = limits.max_photo_pixels + 1, 1
    except (OSError, ValueError, SyntaxError):
        raise RenderInputError(f"the {kind.upper()} file cannot be read", location=where) from None
    if width * height > limits.max_photo_pixels:
        raise LimitExceededError(
            f"the photo has more than {limits.max_photo_pixels:,} pixels ({width:,} x {height:,})",
            location=where,
        )
    return kind
