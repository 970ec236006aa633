"""The tasks render workers run: every drawing and decoding the service does happens here.

Each task is a module-level function `task(report, *args)`, called in a worker of the pool
(api.render.pool) under its limits; its arguments and result are plain picklable values, so
the web process never holds a compiled template or a decoded image. Compiled uploaded templates
are kept per worker in a cache bounded in bytes (api.render.cache); built-in templates are
compiled once per worker, at warm-up.
"""

from __future__ import annotations

import errno
import hashlib
import io
import itertools
import math
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cairocffi

from api.render.builtin import BUILT_IN, built_in_template, make_plan
from api.render.cache import SizedCache
from api.render.document import (
    BadgePlan,
    RenderResult,
    encode_png,
    png_size,
    render_pdf,
    render_png,
    render_png_checked,
)
from api.render.duplex import plan_bleed_note
from api.render.errors import LimitExceededError, OutputWriteError, RenderInputError
from api.render.findings import BadgeFindings, Finding, count_by_kind
from api.render.fonts import register_fonts
from api.render.images import probe_image
from api.render.options import BadgeOptions, QrSpec
from api.render.photo_archive import PhotoArchive, PhotoLimits
from api.render.photos import photo_job_findings
from api.render.printready import Conversion, PrintToolMissingError, convert_for_print
from api.render.proof import MAX_PROOF_BADGES, write_proof
from api.render.template import CompiledTemplate, compile_template
from api.render.text import SCRIPT_FALLBACKS, FitRule, TextPainter, TextStyle
from api.render.worker import resident_bytes
from api.render.zipped import write_zip

Report = Callable[[int], None]
# How often a job's worker reports progress at the least (the web side writes it to the job).
REPORT_EVERY_SECONDS = 0.5
# Per worker (WorkerSettings.template_cache_bytes); a worker also retires past its memory mark.
_templates: SizedCache[str, CompiledTemplate] = SizedCache(256 * 1024**2)

# What a template preview shows in each field (a field without a sample shows its own name).
SAMPLE_VALUES = {
    "name": "Ada Lovelace",
    "organization": "FOSSASIA",
    "role": "Speaker",
    "email": "ada@example.org",
    "event": "Sample Event 2026",
}
SAMPLE_DPI = 150
SAMPLE_MAX_SIDE_PX = 1200  # a large template previews at a lower dpi to stay under it
_WARM_TEXT = "Ada Lovelace Émile محمد דוד अनिल สมชาย 张伟 Анна 🎉"


def warm_up(*, template_cache_bytes: int) -> None:
    """Load what every task needs before the first one: built-ins, fontconfig, each script's font."""
    _templates.max_bytes = template_cache_bytes
    for template_id in BUILT_IN:
        built_in_template(template_id)
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_RGB24, 8, 8)
    painter = TextPainter(cairocffi.Context(surface))
    for family in SCRIPT_FALLBACKS[:1]:
        painter.measure(_WARM_TEXT, TextStyle(family=family, size=12), FitRule(max_width=50))
    with io.BytesIO() as output:
        plan = make_plan(built_in_template("card"), BadgeOptions(), columns_available=["name"])
        render_pdf(plan, [{"name": _WARM_TEXT}], output)


@dataclass(frozen=True)
class TemplateSource:
    """A template as the web process knows it: a built-in's id, or an uploaded SVG and its sha256."""

    built_in: str | None = None
    svg: bytes | None = None
    sha256: str | None = None
    back_svg: bytes | None = None  # an uploaded template's second SVG, its back side

    def compiled(self) -> CompiledTemplate:
        if self.svg is None:
            return built_in_template(self.built_in or "")
        assert self.sha256 is not None
        # The back is part of what is compiled, so part of the key.
        key = (
            self.sha256
            if self.back_svg is None
            else f"{self.sha256}+{hashlib.sha256(self.back_svg).hexdigest()}"
        )
        cached = _templates.get(key)
        if cached is None:
            # A wrong key would hand one template's drawing to every later caller of another.
            if hashlib.sha256(self.svg).hexdigest() != self.sha256:
                raise ValueError("sha256 is not the digest of svg")
            before = resident_bytes()
            cached = compile_template(self.svg, back=self.back_svg)
            # Decoded images dominate what a template holds; the growth of this process measures
            # them, and the SVG itself is the floor.
            floor = 2 * (len(self.svg) + len(self.back_svg or b""))
            _templates.put(key, cached, max(resident_bytes() - before, floor))
        return cached


@dataclass(frozen=True)
class BadgeSpec:
    """What every badge of a request shares: template, options, columns, fonts, ticket colours."""

    template: TemplateSource
    options: BadgeOptions  # fonts already resolved to families
    columns: list[str]
    fonts: Mapping[str, bytes] = field(default_factory=dict)  # uploaded: internal family -> bytes
    ticket_colors: Mapping[str, str] | None = None
    background: bytes | None = None
    photos: bytes | None = None  # the job's ZIP of photos (api/render/photo_archive.py)
    photo_limits: PhotoLimits = field(default_factory=PhotoLimits)

    def photo_archive(self) -> PhotoArchive | None:
        return PhotoArchive(self.photos, self.photo_limits) if self.photos is not None else None

    def plan(self, *, with_background: bool = True, options: BadgeOptions | None = None) -> BadgePlan:
        if self.fonts:
            # Before anything is laid out: Pango lists fonts when it first needs them.
            register_fonts(self.fonts)
        return make_plan(
            self.template.compiled(),
            self.options if options is None else options,
            columns_available=self.columns,
            background=self.background if with_background else None,
            ticket_colors=self.ticket_colors,
            photos=self.photo_archive(),
        )


# Checks ------------------------------------------------------------------------------------------


def check_template(_report: Report, svg: bytes, max_pixels: int, back: bytes | None = None) -> dict[str, Any]:
    """Compile an uploaded SVG (and its back, a second SVG, if sent) and rasterise each side once
    at 96 dpi; return its size and fields.

    Recording keeps patterns and filters as descriptions; rasterising makes their real cost
    happen here, under the task's limits.
    """
    template = compile_template(svg, back=back)
    scale = 96 / 72
    for side in (template, template.back):
        if side is None:
            continue
        _, _, width, height = side.extents  # the bleed is drawn too
        surface = _raster(width * scale, height * scale, max_pixels, cairocffi.FORMAT_ARGB32)
        context = cairocffi.Context(surface)
        context.scale(scale, scale)
        context.translate(side.bleed, side.bleed)
        context.set_source_surface(side.static)
        context.paint()
        if side.tint is not None:
            context.set_source_surface(side.tint)
            context.paint()
        surface.flush()
    return template_facts_of(template)


def template_facts(_report: Report, source: TemplateSource) -> dict[str, Any]:
    return template_facts_of(source.compiled())


def template_facts_of(template: CompiledTemplate) -> dict[str, Any]:
    back = template.back
    fields = list(template.placeholders)
    if back is not None:  # the back's fields are the template's too (they need their columns)
        fields += [name for name in back.placeholders if name not in fields]
    return {
        "width": template.width,
        "height": template.height,
        "fields": fields,
        "has_qr": template.qr is not None or (back is not None and back.qr is not None),
        "has_back": back is not None,
        "bleed": template.bleed,  # points; a back has the same (compile_template checks)
        "warnings": list(template.warnings)
        + [f"Back: {warning}" for warning in (back.warnings if back else [])],
    }


def check_badges(_report: Report, spec: BadgeSpec) -> dict[str, Any]:
    """Everything a job can be refused for before it is queued: options against the template and
    the columns, and the background image's format, size and data. Returns what the job log needs.
    """
    plan = spec.plan(with_background=False)
    if spec.background is not None:
        probe_image(spec.background, spec.options.background_fit)
    photos = plan.photo_set.archive if plan.photo_set is not None else None
    if photos is not None:
        photos.check_all()  # every member decompressed once, within limits; nothing decoded
    return {"missing_fields": list(plan.missing_fields)}


# Previews ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewOutput:
    """A preview and the proof report of that one badge (page 1, slot 1)."""

    content: bytes
    findings: BadgeFindings


def preview_badge(
    _report: Report,
    spec: BadgeSpec,
    row: Mapping[str, str],
    dpi: float,
    output: str,
    max_pixels: int,
    *,
    row_number: int = 1,
    side: str = "front",
    trim_line: bool = False,
) -> PreviewOutput:
    """One badge as PNG at `dpi`, or as a PDF at the badge's own size (`output` "pdf"): one page,
    or with options.sides "both" the front and the back as the duplex mode prints them.
    A PNG shows `side`: "front", or "back" (upright, as the badge shows it when it turns).

    Either shows the badge with the bleed it prints with: the PDF is a page of one-per-page (all of
    the template's bleed), the PNG the badge as the job's sheet prints it (at most half a grid's
    gap, none on labels). `trim_line` draws where it is cut and veils the bleed."""
    if output == "pdf":
        plan = spec.plan(options=replace(spec.options, sheet="one-per-page"))
        with io.BytesIO() as pdf:
            result = render_pdf(plan, [row], pdf, row_numbers=[row_number], trim_line=trim_line)
            found = result.tally.badges[0].findings if result.tally.badges else ()
            findings = BadgeFindings(row_number, 1, 1, found + result.job_findings)
            content = pdf.getvalue()
        if spec.options.output == "print":
            content = _print_proof(content, spec.options)
        return PreviewOutput(content, findings)
    plan = spec.plan()
    if side == "back":
        if plan.template.back is None:
            raise RenderInputError("the template has no back side to preview", location="side")
        plan = plan.back_side()
    bleed = plan.sheet.bleed
    _check_pixels(*png_size(plan.template, dpi, bleed=bleed), max_pixels)
    return PreviewOutput(
        *render_png_checked(plan, row, dpi=dpi, row_number=row_number, bleed=bleed, trim_line=trim_line)
    )


def _print_proof(content: bytes, options: BadgeOptions) -> bytes:
    """A one-badge PDF as the print output would have it: PDF/X, CMYK (a print shop's proof)."""
    with tempfile.TemporaryDirectory(prefix="badge-proof-") as folder:
        path = os.path.join(folder, "badge.pdf")
        with open(path, "wb") as file:
            file.write(content)
        _convert_for_print(path, options)
        with open(path, "rb") as file:
            return file.read()


def sample_preview(_report: Report, source: TemplateSource, max_pixels: int) -> bytes:
    """The template filled with sample values, as PNG at up to 150 dpi."""
    compiled = source.compiled()
    fields = compiled.placeholders
    row = {name: SAMPLE_VALUES.get(name, name) for name in fields}
    options = BadgeOptions(name=SAMPLE_VALUES["event"])
    if compiled.qr is not None:
        row.setdefault("email", SAMPLE_VALUES["email"])
        # A vCard needs a name; a template without {{name}} shows a QR code of the sample address.
        options = replace(options, qr=QrSpec("email", "vcard" if "name" in fields else "plain"))
    plan = make_plan(compiled, options, columns_available=list(row))
    _, _, width, height = compiled.extents
    dpi = min(SAMPLE_DPI, SAMPLE_MAX_SIDE_PX * 72 / max(width, height))
    _check_pixels(*png_size(compiled, dpi, bleed=compiled.bleed), max_pixels)
    # A template with a bleed shows it, and where the badge is cut.
    return render_png(plan, row, dpi=dpi, bleed=compiled.bleed, trim_line=compiled.bleed > 0)


def font_sample(
    _report: Report,
    text: str,
    family: str,
    weight: int,
    italic: bool,
    size: float,
    fonts: Mapping[str, bytes],
    max_pixels: int,
) -> bytes:
    """`text` in `family` at `size` pixels on a transparent background, padded: the font picker."""
    if fonts:
        register_fonts(fonts)
    style = TextStyle(family=family, size=size, weight=weight, italic=italic, anchor="start")
    # Measured first on a scratch surface: the image is made to fit the text.
    scratch = cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 1, 1))
    _, placed = TextPainter(scratch).measure(text, style, FitRule())
    padding = math.ceil(size * 0.4)
    width = min(4000, math.ceil(placed.width) + 2 * padding)
    height = math.ceil(size * 1.6) + padding
    surface = _raster(width, height, max_pixels, cairocffi.FORMAT_ARGB32)
    context = cairocffi.Context(surface)
    TextPainter(context).draw(text, style, FitRule(), padding, padding + size)
    return encode_png(surface)


def _check_pixels(width: float, height: float, max_pixels: int) -> None:
    pixels = max(1, round(width)) * max(1, round(height))
    if pixels > max_pixels:
        raise LimitExceededError(
            f"the image would have {pixels:,} pixels, more than the limit of {max_pixels:,};"
            " ask for a lower dpi",
            location="dpi",
        )


def _raster(width: float, height: float, max_pixels: int, image_format: int) -> cairocffi.ImageSurface:
    _check_pixels(width, height, max_pixels)
    return cairocffi.ImageSurface(image_format, max(1, round(width)), max(1, round(height)))


# Jobs --------------------------------------------------------------------------------------------


# A write that failed with less room than this left on the output's disk was a full disk.
FULL_DISK_MARGIN = 1024 * 1024


def _write_failure(path: str) -> Exception:
    """Why cairo could not write the PDF: it reports any failed write as WRITE_ERROR, whether the
    file reached this task's size limit (RLIMIT_FSIZE, set by the worker) or the disk is full."""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    written = os.path.getsize(path) if os.path.exists(path) else 0
    if limit != resource.RLIM_INFINITY and written >= limit - FULL_DISK_MARGIN:
        return LimitExceededError(f"the output grew past {limit} bytes", location="render")
    if shutil.disk_usage(os.path.dirname(path) or ".").free < FULL_DISK_MARGIN:
        return OutputWriteError("storage is full", full=True)
    return OutputWriteError("the PDF could not be written", full=False)


@dataclass(frozen=True)
class RenderTask:
    """Everything a worker needs for a job, picklable: the template source, not a compiled template."""

    template_svg: bytes | None
    template_id: str | None
    options: BadgeOptions
    # The attendees in print order: a list of dicts, or PackedRows (compact: a 100,000-row job
    # crosses the pipe as about 10 MB and each row becomes a dict only while it is drawn).
    rows: Sequence[Mapping[str, str]]
    columns: list[str]
    output_path: str
    background: bytes | None = None
    ticket_colors: Mapping[str, str | None] | None = None  # ticket type name -> "#rrggbb"
    # Uploaded fonts the options name: internal family -> TrueType/OpenType bytes.
    fonts: Mapping[str, bytes] | None = None
    # The organiser's number for each row (spreadsheet row, JSON position), in the order of
    # `rows`; None numbers them 1..N. Every finding and message names badges by these.
    row_numbers: Sequence[int] | None = None
    # Where to write the proof sheet (only the flagged badges, larger, labelled); None: no proof.
    proof_path: str | None = None
    # Processes to render in side by side (None: every usable CPU; long lists only).
    processes: int | None = 1
    template_back_svg: bytes | None = None  # an uploaded template's back side, a second SVG
    # The job's ZIP of photos, as a file each process opens for itself; None: no photos.
    photos_path: str | None = None
    photo_limits: PhotoLimits = field(default_factory=PhotoLimits)


@dataclass
class RenderSummary:
    badges: int = 0
    pages: int = 0
    # Every badge with at least one finding, in print order, kept compact (findings.BadgeList:
    # about 30 bytes a badge, BadgeFindings made when read); details past MAX_DETAILED are counted
    # in `findings_omitted` but not kept.
    findings: Sequence[BadgeFindings] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: count_by_kind(()))  # over every badge
    flagged: int = 0  # badges with a warning- or error-level finding, all of them
    proof_pages: int = 0  # pages written to proof_path; 0 when nothing was written
    # Findings about the whole job, said once rather than on every badge (a low-resolution
    # background image).
    job_findings: list[Finding] = field(default_factory=list)
    findings_omitted: int = 0  # badges with findings whose details were not kept
    processes: int = 1  # render processes side by side
    bleed_note: str | None = None  # what became of the template's bleed on the sheet
    # options.output "print": the conversion to PDF/X (api/render/printready.py); None otherwise.
    print_conversion: Conversion | None = None


def render_job(report: Report, task: RenderTask) -> RenderSummary:
    if task.fonts:
        register_fonts(task.fonts)
    if task.template_svg:
        source = TemplateSource(
            svg=task.template_svg,
            sha256=hashlib.sha256(task.template_svg).hexdigest(),
            back_svg=task.template_back_svg,
        )
    else:
        source = TemplateSource(built_in=task.template_id)
    plan = make_plan(
        source.compiled(),
        task.options,
        columns_available=task.columns,
        background=task.background,
        ticket_colors=task.ticket_colors,
        photos=PhotoArchive(task.photos_path, task.photo_limits) if task.photos_path else None,
    )

    last_report = time.monotonic()

    def on_badge(index: int) -> None:
        # Every 100 badges, or sooner when badges are slow (QR codes, photos): the job's progress
        # must move at least every second.
        nonlocal last_report
        now = time.monotonic()
        if (index + 1) % 100 == 0 or now - last_report >= REPORT_EVERY_SECONDS:
            last_report = now
            report(index + 1)

    options = task.options
    try:
        if options.output == "zip":
            result = write_zip(
                plan,
                task.rows,
                task.output_path,
                zip_format=options.zip_format,
                dpi=options.dpi,
                file_name=options.file_name,
                on_badge=on_badge,
                row_numbers=task.row_numbers,
            )
        else:
            result = render_pdf(
                plan,
                task.rows,
                task.output_path,
                on_badge=on_badge,
                row_numbers=task.row_numbers,
                processes=task.processes,
            )
    except OSError as error:  # cairocffi raises its WRITE_ERROR status as an OSError
        # A ZIP is written by Python, and so are the page boxes (api/render/boxes.py): a full disk
        # or the size limit is an OSError of its own there.
        written_by_python = error.errno in (errno.EFBIG, errno.ENOSPC)
        if "WRITE_ERROR" not in str(error) and options.output != "zip" and not written_by_python:
            raise
        raise _write_failure(task.output_path) from None
    report(result.badges)
    result.job_findings += photo_job_findings(plan.photo_set, task.rows)
    summary = summary_of(result)
    summary.bleed_note = plan_bleed_note(plan)
    if options.output == "print":
        summary.print_conversion = _convert_for_print(task.output_path, options)
    if task.proof_path is not None and summary.flagged:
        summary.proof_pages = _write_proof(plan, task, summary)
    return summary


def _convert_for_print(path: str, options: BadgeOptions) -> Conversion:
    """The finished PDF, all sheets and parts joined, made PDF/X for a print shop, in place."""
    try:
        return convert_for_print(path, title=options.name or "Badges")
    except PrintToolMissingError as error:
        # Checked when the job was submitted; the render server may differ from the web server.
        raise RenderInputError(f"print output cannot be made: {error}", location="output") from None
    except OSError as error:
        if error.errno == errno.ENOMEM:  # reading the PDF (mmap) or starting a tool, near RLIMIT_AS
            raise MemoryError("out of memory converting for print") from None
        raise


def summary_of(result: RenderResult) -> RenderSummary:
    """The job's summary: counts over every badge, details of the badges with findings."""
    tally = result.tally
    return RenderSummary(
        result.badges,
        result.pages,
        findings=tally.badges,
        counts=tally.count_by_kind(),
        flagged=tally.flagged,
        job_findings=list(result.job_findings),
        findings_omitted=tally.omitted,
        processes=result.processes,
    )


def _write_proof(plan: BadgePlan, task: RenderTask, summary: RenderSummary) -> int:
    assert task.proof_path is not None
    # Only the flagged badges the sheet draws (MAX_PROOF_BADGES), not every flagged one at once.
    chosen = list(itertools.islice((badge for badge in summary.findings if badge.flagged), MAX_PROOF_BADGES))
    try:
        return write_proof(
            plan,
            task.rows,
            chosen,
            task.proof_path,
            flagged=summary.flagged,
            job_findings=summary.job_findings,
        )
    except OSError as error:  # as for the PDF: cairo's WRITE_ERROR
        if "WRITE_ERROR" not in str(error):
            raise
        raise _write_failure(task.proof_path) from None
