"""`manage.py badges render`: the engine from the command line, with a report a person can read."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from api.render.attendees import read_attendees
from api.render.builtin import BUILT_IN, built_in_template, make_plan
from api.render.document import RenderResult, render_pdf, render_png
from api.render.errors import RenderInputError
from api.render.template import CompiledTemplate, compile_template


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
    help="A built-in template id (classic, landscape, card) or an SVG file.",
)
@click.option("--sheet", default="one-per-page", show_default=True, help="A sheet preset such as a4-2x2.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--background", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--font", "font_family", help="Font family for every text field.")
@click.option("--name", "event_name", default="", help="The event name, for {{event}}.")
@click.option(
    "--qr", "qr_column", help="Column to encode in the QR code, or vcard (name, organization, email)."
)
@click.option(
    "--preview", type=click.Path(dir_okay=False, path_type=Path), help="Also write the first badge as PNG."
)
def render_command(
    attendees: Path,
    template_name: str,
    sheet: str,
    output: Path,
    background: Path | None,
    font_family: str | None,
    event_name: str,
    qr_column: str | None,
    preview: Path | None,
) -> None:
    """Render ATTENDEES (a CSV file) to a PDF."""
    try:
        table = read_attendees(attendees.read_bytes())
        template = _template(template_name)
        options: dict[str, Any] = {"name": event_name, "sheet": sheet}
        if font_family:
            options["fields"] = {name: {"font": font_family} for name in template.placeholders}
        if qr_column:
            kind = "vcard" if qr_column == "vcard" else "plain"
            options["qr"] = {"field": "email" if kind == "vcard" else qr_column, "kind": kind}
        plan = make_plan(
            template,
            options,
            columns_available=list(table.columns),
            background=background.read_bytes() if background else None,
        )
    except RenderInputError as error:
        raise click.ClickException(str(error)) from None
    started = time.perf_counter()
    result = render_pdf(plan, table.rows, str(output))
    elapsed = time.perf_counter() - started
    if preview:
        preview.write_bytes(render_png(plan, table.rows[0], dpi=150))
    _report(result, output, elapsed)


def _template(name: str) -> CompiledTemplate:
    if name in BUILT_IN:
        return built_in_template(name)
    path = Path(name)
    if not path.is_file():
        raise RenderInputError(
            f"{name!r} is neither a built-in template nor an SVG file", location="template"
        )
    return compile_template(path.read_bytes())


def _report(result: RenderResult, output: Path, elapsed: float) -> None:
    rate = result.badges / elapsed if elapsed else float("inf")
    click.echo(
        f"{result.badges} badges on {result.pages} pages, {output.stat().st_size:,} bytes, "
        f"{elapsed:.2f} s ({rate:,.0f} badges/s) -> {output}"
    )
    for report in result.reports:
        for field_name, placed in report.placed:
            row = report.index + 2  # spreadsheet numbering: the header is row 1
            if placed.unknown_glyphs:
                missing = placed.unknown_glyphs
                click.echo(f"  row {row}, {field_name}: {missing} character(s) have no glyph in any font")
            if placed.ellipsized:
                click.echo(
                    f"  row {row}, {field_name}: too long for its box even at the minimum size; shortened"
                )
