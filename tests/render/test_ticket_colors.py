"""Ticket colours: shapes marked data-ticket-color take the colour of the attendee's ticket type."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from api.render import runtime, tasks
from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf, render_png
from api.render.errors import RenderInputError
from api.render.limits import RenderLimits
from api.render.options import BadgeOptions
from api.render.pool import BATCH
from api.render.tasks import RenderTask
from api.render.template import compile_template

COLUMNS = ["name", "organization", "role", "email", "ticket"]
COLORS = {"Speaker": "#2a9d8f", "Sponsor": "#f4a261", "Volunteer": "#8338ec", "Attendee": None}
CLASSIC_BAND = "#e63946"  # classic.svg's own colour for its bottom band
DPI = 40
# In classic's bottom band (y 132-148 mm), left of the centred role text.
BAND = (5.0, 136.0)
# Between the organisation and the band: the template's white base, or a background image.
BODY = (5.0, 92.0)


def rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def pixel(image: Image.Image, point_mm: tuple[float, float], dpi: float = DPI) -> tuple[int, int, int]:
    x, y = (round(value / 25.4 * dpi) for value in point_mm)
    red, green, blue = image.convert("RGB").getpixel((x, y))
    return red, green, blue


def close(actual: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 2 for a, b in zip(actual, expected, strict=True))


def attendee(ticket: str, **extra: str) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "organization": "Analytical Engines",
        "role": "Speaker",
        "email": "ada@example.org",
        "ticket": ticket,
        **extra,
    }


def png(plan, row) -> Image.Image:
    return Image.open(io.BytesIO(render_png(plan, row, dpi=DPI)))


def classic_plan(**extra):
    return make_plan(
        built_in_template("classic"),
        BadgeOptions(name="FOSSASIA Summit 2026"),
        columns_available=COLUMNS,
        **extra,
    )


def solid_png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("ticket", ["Speaker", "Sponsor", "Volunteer"])
def test_the_band_takes_the_colour_of_the_ticket(ticket):
    badge = png(classic_plan(ticket_colors=COLORS), attendee(ticket))

    assert close(pixel(badge, BAND), rgb(str(COLORS[ticket])))
    assert pixel(badge, BODY) == (255, 255, 255)


@pytest.mark.parametrize("ticket", ["", "Attendee", "Workshop"])
def test_without_a_ticket_colour_the_band_keeps_the_templates_colour(ticket):
    # No ticket, a ticket whose colour is None, a ticket the mapping does not know.
    badge = png(classic_plan(ticket_colors=COLORS), attendee(ticket))

    assert close(pixel(badge, BAND), rgb(CLASSIC_BAND))


def test_without_ticket_colours_the_badge_is_as_before():
    plain = render_png(classic_plan(), attendee("Speaker"), dpi=DPI)
    # Every colour None: the tint layer is replayed as drawn, as when no colours were given.
    none = render_png(classic_plan(ticket_colors=dict.fromkeys(COLORS)), attendee("Speaker"), dpi=DPI)

    assert plain == none
    assert close(pixel(Image.open(io.BytesIO(plain)), BAND), rgb(CLASSIC_BAND))


def test_ticket_names_match_regardless_of_case_spaces_and_composition():
    decomposed = unicodedata.normalize("NFD", "Café Crew")
    plan = classic_plan(ticket_colors={" speaker": "#2a9d8f", "CAFÉ CREW": "#8338ec"})

    assert close(pixel(png(plan, attendee("SPEAKER  ")), BAND), rgb("#2a9d8f"))
    assert close(pixel(png(plan, attendee(decomposed)), BAND), rgb("#8338ec"))


def test_the_attendees_text_is_drawn_above_the_coloured_band():
    badge = png(classic_plan(ticket_colors={"Speaker": "#2a9d8f"}), attendee("Speaker")).convert("RGB")
    top = round(132 / 25.4 * DPI) + 1
    band = badge.crop((0, top, badge.width, badge.height))

    # The white role text ("Speaker") shows on the band, so the band is not painted over it.
    colors = {color for _, color in band.getcolors(maxcolors=10_000) or []}
    assert (255, 255, 255) in colors
    assert any(close(color, rgb("#2a9d8f")) for color in colors)


def test_the_ticket_column_can_be_mapped_with_options_columns():
    columns = ["name", "organization", "role", "email", "Ticket Type"]
    # classic has no {{ticket}}: a mapping for "ticket" is still accepted.
    plan = make_plan(
        built_in_template("classic"),
        BadgeOptions(name="FOSSASIA Summit 2026", columns={"ticket": "Ticket Type"}),
        columns_available=columns,
        ticket_colors=COLORS,
    )
    row = attendee("", **{"Ticket Type": "Sponsor"})
    del row["ticket"]

    assert close(pixel(png(plan, row), BAND), rgb("#f4a261"))
    # The mapped column is the one read, not a column that happens to be called "ticket".
    row_with_both = {**row, "ticket": "Speaker"}
    assert close(pixel(png(plan, row_with_both), BAND), rgb("#f4a261"))


def test_a_mapping_of_ticket_to_a_missing_column_is_refused():
    with pytest.raises(RenderInputError) as refused:
        make_plan(
            built_in_template("classic"),
            BadgeOptions(columns={"ticket": "Ticket Type"}),
            columns_available=COLUMNS,
            ticket_colors=COLORS,
        )

    assert refused.value.location == "options.columns.ticket"


@pytest.mark.parametrize("color", ["red", "#12345", "#12345g", "2a9d8f", 42])
def test_a_ticket_colour_that_is_not_rrggbb_is_refused(color):
    with pytest.raises(RenderInputError, match="#112233"):
        classic_plan(ticket_colors={"Speaker": color})


@pytest.mark.parametrize("ticket", ["Speaker", ""])
def test_over_a_background_image_the_band_is_coloured_too(ticket):
    plan = classic_plan(ticket_colors=COLORS, background=solid_png((200, 200, 40)))

    badge = png(plan, attendee(ticket))

    assert pixel(badge, BODY) == (200, 200, 40)  # the image, not the template's white base
    assert close(pixel(badge, BAND), rgb("#2a9d8f" if ticket else CLASSIC_BAND))


def rasterise(pdf: Path, tmp_path: Path, page: int) -> Image.Image:
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", "-png", pdf, prefix],
        check=True,
    )
    with Image.open(prefix.with_suffix(".png")) as image:
        return image.convert("RGB")


def test_a_pdf_has_each_badge_in_its_tickets_colour_and_one_mask_per_colour(tmp_path):
    tickets = ["Speaker", "Sponsor", "", "Volunteer", "Speaker", "Sponsor", "Attendee", "Speaker"]
    pdf = tmp_path / "badges.pdf"

    render_pdf(classic_plan(ticket_colors=COLORS), [attendee(ticket) for ticket in tickets], str(pdf))

    for page, ticket in enumerate(tickets, start=1):
        expected = COLORS.get(ticket) or CLASSIC_BAND
        assert close(pixel(rasterise(pdf, tmp_path, page), BAND), rgb(expected)), (page, ticket)
    # Each colour's band is written once and referenced by every badge of that ticket type.
    assert pdf.read_bytes().count(b"/SMask") == 3


def test_a_marked_group_is_coloured_where_its_transforms_put_it():
    template = compile_template(
        b"""<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" viewBox="0 0 200 100">
        <rect width="200" height="100" fill="#ffffff"/>
        <g transform="translate(100 0)"><g data-ticket-color="" transform="scale(2)">
          <rect x="10" y="10" width="20" height="20" fill="#000080"/>
          <circle cx="20" cy="40" r="5" fill="#008000" stroke="#800000" stroke-width="2"/>
        </g></g>
        <rect x="20" y="20" width="20" height="20" fill="#e0e0e0"/>
        <text x="10" y="90" font-size="8">{{name}}</text></svg>"""
    )
    plan = make_plan(
        template, BadgeOptions(), columns_available=["name", "ticket"], ticket_colors={"Gold": "#d4a017"}
    )

    gold = png(plan, {"name": "Ada", "ticket": "Gold"})
    plain = png(plan, {"name": "Ada", "ticket": ""})

    # User units are half millimetres: the square spans 60-80 mm, the circle centres at (70, 40).
    assert close(pixel(gold, (70, 20)), rgb("#d4a017"))
    assert close(pixel(gold, (70, 40)), rgb("#d4a017"))
    assert close(pixel(plain, (70, 20)), rgb("#000080"))
    assert close(pixel(plain, (70, 40)), rgb("#008000"))
    # Unmarked shapes keep their colours.
    assert close(pixel(gold, (15, 15)), rgb("#e0e0e0"))
    assert pixel(gold, (50, 20)) == (255, 255, 255)


def test_a_job_in_a_render_worker_takes_ticket_colours(tmp_path):
    output = tmp_path / "job.pdf"
    task = RenderTask(
        template_svg=None,
        template_id="classic",
        options=BadgeOptions(name="FOSSASIA Summit 2026"),
        rows=[attendee("Volunteer"), attendee("")],
        columns=COLUMNS,
        output_path=str(output),
        ticket_colors=COLORS,
    )

    summary = runtime.pool().run(tasks.render_job, task, limits=RenderLimits(), lane=BATCH)

    assert summary.badges == 2
    assert close(pixel(rasterise(output, tmp_path, 1), BAND), rgb("#8338ec"))
    assert close(pixel(rasterise(output, tmp_path, 2), BAND), rgb(CLASSIC_BAND))
