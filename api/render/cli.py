"""`manage.py badges render`: the engine from the command line, with a report a person can read."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from api.render.attendees import read_attendees
from api.render.builtin import BUILT_IN, built_in_template, make_plan
from api.render.document import BadgePlan, RenderResult, render_pdf, render_png
from api.render.duplex import DUPLEX_MODES, plan_bleed_note
from api.render.errors import RenderInputError
from api.render.findings import BadgeFindings
from api.render.options import BadgeOptions, FieldStyle, QrSpec
from api.render.parallel import RenderProcessError
from api.render.photo_archive import PhotoArchive
from api.render.photos import photo_job_findings
from api.render.printready import (
    FLATTENED_WARNING,
    PDFX_VERSION,
    PROFILE_DESCRIPTION,
    Conversion,
    PrintToolMissingError,
    convert_for_print,
)
from api.render.progress import Progress
from api.render.sheets import SHEET_PRESETS
from api.render.template import CompiledTemplate, compile_template
from api.render.zipped import DPI_RANGE, ZIP_FORMATS, write_zip

FLAGGED_ROWS_SHOWN = 10
PRINT_TIMEOUT_SECONDS = 600.0


@click.group("badges", help="Render badges without a server or a database.")
def badges_group() -> None:
    pass


@badges_group.command("render")
@click.argument("attendees", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--template",
    "template_name",
    default="classic",
    show_default=True,
    help="A built-in template id (classic, landscape, card, photo) or an SVG file.",
)
@click.option(
    "--sheet",
    type=click.Choice(SHEET_PRESETS),
    default="one-per-page",
    show_default=True,
    help="A sheet preset: a grid (a4-2x2, auto-a4, ...) or a maker's label sheet (avery-5392, ...).",
)
@click.option(
    "--sides",
    type=click.Choice(("front", "both")),
    default="front",
    show_default=True,
    help="both: print the template's back side too (placed for --duplex).",
)
@click.option(
    "--duplex",
    type=click.Choice(DUPLEX_MODES),
    default="long-edge",
    show_default=True,
    help="With --sides both: the printer's duplex setting (long-edge, short-edge), or fold (the back "
    "above the front on one side of paper, to fold).",
)
@click.option(
    "--back",
    "back_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With an SVG --template: a second SVG, the same size, for the back side.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write: a PDF, or with a .zip name a ZIP of one file per attendee.",
)
@click.option(
    "--zip-format",
    type=click.Choice(ZIP_FORMATS),
    default="pdf",
    show_default=True,
    help="With a .zip output: each attendee's file a one-page PDF or a PNG.",
)
@click.option(
    "--dpi",
    type=click.IntRange(*DPI_RANGE),
    default=300,
    show_default=True,
    help="With --zip-format png: the PNGs' resolution.",
)
@click.option(
    "--file-name",
    "file_name",
    help="With a .zip output: the column each file is named by (default: the name field's).",
)
@click.option(
    "--print",
    "for_print",
    is_flag=True,
    help="Convert the PDF for a print shop (options.output print): PDF/X-3 in CMYK through "
    "Ghostscript, fonts embedded, a TrimBox on every page.",
)
@click.option(
    "--print-timeout",
    type=click.FloatRange(min=1),
    default=PRINT_TIMEOUT_SECONDS,
    show_default=True,
    help="With --print: seconds Ghostscript may take before it is stopped.",
)
@click.option("--background", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--photos",
    "photos_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A ZIP of JPEG/PNG photos for the template's data-photo box (e.g. -t photo).",
)
@click.option(
    "--photo-column",
    help="The column naming each attendee's photo file (default: the photo column).",
)
@click.option("--font", "font_family", help="Font family for every text field.")
@click.option("--name", "event_name", default="", help="The event name, for {{event}}.")
@click.option(
    "--qr", "qr_column", help="Column to encode in the QR code, or vcard (name, organization, email)."
)
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the first badge as PNG (with the template's bleed, if it has one).",
)
@click.option(
    "--trim-line",
    is_flag=True,
    help="With --preview: draw where the badge is cut and veil its bleed (never in the PDF).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the proof report (findings per badge, counts by kind) as JSON.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress while rendering (the summary and findings are still printed).",
)
@click.option(
    "--proof",
    "proof_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a proof sheet PDF of the badges to check (none when no badge is flagged).",
)
@click.option(
    "--processes",
    "-j",
    type=click.IntRange(min=1),
    help="Render in this many processes side by side (default: one per usable CPU, for lists of "
    "2,000 badges and more).",
)
def render_command(
    attendees: Path,
    template_name: str,
    sheet: str,
    sides: str,
    duplex: str,
    back_path: Path | None,
    output: Path,
    zip_format: str,
    dpi: int,
    file_name: str | None,
    for_print: bool,
    print_timeout: float,
    background: Path | None,
    photos_path: Path | None,
    photo_column: str | None,
    font_family: str | None,
    event_name: str,
    qr_column: str | None,
    preview: Path | None,
    trim_line: bool,
    report_path: Path | None,
    quiet: bool,
    proof_path: Path | None,
    processes: int | None,
) -> None:
    """Render ATTENDEES (a CSV file) to a PDF, or to a ZIP of one file per attendee (-o x.zip).

    Badges are named by their row in the file as a spreadsheet shows it (the header is row 1).
    """
    try:
        table = read_attendees(attendees.read_bytes())
        template = _template(template_name, back_path)
        styles = {name: FieldStyle(font=font_family) for name in template.placeholders} if font_family else {}
        qr = None
        if qr_column:
            qr = QrSpec("email", "vcard") if qr_column == "vcard" else QrSpec(qr_column)
        # Built here, not loaded: click has checked each argument's shape already.
        zipped = output.suffix.casefold() == ".zip"
        if zipped and for_print:
            raise click.UsageError("--print makes one PDF: it does not go with a .zip output")
        options = BadgeOptions(
            name=event_name,
            sheet=sheet,
            fields=styles,
            qr=qr,
            output="zip" if zipped else "print" if for_print else "pdf",
            zip_format=zip_format,
            dpi=dpi,
            file_name=file_name,
            sides=sides,
            duplex=duplex,
            photo_column=photo_column,
        )
        photos = None
        if photos_path is not None:
            photos = PhotoArchive(str(photos_path))
            photos.check_all()
        plan = make_plan(
            template,
            options,
            columns_available=list(table.columns),
            background=background.read_bytes() if background else None,
            photos=photos,
        )
    except RenderInputError as error:
        raise click.ClickException(str(error)) from None
    progress: Progress | None = None
    if not quiet:
        # On stderr, so that stdout keeps only the summary.
        stream = sys.stderr
        progress = Progress(len(table.rows), stream, is_terminal=stream.isatty())
    started = time.perf_counter()
    if zipped:
        try:
            result = write_zip(
                plan,
                table.rows,
                str(output),
                zip_format=zip_format,
                dpi=dpi,
                file_name=file_name,
                row_numbers=table.row_numbers,
                on_badge=progress.badge_done if progress else None,
            )
        except RenderInputError as error:
            raise click.ClickException(str(error)) from None
    else:
        result = render_pdf(
            plan,
            table.rows,
            str(output),
            row_numbers=table.row_numbers,
            on_badge=progress.badge_done if progress else None,
            processes=processes,
        )
    elapsed = time.perf_counter() - started
    result.job_findings += photo_job_findings(plan.photo_set, table.rows)
    if progress:
        progress.finish()
    conversion = _for_print(output, event_name, print_timeout) if for_print else None
    if preview:
        preview.write_bytes(
            render_png(plan, table.rows[0], dpi=150, bleed=plan.sheet.bleed, trim_line=trim_line)
        )
    _summary(result, output, elapsed, files=zip_format if zipped else None)
    _notes(plan, conversion)
    if report_path:
        report_path.write_text(json.dumps(_report_json(result), ensure_ascii=False, indent=1) + "\n")
        click.echo(f"Report -> {report_path}")
    if proof_path:
        _proof(plan, table.rows, result, proof_path)


def _notes(plan: BadgePlan, conversion: Conversion | None) -> None:
    """What became of the template's bleed on the sheet, and of the print conversion."""
    note = plan_bleed_note(plan)
    if note:
        click.echo(note)
    if conversion:
        _print_summary(conversion)


def _for_print(output: Path, event_name: str, timeout: float) -> Conversion:
    """The written PDF converted in place for a print shop, as a job with output print is."""
    try:
        return convert_for_print(str(output), title=event_name or "Badges", timeout=timeout)
    except (PrintToolMissingError, RenderInputError, RenderProcessError, MemoryError) as error:
        reason = error.message if isinstance(error, RenderInputError) else str(error)
        raise click.ClickException(f"The print conversion failed: {reason}") from None


def _print_summary(conversion: Conversion) -> None:
    click.echo(
        f"Print: {PDFX_VERSION}, CMYK ({PROFILE_DESCRIPTION}), {conversion.bytes_after:,} bytes "
        f"(from {conversion.bytes_before:,}), {conversion.seconds:.2f} s"
    )
    if conversion.flattened:
        click.echo(FLATTENED_WARNING)


def _template(name: str, back: Path | None = None) -> CompiledTemplate:
    if name in BUILT_IN:
        if back is not None:
            raise RenderInputError("a built-in template has its own back side", location="back")
        return built_in_template(name)
    path = Path(name)
    if not path.is_file():
        raise RenderInputError(
            f"{name!r} is neither a built-in template nor an SVG file", location="template"
        )
    return compile_template(path.read_bytes(), back=back.read_bytes() if back else None)


def _summary(result: RenderResult, output: Path, elapsed: float, *, files: str | None = None) -> None:
    """What was made, the findings counted by kind, and the first badges to check."""
    rate = result.badges / elapsed if elapsed else float("inf")
    made = f"in {result.pages} {files.upper()} files" if files else f"on {result.pages} pages"
    click.echo(
        f"{result.badges} badges {made}, {output.stat().st_size:,} bytes, "
        f"{elapsed:.2f} s ({rate:,.0f} badges/s) -> {output}"
    )
    counts = {kind: count for kind, count in result.tally.count_by_kind().items() if count}
    found = ", ".join(f"{kind} {count:,}" for kind, count in counts.items())
    click.echo(f"Findings: {found or 'none'}")
    for finding in result.job_findings:
        click.echo(f"  every badge: {finding.message}")
    tally = result.tally
    if not tally.flagged:
        return
    click.echo(f"{tally.flagged:,} badge(s) to check before printing:")
    flagged = [badge for badge in tally.badges if badge.flagged]
    for badge in flagged[:FLAGGED_ROWS_SHOWN]:
        click.echo(f"  row {badge.row} (page {badge.page}, slot {badge.slot}): {_in_words(badge)}")
    if tally.flagged > FLAGGED_ROWS_SHOWN:
        click.echo(f"  ... and {tally.flagged - FLAGGED_ROWS_SHOWN:,} more")


def _in_words(badge: BadgeFindings) -> str:
    """The badge's warnings and errors, grouped by field: "name: wrapped to 2 lines; ..."."""
    by_field: dict[str, list[str]] = {}
    for finding in badge.findings:
        if finding.level != "info":
            by_field.setdefault(finding.field or "badge", []).append(finding.message)
    return "; ".join(f"{name}: {', '.join(messages)}" for name, messages in by_field.items())


def _report_json(result: RenderResult) -> dict[str, Any]:
    tally = result.tally
    return {
        "badges": result.badges,
        "pages": result.pages,
        "counts": tally.count_by_kind(),
        "flagged": tally.flagged,
        "job_findings": [finding.as_dict() for finding in result.job_findings],
        "findings": [badge.as_dict() for badge in tally.badges],
        "findings_omitted": tally.omitted,
    }


def _proof(plan: BadgePlan, rows: Sequence[Mapping[str, str]], result: RenderResult, path: Path) -> None:
    if not result.tally.flagged:
        click.echo("Proof: no badge to check; no proof sheet written")
        return
    # Imported here: only --proof draws a proof sheet.
    from api.render.proof import write_proof

    tally = result.tally
    pages = write_proof(
        plan, rows, tally.badges, str(path), flagged=tally.flagged, job_findings=result.job_findings
    )
    click.echo(f"Proof: {pages} page(s) -> {path}")
