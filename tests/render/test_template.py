"""Template compilation: hostile SVG is refused before drawing; placeholders become field boxes."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from api.render.errors import LimitExceededError, RenderInputError
from api.render.svgcheck import SvgLimits, placeholders_in, substitute
from api.render.template import compile_template

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "render" / "templates"


def svg(body: str, extra: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="100mm" height="50mm" viewBox="0 0 100 50" {extra}>{body}</svg>'
    ).encode()


def hostile_documents(port: int) -> dict[str, bytes]:
    url = f"http://127.0.0.1:{port}"
    return {
        "xxe": f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "{url}/xxe">]>'.encode()
        + svg("<text>&x;</text>"),
        "billion laughs": b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + svg("<text>&b;</text>"),
        "image href": svg(f'<image href="{url}/photo.png" width="10" height="10"/>'),
        "xlink image": svg(f'<image xlink:href="{url}/photo.png" width="10" height="10"/>'),
        "file image": svg('<image href="file:///etc/passwd" width="10" height="10"/>'),
        "css url": svg(f'<rect width="10" height="10" style="fill: url({url}/pattern.svg#p)"/>'),
        "style import": svg(f'<style>@import url("{url}/a.css");</style>'),
        "style url": svg(f"<style>rect {{ fill: url('{url}/x') }}</style><rect width='1' height='1'/>"),
        "use external": svg(f'<use href="{url}/other.svg#shape"/>'),
        "script": svg("<script>alert(1)</script>"),
        "event": svg('<rect width="10" height="10" onload="alert(1)"/>'),
        "foreign object": svg("<foreignObject><p>x</p></foreignObject>"),
    }


@pytest.mark.parametrize(
    "name",
    list(hostile_documents(1).keys()),
)
def test_hostile_templates_are_refused_and_nothing_leaves_the_machine(name, listener):
    document = hostile_documents(listener.port)[name]

    with pytest.raises(RenderInputError) as refused:
        compile_template(document)

    assert refused.value.location == "template"
    assert listener.connections == 0


def test_a_multiplying_use_chain_is_refused():
    # Ten levels of ten <use> each would draw 10^10 elements.
    levels = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, 11):
        uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(10))
        levels.append(f'<g id="l{level}">{uses}</g>')
    document = svg("<defs>" + "".join(levels) + '</defs><use href="#l10"/>')

    with pytest.raises(LimitExceededError, match="multiply"):
        compile_template(document)


def test_a_use_cycle_is_refused():
    document = svg('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>')

    with pytest.raises(RenderInputError, match="cycle"):
        compile_template(document)


def png_data_uri(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_an_embedded_image_that_would_decompress_to_gigapixels_is_refused():
    # A 1-bit 20000 x 20000 PNG is small on disk and 400 megapixels decoded.
    document = svg(f'<image href="{png_data_uri(20000, 20000)}" width="10" height="10"/>')

    with pytest.raises(LimitExceededError, match="pixels"):
        compile_template(document)


def test_an_embedded_small_image_is_accepted():
    template = compile_template(svg(f'<image href="{png_data_uri(40, 40)}" width="10" height="10"/>'))

    assert template.width == pytest.approx(100 * 72 / 25.4)


@pytest.mark.parametrize(
    ("limits", "document", "message"),
    [
        (SvgLimits(max_bytes=100), svg("<rect/>" * 20), "larger than 100 bytes"),
        (SvgLimits(max_elements=10), svg("<rect/>" * 20), "more than 10 elements"),
        (SvgLimits(max_depth=5), svg("<g>" * 10 + "</g>" * 10), "deeper than 5"),
    ],
)
def test_size_limits_are_named(limits, document, message):
    with pytest.raises(LimitExceededError, match=message):
        compile_template(document, limits)


def test_malformed_and_compressed_documents_are_refused():
    with pytest.raises(RenderInputError, match="well-formed"):
        compile_template(b"<svg><rect></svg>")
    with pytest.raises(RenderInputError, match="compressed"):
        compile_template(b"\x1f\x8b\x08\x00")
    with pytest.raises(RenderInputError, match="root element"):
        compile_template(b"<html/>")


def test_placeholders_become_fields_with_their_style_and_box():
    document = svg(
        '<g transform="translate(10 5)" font-family="Noto Serif" fill="#112233">'
        '<text x="40" y="20" font-size="8" font-weight="bold" text-anchor="middle" data-max-width="60"'
        ' data-max-lines="1" data-min-size="4">Hello {{ name }}</text></g>'
        '<text x="5" y="45" font-size="4">Static label</text>'
    )

    template = compile_template(document)

    [field] = template.fields
    assert template.placeholders == ["name"]
    assert field.template == "Hello {{ name }}"
    assert (field.x, field.y) == (40, 20)
    assert field.style.family == "Noto Serif"
    assert field.style.weight == 700
    assert field.style.anchor == "middle"
    assert field.style.color[:3] == pytest.approx((0x11 / 255, 0x22 / 255, 0x33 / 255))
    assert (field.fit.max_width, field.fit.max_lines, field.fit.min_size) == (60, 1, 4)
    # The matrix maps millimetres to points and includes the group's translation.
    scale = 72 / 25.4
    assert field.matrix == pytest.approx((scale, 0, 0, scale, 10 * scale, 5 * scale))


def test_substitution_fills_known_fields_and_blanks_unknown_ones():
    assert placeholders_in("{{a}} and {{ b c }}") == ["a", "b c"]
    assert substitute("Hi {{ name }}, {{missing}}!", {"name": "<Ada & co>"}) == "Hi <Ada & co>, !"


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.svg")), ids=lambda path: path.stem)
def test_every_built_in_template_compiles_with_a_name_field(path):
    template = compile_template(path.read_bytes())

    assert "name" in template.placeholders
    assert template.width > 0
    assert template.height > 0
