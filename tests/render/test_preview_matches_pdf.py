"""A PNG preview shows the badge the PDF prints: the same glyphs in the same places.

The PDF is rasterised with pdftoppm (poppler's Splash renderer) at the preview's resolution and
compared with render_png (cairo) pixel by pixel. Two rasterisers never agree exactly: they
antialias differently, Splash snaps rectangle edges to whole pixels, and each puts a glyph's
origin on the pixel grid its own way (cairo rounds to whole pixels, Splash to quarter pixels
across and whole pixels down). So each pixel is compared with the other image's pixels around it
(3 x 3) and counts only by how far it lies outside their range: a pixel's misregistration is
forgiven, two are not. At 300 dpi a pixel is 0.085 mm.

Letters used to be unevenly spaced ("Sam ple Event 2026", "Lovelac e") because Pango rounded
each glyph's advance to a whole user unit, and in the built-in templates a user unit is a
millimetre. The PDF had the same uneven letters as the preview, so comparing the two alone could
not show it: the preview must also match the PDF of the same template written in tenths of a
millimetre, where the rounding fell elsewhere.

Measured (mean difference of 255, share of pixels differing by more than 64): the preview against
its PDF, now: at most 0.004 and 0; against the PDF in tenths with the rounding (before the fix):
3.5 to 4.1 and 1.7% to 2.5%; against its PDF moved by two pixels: 0.5 to 1.5 and 0.3% to 1.0%.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter

from api.render.builtin import BUILT_IN, make_plan
from api.render.document import render_pdf, render_png
from api.render.options import BadgeOptions
from api.render.template import compile_template

DPI = 300
MAX_MEAN_DIFFERENCE = 0.25  # of 255
MAX_DIFFERING_SHARE = 0.0015  # pixels differing by more than 64 of 255
ROWS = [
    {"name": "Ada Lovelace", "organization": "FOSSASIA Analytical Engines", "role": "Speaker", "email": ""},
    {
        "name": "Maria-Magdalena Szczepańska-Wróblewska",
        "organization": "Politechnika Wrocławska",
        "role": "Volunteer",
        "email": "",
    },
]

# An organiser's own template: no data-* attributes, a static title, text in millimetres.
PLAIN = """<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">
<rect width="105" height="148" fill="#ffffff"/>
<text x="52.5" y="20" font-size="6" text-anchor="middle" font-weight="bold">Sample Event 2026</text>
<text x="10" y="50" font-size="9">{{name}}</text>
<text x="52.5" y="90" font-size="5" text-anchor="middle" fill="#336699">{{organization}}</text>
<text x="95" y="110" font-size="4" text-anchor="end" letter-spacing="0.4">{{role}}</text>
</svg>"""

TEMPLATES = {template_id: spec.path.read_text() for template_id, spec in BUILT_IN.items()}
TEMPLATES["plain"] = PLAIN

LENGTHS = ("x", "y", "width", "height", "rx", "font-size", "letter-spacing")
DATA_LENGTHS = ("data-max-width", "data-min-size", "data-max-height")
NUMBER = re.compile(r"(\s(?:" + "|".join(LENGTHS + DATA_LENGTHS) + r'))="([-\d.]+)"')


def in_tenths_of_a_unit(svg: str) -> str:
    """The same design with every coordinate and size ten times larger and a viewBox to match:
    the same badge on paper, drawn in units ten times smaller."""
    svg = re.sub(
        r'viewBox="([^"]+)"',
        lambda match: 'viewBox="' + " ".join(f"{float(v) * 10:g}" for v in match.group(1).split()) + '"',
        svg,
    )
    return NUMBER.sub(lambda match: f'{match.group(1)}="{float(match.group(2)) * 10:g}"', svg)


def preview(svg: str, row: dict[str, str]) -> Image.Image:
    plan = make_plan(
        compile_template(svg.encode()), BadgeOptions(name="Sample Event 2026"), columns_available=list(row)
    )
    return Image.open(io.BytesIO(render_png(plan, row, dpi=DPI))).convert("L")


def printed(svg: str, row: dict[str, str], folder: Path) -> Image.Image:
    """The badge's one-page PDF, rasterised as poppler does."""
    plan = make_plan(
        compile_template(svg.encode()),
        BadgeOptions(name="Sample Event 2026", sheet="one-per-page"),
        columns_available=list(row),
    )
    render_pdf(plan, [row], str(folder / "badge.pdf"))
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(folder / "badge.pdf"), str(folder / "page")],
        check=True,
    )
    return Image.open(folder / "page.png").convert("L")


def difference(first: Image.Image, second: Image.Image) -> tuple[float, float]:
    """Mean difference and share of pixels differing by more than 64 (of 255), where a pixel is
    compared with the other image's pixels around it (3 x 3): each may sit a pixel off."""
    width, height = min(first.width, second.width), min(first.height, second.height)
    first, second = first.crop((0, 0, width, height)), second.crop((0, 0, width, height))
    histogram = ImageChops.lighter(_beyond(first, second), _beyond(second, first)).histogram()
    pixels = width * height
    mean = sum(value * count for value, count in enumerate(histogram)) / pixels
    return mean, sum(histogram[65:]) / pixels


def _beyond(image: Image.Image, other: Image.Image) -> Image.Image:
    """How far each pixel of `image` lies outside the range of `other`'s pixels around it."""
    darkest, lightest = other.filter(ImageFilter.MinFilter(3)), other.filter(ImageFilter.MaxFilter(3))
    return ImageChops.lighter(ImageChops.subtract(image, lightest), ImageChops.subtract(darkest, image))


@pytest.mark.parametrize("template_id", list(TEMPLATES))
@pytest.mark.parametrize("row", ROWS, ids=["short", "wrapped"])
def test_the_preview_matches_the_rasterised_pdf(template_id, row, tmp_path):
    svg = TEMPLATES[template_id]

    mean, share = difference(preview(svg, row), printed(svg, row, tmp_path))

    assert mean < MAX_MEAN_DIFFERENCE
    assert share < MAX_DIFFERING_SHARE


@pytest.mark.parametrize("template_id", list(TEMPLATES))
def test_glyph_positions_do_not_depend_on_the_templates_units(template_id, tmp_path):
    svg = TEMPLATES[template_id]

    mean, share = difference(preview(svg, ROWS[0]), printed(in_tenths_of_a_unit(svg), ROWS[0], tmp_path))

    assert mean < MAX_MEAN_DIFFERENCE
    assert share < MAX_DIFFERING_SHARE


def test_the_comparison_sees_a_badge_moved_by_two_pixels(tmp_path):
    svg, row = TEMPLATES["classic"], ROWS[0]
    moved = ImageChops.offset(printed(svg, row, tmp_path), 2, 0)

    mean, share = difference(preview(svg, row), moved)
    assert mean > MAX_MEAN_DIFFERENCE
    assert share > MAX_DIFFERING_SHARE


def test_the_conversion_to_tenths_keeps_the_badge():
    svg = in_tenths_of_a_unit(TEMPLATES["card"])

    assert 'viewBox="0 0 856 540"' in svg
    assert 'width="85.6mm"' in svg  # the physical size stays
    assert 'font-size="70"' in svg
    assert 'data-max-width="520"' in svg
