"""The template checker refuses what could reach outside the document, in every spelling CSS allows,
and keeps accepting what Inkscape writes."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from api.render.errors import RenderInputError
from api.render.svgcheck import check_svg, decode_css_escapes
from api.render.template import compile_template

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "render" / "templates"


def svg(body: str, before: str = "") -> bytes:
    return (
        before + '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100mm" height="50mm" viewBox="0 0 100 50">'
        + body
        + '<text x="5" y="20">{{name}}</text></svg>'
    ).encode()


def png_data_uri() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


RECT = '<rect width="10" height="10" '


def hostile(url: str) -> dict[str, tuple[bytes, str]]:
    """Each construct, and the words the refusal must contain."""
    pi = "processing instructions such as <?"
    only = "only url(#id) references"
    return {
        # Processing instructions, wherever they stand.
        "xml-stylesheet before the root": (
            svg("", f'<?xml version="1.0"?>\n<?xml-stylesheet type="text/css" href="{url}/a.css"?>\n'),
            pi + "xml-stylesheet?>",
        ),
        "xml-stylesheet inside the root": (
            svg(f'<?xml-stylesheet href="{url}/a.css"?>'),
            pi + "xml-stylesheet?>",
        ),
        "other processing instruction": (svg("<g><?php echo 1; ?></g>"), pi + "php?>"),
        "processing instruction after the root": (svg("") + b"<?xml-stylesheet href='x.css'?>", pi),
        # url( in attributes, in any casing or escape.
        "fill URL(...)": (svg(RECT + f'fill="URL({url}/p.svg#p)"/>'), "url(http://127.0.0.1"),
        "fill Url( ...)": (svg(RECT + f'fill="Url( {url}/p)"/>'), "in the fill attribute of <rect>"),
        "fill u\\72l(...)": (svg(RECT + f'fill="u\\72l({url}/p)"/>'), only),
        "fill u\\000072 l(...)": (svg(RECT + f'fill="u\\000072 l({url}/p)"/>'), only),
        "fill \\u\\R\\L(...)": (svg(RECT + f'fill="\\u\\R\\L({url}/p)"/>'), only),
        "fill url (...)": (svg(RECT + f'fill="url ({url}/p)"/>'), only),
        "fill url/**/(...)": (svg(RECT + f'fill="url/**/({url}/p)"/>'), only),
        "fill &#85;RL(...)": (svg(RECT + f'fill="&#85;RL({url}/p)"/>'), only),
        "clip-path url(file)": (svg(RECT + 'clip-path="url(/etc/passwd#c)"/>'), "clip-path attribute"),
        "fill url(#a) then url(...)": (svg(RECT + f'fill="url(#a) url({url}/p)"/>'), only),
        "url( hidden between string comments": (svg(RECT + f"style=\"fill:'/*' url({url}/p) '*/'\"/>"), only),
        "mask url(data:)": (svg(RECT + f'mask="url({png_data_uri()})"/>'), "url(data:image/png"),
        # url( in style=.
        "style URL(...)": (svg(RECT + f'style="fill:URL({url}/p)"/>'), "in the style attribute of <rect>"),
        "style u\\72l(...)": (svg(RECT + f'style="fill:u\\72l({url}/p)"/>'), only),
        "style u\\52L(...)": (svg(RECT + f'style="fill:u\\52L({url}/p)"/>'), only),
        "style url(data:)": (svg(RECT + f'style="fill:url({png_data_uri()})"/>'), only),
        # url( in <style>.
        "<style> URL(...)": (svg(f"<style>rect{{fill:URL({url}/p)}}</style>" + RECT + "/>"), "in <style>"),
        "<style> u\\72l(...)": (svg(f"<style>rect{{fill:u\\72l({url}/p)}}</style>" + RECT + "/>"), only),
        "<style> u\\000072 l(...)": (svg(f"<style>rect{{fill:u\\000072 l({url}/p)}}</style>"), only),
        "<style> \\75\\72\\6c(...)": (svg(f"<style>rect{{fill:\\75\\72\\6c({url}/p)}}</style>"), only),
        "<style> CDATA u\\rl(...)": (svg(f"<style><![CDATA[rect{{fill:u\\rl({url}/p)}}]]></style>"), only),
        "<style> url( after a child element": (
            svg(f"<style>a{{}}<g/>rect{{fill:url({url}/p)}}</style>"),
            only,
        ),
        # @font-face and @import.
        "@font-face with url()": (
            svg(f"<style>@font-face{{font-family:X;src:url({url}/f.ttf)}}</style>"),
            "@font-face",
        ),
        "@font-face with local()": (
            svg("<style>@font-face{font-family:X;src:local(Arial)}</style>"),
            "@font-face",
        ),
        "@FONT-FACE": (
            svg("<style>@FONT-FACE{font-family:X}</style>"),
            "@font-face in <style> is not allowed",
        ),
        "@font\\-face": (svg("<style>@font\\-face{font-family:X}</style>"), "@font-face"),
        "@\\66ont-face": (svg("<style>@\\66ont-face{font-family:X}</style>"), "@font-face"),
        "@font-face in style=": (
            svg(RECT + 'style="@font-face{font-family:X}"/>'),
            "@font-face in the style",
        ),
        "@import string": (
            svg(f'<style>@import "{url}/a.css";</style>'),
            "@import in <style> is not allowed",
        ),
        "@IMPORT url()": (svg(f"<style>@IMPORT url({url}/a.css);</style>"), "@import"),
        "@\\69mport string": (svg(f'<style>@\\69mport "{url}/a.css";</style>'), "@import"),
        "@imp\\ort string": (svg(f'<style>@imp\\ort "{url}/a.css";</style>'), "@import"),
        "@im/**/port": (svg(f'<style>@im/**/port "{url}/a.css";</style>'), "@import"),
        "@import after a string holding /*": (
            svg(f"<style>a{{fill:'/*'}} @import '{url}/a.css'; b{{fill:'*/'}}</style>"),
            "@import in <style>",
        ),
        # CairoSVG keeps a comment inside a declaration's value, then looks for url( in it.
        "url( inside a CSS comment": (svg(f"<style>rect{{fill:red /* url({url}/p) */}}</style>"), only),
    }


@pytest.mark.parametrize("name", list(hostile("http://127.0.0.1:1")))
def test_a_construct_that_could_leave_the_document_is_refused_by_name(name, listener):
    document, message = hostile(f"http://127.0.0.1:{listener.port}")[name]

    with pytest.raises(RenderInputError) as refused:
        check_svg(document)
    with pytest.raises(RenderInputError):
        compile_template(document)

    assert refused.value.location == "template"
    assert message in str(refused.value)
    assert listener.connections == 0


@pytest.mark.parametrize(
    ("css", "decoded"),
    [
        ("u\\72l(", "url("),
        ("u\\000072 l(", "url("),
        ("u\\72\r\nl(", "url("),
        ("\\u\\R\\L(", "uRL("),
        ("\\75\\72\\6C(", "url("),
        ("a\\\nb", "ab"),
        ("\\0 x\\110000 y\\D800 z", "\ufffdx\ufffdy\ufffdz"),
        ("trailing\\", "trailing"),
        ("no escapes (url)", "no escapes (url)"),
    ],
)
def test_css_escapes_are_decoded_as_css_reads_them(css, decoded):
    assert decode_css_escapes(css) == decoded


# A file as Inkscape 1.x saves it (plain SVG with its own namespaces), with a name field.
INKSCAPE_SVG = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->

<svg
   width="90mm"
   height="55mm"
   viewBox="0 0 90 55"
   version="1.1"
   id="svg5"
   inkscape:version="1.2.2 (b0a8486541, 2022-12-01)"
   sodipodi:docname="badge.svg"
   inkscape:export-filename="badge.png"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:xlink="http://www.w3.org/1999/xlink"
   xmlns="http://www.w3.org/2000/svg"
   xmlns:svg="http://www.w3.org/2000/svg"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
   xmlns:cc="http://creativecommons.org/ns#"
   xmlns:dc="http://purl.org/dc/elements/1.1/">
  <sodipodi:namedview
     id="namedview7"
     pagecolor="#ffffff"
     bordercolor="#666666"
     borderopacity="1.0"
     inkscape:showpageshadow="2"
     inkscape:pageopacity="0.0"
     inkscape:document-units="mm"
     inkscape:zoom="2.1"
     inkscape:current-layer="layer1" />
  <defs
     id="defs2">
    <style
       id="style1">
      .title {{ font-family: 'DejaVu Sans'; font-weight: bold; fill: #ffffff; }}
      .band {{ fill: url(#linearGradient2); }}
      .frame {{ fill: none; stroke: URL( "#radialGradient3" ); stroke-width: 0.5; }}
      /* colours from the brand guide; a comment that names @import and @font-face is no rule */
    </style>
    <linearGradient
       inkscape:collect="always"
       id="linearGradient1">
      <stop
         style="stop-color:#2a9d8f;stop-opacity:1;"
         offset="0"
         id="stop1" />
      <stop
         style="stop-color:#264653;stop-opacity:1;"
         offset="1"
         id="stop2" />
    </linearGradient>
    <linearGradient
       inkscape:collect="always"
       xlink:href="#linearGradient1"
       id="linearGradient2"
       x1="0"
       y1="0"
       x2="90"
       y2="0"
       gradientUnits="userSpaceOnUse" />
    <radialGradient
       inkscape:collect="always"
       xlink:href="#linearGradient1"
       id="radialGradient3"
       cx="45"
       cy="27.5"
       r="40"
       gradientTransform="matrix(1,0,0,0.6,0,11)"
       gradientUnits="userSpaceOnUse" />
    <clipPath
       clipPathUnits="userSpaceOnUse"
       id="clipPath4">
      <rect
         style="fill:#000000;stroke:none"
         id="rect4"
         width="86"
         height="51"
         x="2"
         y="2"
         ry="3" />
    </clipPath>
    <filter
       style="color-interpolation-filters:sRGB"
       inkscape:label="Blur"
       id="filter5"
       x="-0.1"
       y="-0.1"
       width="1.2"
       height="1.2">
      <feGaussianBlur
         stdDeviation="0.4"
         id="feGaussianBlur5" />
    </filter>
  </defs>
  <metadata
     id="metadata1">
    <rdf:RDF>
      <cc:Work
         rdf:about="">
        <dc:format>image/svg+xml</dc:format>
        <dc:type
           rdf:resource="http://purl.org/dc/dcmitype/StillImage" />
        <cc:license
           rdf:resource="http://creativecommons.org/licenses/by-sa/4.0/" />
      </cc:Work>
    </rdf:RDF>
  </metadata>
  <g
     inkscape:label="Layer 1"
     inkscape:groupmode="layer"
     id="layer1"
     clip-path="url(#clipPath4)">
    <rect
       style="fill:url(#linearGradient2);fill-opacity:1;stroke:none;stroke-width:0.264583"
       id="rect1"
       width="90"
       height="55"
       x="0"
       y="0" />
    <rect
       class="band"
       id="rect2"
       width="90"
       height="12"
       x="0"
       y="0"
       style="filter:url('#filter5')" />
    <rect
       class="frame"
       id="rect3"
       width="84"
       height="49"
       x="3"
       y="3"
       fill="url(#radialGradient3)" />
    <image
       width="8"
       height="8"
       preserveAspectRatio="none"
       xlink:href="{png_data_uri()}"
       id="image1"
       x="80"
       y="2" />
    <text
       xml:space="preserve"
       class="title"
       style="font-size:4.9389px;line-height:1.25;-inkscape-font-specification:'DejaVu Sans, Bold'"
       x="45"
       y="8"
       text-anchor="middle"
       id="text1"><tspan
         sodipodi:role="line"
         id="tspan1"
         x="45"
         y="8">{{{{event}}}}</tspan></text>
    <text
       xml:space="preserve"
       style="font-size:8px;font-family:'DejaVu Sans';fill:#14213d"
       x="45"
       y="30"
       text-anchor="middle"
       data-max-width="80"
       id="text2">{{{{name}}}}</text>
    <rect
       style="fill:none"
       data-qr="email"
       id="rect5"
       width="14"
       height="14"
       x="38"
       y="38" />
  </g>
</svg>
""".encode()


def test_an_inkscape_file_with_gradients_classes_clip_paths_and_an_image_compiles():
    template = compile_template(INKSCAPE_SVG)

    assert template.placeholders == ["event", "name"]
    assert template.qr is not None
    assert template.width == pytest.approx(90 * 72 / 25.4)


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.svg")), ids=lambda path: path.stem)
def test_the_built_in_templates_pass_the_checker(path):
    check_svg(path.read_bytes())


@pytest.mark.parametrize(
    "body",
    [
        '<defs><linearGradient id="g"/></defs>' + RECT + 'fill="url(#g)"/>',
        '<defs><linearGradient id="g"/></defs>' + RECT + "style=\"fill:url( '#g' )\"/>",
        '<style>.a{fill:URL("#g")}</style><defs><linearGradient id="g"/></defs>' + RECT + 'class="a"/>',
        '<style>.a{fill:u\\72l(#g)}</style><defs><linearGradient id="g"/></defs>' + RECT + 'class="a"/>',
        "<!-- url(http://example.org) <?pi?> @font-face -->" + RECT + "/>",
        "<style>/* @import and @font-face are named here only */ rect{fill:red}</style>",
        f'<image href="{png_data_uri()}" width="10" height="10"/>',
    ],
    ids=[
        "fill url(#g)",
        "style url('#g')",
        "<style> URL(#g)",
        "<style> escaped url(#g)",
        "XML comment",
        "at-rules in a CSS comment",
        "data: image",
    ],
)
def test_fragment_references_comments_and_embedded_images_stay_allowed(body):
    check_svg(svg(body, '<?xml version="1.0" encoding="UTF-8"?>\n'))
