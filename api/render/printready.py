"""The print-shop PDF (options.output "print"): a finished badge PDF converted to PDF/X-3 in CMYK.

Ghostscript's pdfwrite does the conversion: it converts every colour and image to DeviceCMYK
through a CMYK profile, keeps fonts embedded and text as text, writes a TrimBox on every page
(keeping one the input has), and takes the output intent from a PostScript definition file that
this module writes next to the output (pdfmarks: the Info dict's GTS_PDFXVersion, the profile as
an ICC stream, the catalog's /OutputIntents).

Why PDF/X-3 and not X-4: Ghostscript 10.00's `-dPDFX` is a switch for PDF/X-3 only (`-dPDFX=4`
is a rangecheck; X-4 came in later releases). X-3 is what every print shop's preflight accepts.

The profile: Ghostscript's own `default_cmyk.icc` ("Artifex CMYK SWOP Profile"), its
characterisation of SWOP (US web offset, registered as CGATS TR 001). The system packages
provide no other CMYK profile (icc-profiles-free has FOGRA measurement data, not a profile). It
is found beside Ghostscript's library folder at run time, not by a versioned path.

Ghostscript runs as a child of the calling process and inherits its kernel limits: RLIMIT_AS
and RLIMIT_FSIZE as they are (a write past the file limit kills it with SIGXFSZ, which
subprocess restores to its default), RLIMIT_CPU narrowed to what the caller has left of its
allowance (the child's clock starts at zero). It dies with its parent (PR_SET_PDEATHSIG), so a
render worker killed at its wall-clock deadline takes its Ghostscript with it.

Long files are converted in chunks of `CHUNK_PAGES` pages: with colour conversion Ghostscript
10.00 holds about 1.4 MB for every page it has written until it finishes (400 pages: 662 MB; the
same without conversion: 67 MB), so a 2,500-page job ran past the default 2 GB memory limit. Each
chunk is one Ghostscript run on a page range of the same input, and qpdf (`--pages`) joins the
chunks, keeping the first one's catalog (its output intent) and Info (its GTS_PDFXVersion). Each
chunk embeds its own font subsets: the file grows by a few percent.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import math
import mmap
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.render.errors import LimitExceededError, RenderInputError
from api.render.parallel import RenderProcessError
from api.render.pdfjoin import PdfJoinError
from api.render.pdfjoin import _read_part as read_part

GHOSTSCRIPT = "gs"
QPDF = "qpdf"
# Pages per Ghostscript run (see above): about 420 MB of Ghostscript's memory.
CHUNK_PAGES = 250
PDFX_VERSION = "PDF/X-3:2002"
PROFILE_FILE = "default_cmyk.icc"
PROFILE_DESCRIPTION = "Artifex CMYK SWOP Profile"
# The registered characterisation the profile stands for (ICC's registry of output conditions).
OUTPUT_CONDITION = "CGATS TR 001"
OUTPUT_CONDITION_NAME = "SWOP (Specifications for Web Offset Publications), coated"
REGISTRY = "http://www.color.org"
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# The last lines of Ghostscript's messages that a failure's message quotes.
ERROR_LINES = 3


FLATTENED_WARNING = (
    "Print: some pages draw with transparency (colour emoji in attendees' text, an opacity below "
    "1, or an image with an alpha channel), which PDF/X-3 does not allow, so Ghostscript flattened "
    "those pages into 300 dpi images: they print, but their text is no longer text. Use opaque "
    "colours in the template for a print-shop PDF."
)


class PrintToolMissingError(RuntimeError):
    """Ghostscript (or its CMYK profile) is not installed: print output cannot be made here."""


@dataclass(frozen=True)
class Conversion:
    """What a conversion did, for the job's log."""

    seconds: float
    bytes_before: int
    bytes_after: int
    # The PDF had transparency (an opacity below 1, a soft mask), which PDF/X-3 forbids:
    # Ghostscript flattened those pages into images, their text no longer text.
    flattened: bool = False


# How cairo writes transparency: a constant opacity below 1 in an ExtGState, or a soft mask (an
# image's alpha channel, a masked group).
_TRANSPARENCY = re.compile(rb"/(?:ca|CA)\s+(?:0(?:\.\d*)?|\.\d+)(?![\d.])|/SMask\s+\d+ 0 R")


@functools.cache
def ghostscript() -> str | None:
    """The Ghostscript executable's path, or None."""
    return shutil.which(GHOSTSCRIPT)


@functools.cache
def cmyk_profile() -> Path | None:
    """Ghostscript's CMYK profile, beside the library folders `gs -h` lists; None without one."""
    executable = ghostscript()
    if executable is None:
        return None
    try:
        text = subprocess.run(  # noqa: S603 (the gs on PATH, no input)
            [executable, "-h"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    listed = text.split("Search path:", 1)[-1]
    for entry in listed.replace("\n", " ").split(" : "):
        folder = Path(entry.strip())
        if folder.is_absolute():
            candidate = folder.parent / "iccprofiles" / PROFILE_FILE
            if candidate.is_file():
                return candidate
    return None


@functools.cache
def qpdf() -> str | None:
    """The qpdf executable's path (it joins the chunks of a long conversion), or None."""
    return shutil.which(QPDF)


def missing_tool() -> str | None:
    """Why print output cannot be made on this machine, or None when it can."""
    if ghostscript() is None:
        return "Ghostscript (gs) is not installed on the render server"
    if qpdf() is None:
        return "qpdf is not installed on the render server"
    if cmyk_profile() is None:
        return f"Ghostscript's CMYK profile ({PROFILE_FILE}) is not installed on the render server"
    return None


def _ps_string(text: str) -> str:
    """A PostScript string literal of our own ASCII text: parentheses and backslashes escaped."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return "(" + escaped.encode("ascii", "replace").decode("ascii") + ")"


def _pdf_text(text: str) -> str:
    """Any text (an event's name) as a PDF text string: UTF-16BE with its byte order mark, in hex,
    so that no character of it can end the string or reach the PostScript around it."""
    return "<" + ("\ufeff" + text).encode("utf-16-be").hex().upper() + ">"


def definition(profile: Path, title: str) -> str:
    """The PDF/X definition Ghostscript runs before the PDF: Info entries and the output intent."""
    return f"""%!PS
% PDF/X definition for the badge service's print output (api/render/printready.py).
[ /GTS_PDFXVersion {_ps_string(PDFX_VERSION)} /Title {_pdf_text(title)} /Trapped /False /DOCINFO pdfmark
[ /_objdef {{badge_profile}} /type /stream /OBJ pdfmark
[ {{badge_profile}} << /N 4 >> /PUT pdfmark
[ {{badge_profile}} {_ps_string(str(profile))} (r) file /PUT pdfmark
[ /_objdef {{badge_intent}} /type /dict /OBJ pdfmark
[ {{badge_intent}} <<
  /Type /OutputIntent /S /GTS_PDFX
  /OutputCondition {_ps_string(OUTPUT_CONDITION_NAME)}
  /OutputConditionIdentifier {_ps_string(OUTPUT_CONDITION)}
  /RegistryName {_ps_string(REGISTRY)}
  /Info {_ps_string(PROFILE_DESCRIPTION)}
  /DestOutputProfile {{badge_profile}}
>> /PUT pdfmark
[ {{Catalog}} << /OutputIntents [ {{badge_intent}} ] >> /PUT pdfmark
"""


def command(
    executable: str,
    profile: Path,
    definition_path: Path,
    source: Path,
    target: Path,
    pages: tuple[int, int] | None = None,
) -> list[str]:
    """Ghostscript's arguments: `source` (pages `pages`, first and last, or all) to `target`."""
    page_range = [f"-dFirstPage={pages[0]}", f"-dLastPage={pages[1]}"] if pages else []
    return [
        executable,
        "-q",
        "-dSAFER",  # no file access but what is named here; the default, said anyway
        "-dBATCH",
        "-dNOPAUSE",
        # A PDF it cannot read is an error, not a blank page and exit status 0.
        "-dPDFSTOPONERROR",
        "-dNOINTERPOLATE",
        "-sDEVICE=pdfwrite",
        "-dPDFX",
        "-sColorConversionStrategy=CMYK",
        "-sProcessColorModel=DeviceCMYK",
        # A page with transparency is flattened to an image at this resolution, the press's; at
        # Ghostscript's default 720 dpi 20 badges with colour emoji took 11.7 s and 4.4 MB
        # instead of 3.1 s and 1.1 MB.
        "-r300",
        # pdfwrite turns pages whose text runs sideways; a badge page is as the template drew it.
        "-dAutoRotatePages=/None",
        *page_range,
        f"--permit-file-read={profile}",
        f"-sOutputFile={target}",
        str(definition_path),
        str(source),
    ]


def _what_went_wrong(messages: str) -> str:
    """Ghostscript's error line ("Error: /syntaxerror in ..."), else its last lines."""
    lines = [line.strip() for line in messages.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line]
    return " ".join(errors[:ERROR_LINES] or lines[-ERROR_LINES:])


def _cpu_left() -> int | None:
    """CPU seconds this process has left under its soft RLIMIT_CPU, or None without a limit."""
    soft = resource.getrlimit(resource.RLIMIT_CPU)[0]
    if soft == resource.RLIM_INFINITY:
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return max(1, math.floor(soft - usage.ru_utime - usage.ru_stime))


def _child_setup(cpu_seconds: int | None) -> Callable[[], None]:
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

    def setup() -> None:  # in the child, between fork and exec: nothing that allocates much
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if cpu_seconds is not None:
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, hard))

    return setup


def has_transparency(path: Path) -> bool:
    """Whether the PDF at `path` (as cairo writes it) draws anything with transparency."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _TRANSPARENCY.search(data) is not None


def working_files(source: str) -> tuple[Path, Path]:
    """The files a conversion of `source` writes beside it: the definition and gs's output. A
    worker killed mid-conversion leaves them; the job that owned the output removes them."""
    path = Path(source)
    return path.with_name(path.name + ".pdfx.ps"), path.with_name(path.name + ".pdfx")


def convert_for_print(source: str, *, title: str = "Badges", timeout: float | None = None) -> Conversion:
    """Replace the PDF at `source` with its PDF/X-3 CMYK conversion, in place.

    Raises PrintToolMissingError without Ghostscript or qpdf; RenderProcessError when a kernel
    limit killed it (the callers' limit problems); MemoryError when it ran out of address space;
    LimitExceededError past `timeout`; RenderInputError for any other failure, with
    Ghostscript's last words.
    """
    reason = missing_tool()
    if reason is not None:
        raise PrintToolMissingError(reason)
    executable, profile = ghostscript(), cmyk_profile()
    assert executable is not None
    assert profile is not None
    path = Path(source)
    definition_path, target = working_files(source)
    started = time.monotonic()
    deadline = started + timeout if timeout is not None else None
    before = path.stat().st_size
    flattened = has_transparency(path)
    ranges = page_ranges(page_count(path))
    chunks = [target] if len(ranges) == 1 else [chunk_file(target, index) for index in range(len(ranges))]
    try:
        definition_path.write_text(definition(profile, title), encoding="ascii")
        for chunk, pages in zip(chunks, ranges, strict=True):
            arguments = command(
                executable, profile, definition_path, path, chunk, pages if len(ranges) > 1 else None
            )
            _run(arguments, path.parent, _seconds_left(deadline, timeout), "Ghostscript")
            if not chunk.is_file() or chunk.stat().st_size == 0:
                raise RenderInputError("Ghostscript wrote no PDF for print", location="output")
        if len(chunks) > 1:
            # The first chunk's catalog and Info stay: its output intent, its GTS_PDFXVersion.
            first = str(chunks[0])
            joined = [qpdf() or QPDF, first, "--pages", *map(str, chunks), "--", str(target)]
            _run(joined, path.parent, _seconds_left(deadline, timeout), "qpdf")
        os.replace(target, path)
    finally:
        definition_path.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        for chunk in chunks:
            chunk.unlink(missing_ok=True)
    return Conversion(time.monotonic() - started, before, path.stat().st_size, flattened)


def page_count(path: Path) -> int:
    """The pages of a PDF the engine wrote (cairo's layout, or the join of its parts); 0 for a
    file not laid out so, which one Ghostscript run then refuses in its own words."""
    try:
        with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return read_part(data).count
    except (PdfJoinError, ValueError):  # ValueError: mmap of an empty file
        return 0


def page_ranges(pages: int) -> list[tuple[int, int]]:
    """(first, last) pages of each Ghostscript run, CHUNK_PAGES at most each; one run for a
    short file (and for an empty one, which Ghostscript refuses in words)."""
    if pages <= CHUNK_PAGES:
        return [(1, max(pages, 1))]
    return [(first, min(first + CHUNK_PAGES - 1, pages)) for first in range(1, pages + 1, CHUNK_PAGES)]


def chunk_file(target: Path, index: int) -> Path:
    """Where chunk `index` of a long conversion is written, beside the final output."""
    return target.with_name(f"{target.name}.{index:04d}")


def _seconds_left(deadline: float | None, timeout: float | None) -> tuple[float | None, float | None]:
    """(seconds the next run may take, the whole conversion's timeout) before `deadline`."""
    if deadline is None or timeout is None:
        return None, None
    left = deadline - time.monotonic()
    if left <= 0:
        raise LimitExceededError(
            f"converting for print took longer than {timeout:g} seconds", location="render"
        )
    return left, timeout


def _run(arguments: list[str], folder: Path, timeout: tuple[float | None, float | None], tool: str) -> None:
    """Run Ghostscript or qpdf under the caller's limits; its failures as the module says."""
    try:
        finished = subprocess.run(  # noqa: S603 (arguments are our own paths)
            arguments,
            capture_output=True,
            timeout=timeout[0],
            check=False,
            preexec_fn=_child_setup(_cpu_left()),  # a render worker has one thread
            cwd=folder,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        raise LimitExceededError(
            f"converting for print took longer than {timeout[1]:g} seconds", location="render"
        ) from None
    except OSError as error:
        if error.errno == errno.ENOMEM:  # no room under RLIMIT_AS even to start it
            raise MemoryError(f"{tool} could not start: out of memory") from None
        raise
    if finished.returncode < 0:
        number = -finished.returncode
        raise RenderProcessError(f"{tool} was killed by {signal.Signals(number).name}", signal_number=number)
    messages = (finished.stdout + finished.stderr).decode("utf-8", "replace")
    # Past RLIMIT_AS: a PostScript VMerror, or a failed allocation the OS reported.
    if "VMerror" in messages or "Cannot allocate memory" in messages or "std::bad_alloc" in messages:
        raise MemoryError(f"{tool} ran out of memory")
    # qpdf exits 3 for warnings with a good file written.
    if finished.returncode != 0 and not (tool == "qpdf" and finished.returncode == 3):
        last = _what_went_wrong(messages)
        reason = last or "no message"
        raise RenderInputError(
            f"{tool} could not convert the PDF for print (exit {finished.returncode}): {reason}",
            location="output",
        )
