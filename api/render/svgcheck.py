"""Refuse hostile or oversized SVG before CairoSVG sees it.

CairoSVG's safe mode blocks external entities and files, but not a document that is merely huge:
thousands of elements, deep nesting, `<use>` chains that multiply (a billion laughs without
entities), or a data: image that decompresses to gigapixels. Those are refused here, by counting.
Rendering still runs under per-task CPU and memory limits in a render worker (worker.py) for what
counting cannot foresee.

Anything that could make a renderer reach outside the document is refused here too, although
CairoSVG's fetcher is given data: URLs alone (defence in depth): processing instructions such as
`<?xml-stylesheet?>`, CSS `url(...)` other than `url(#id)`, `@import` and `@font-face`, in every
casing and through CSS escapes (`u\\72l(`), in `<style>` elements and in every attribute.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from PIL import Image

from api.render.errors import LimitExceededError, RenderInputError

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video", "handler"}
# Run on CSS whose escapes are decoded: `url(`, also with blanks before the parenthesis (not a
# url() to CSS, but cheap to refuse), then what it refers to, past blanks and an opening quote.
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
# A CSS escape: up to six hex digits and one optional blank (CRLF counts as one), an escaped line
# break (a continuation inside strings), or any other escaped character, which stands for itself.
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\r\n\f])?|(\r\n|[\r\n\f])|(.)|$)", re.DOTALL)
# A comment, or a string (which ends at an unescaped line break, as in CSS) that may hold "/*".
_CSS_COMMENT_OR_STRING = re.compile(
    r"""/\*.*?(?:\*/|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?""", re.DOTALL
)
_CSS_AT_RULES = ("@import", "@font-face")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s][^{}]*?)\s*\}\}")


@dataclass(frozen=True)
class SvgLimits:
    max_bytes: int = 2 * 1024 * 1024
    max_elements: int = 5000
    max_depth: int = 48
    # Elements drawn once `<use>` references are followed: catches multiplying chains.
    max_drawn_elements: int = 50_000
    max_image_bytes: int = 8 * 1024 * 1024
    max_image_pixels: int = 40_000_000


def placeholders_in(text: str) -> list[str]:
    """The field names in `{{ name }}` placeholders, in order."""
    return [match.strip() for match in _PLACEHOLDER.findall(text)]


def substitute(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1).strip(), ""), template)


def check_svg(data: bytes, limits: SvgLimits | None = None) -> Element:
    """Parse and check an SVG template; return its root element or raise RenderInputError."""
    limits = limits or SvgLimits()
    if len(data) > limits.max_bytes:
        raise LimitExceededError(f"the template is larger than {limits.max_bytes} bytes", location="template")
    if data[:2] == b"\x1f\x8b":
        raise RenderInputError(
            "compressed SVG (.svgz) is not accepted; upload plain SVG", location="template"
        )
    root = _parse(data)
    if _local(root.tag) != "svg":
        raise RenderInputError("the root element must be <svg>", location="template")
    elements = _check_tree(root, limits)
    _check_use_expansion(root, elements, limits)
    return root


class _Builder(TreeBuilder):
    """ElementTree's tree builder, noting the targets of processing instructions it would drop."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[str] = []

    def pi(self, target: str, text: str | None = None) -> Element:
        self.instructions.append(target)
        return super().pi(target, text)


def _parse(data: bytes) -> Element:
    builder = _Builder()
    # No DTD at all: no entities (billion laughs), no external entities (XXE).
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        root: Element = parser.close()
    except DefusedXmlException:
        raise RenderInputError(
            "DOCTYPE declarations and entities are not allowed", location="template"
        ) from None
    except ParseError as error:
        raise RenderInputError(f"not well-formed XML: {error}", location="template") from None
    if builder.instructions:
        # The XML declaration (<?xml version="1.0"?>) is not a processing instruction to expat.
        shown = _shown(builder.instructions[0], 40)
        raise RenderInputError(
            f"processing instructions such as <?{shown}?> are not allowed", location="template"
        )
    return root


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _check_tree(root: Element, limits: SvgLimits) -> dict[str, Element]:
    """Walk every element once: counts, depth, tags, attributes. Return the elements by id."""
    by_id: dict[str, Element] = {}
    count = 0
    stack: list[tuple[Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        count += 1
        if count > limits.max_elements:
            raise LimitExceededError(f"more than {limits.max_elements} elements", location="template")
        if depth > limits.max_depth:
            raise LimitExceededError(f"nested deeper than {limits.max_depth} levels", location="template")
        _check_element(element, limits)
        if element.get("id"):
            by_id[str(element.get("id"))] = element
        stack.extend((child, depth + 1) for child in element)
    return by_id


def _check_element(element: Element, limits: SvgLimits) -> None:
    tag = _local(element.tag)
    if tag in FORBIDDEN_TAGS:
        raise RenderInputError(f"<{tag}> elements are not allowed", location="template")
    for name, value in element.attrib.items():
        local = _local(name)
        if local.lower().startswith("on"):
            raise RenderInputError(f"event attributes such as {local} are not allowed", location="template")
        if local == "href":
            _check_reference(value, limits)
        else:
            # Presentation attributes (fill, clip-path, ...) take url() as style= does. Every other
            # attribute is checked alike, as before: simpler than a list of those CairoSVG reads.
            _check_css(value, f"the {local} attribute of <{tag}>")
    if tag == "style":
        # All of its text, also around child elements, although CairoSVG reads the first part only.
        _check_css("".join(element.itertext()), "<style>")


def decode_css_escapes(css: str) -> str:
    """CSS text with its escapes (`\\72`, `\\000072 `, `\\R`) replaced by what they stand for."""
    if "\\" not in css:
        return css

    def decoded(match: re.Match[str]) -> str:
        hex_digits, line_break, character = match.groups()
        if hex_digits is not None:
            code = int(hex_digits, 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        if line_break is not None:
            return ""
        return character or ""

    return _CSS_ESCAPE.sub(decoded, css)


def _check_css(css: str, where: str) -> None:
    """Refuse url() other than url(#id), @import and @font-face, in any casing or escape.

    At-rules are looked for outside comments, where CSS would read them. url( is looked for also
    inside comments: CairoSVG keeps a comment inside a declaration's value and then finds url(...)
    in it with a regular expression. `u/**/rl(` (no url( to CSS) is refused too."""
    if not any(sign in css.lower() for sign in ("url", "@", "\\", "/*")):
        return
    as_written = decode_css_escapes(css)
    without_comments = decode_css_escapes(_without_comments(css)) if "/*" in css else as_written
    lowered = without_comments.lower()
    for at_rule in _CSS_AT_RULES:
        if at_rule in lowered:
            raise RenderInputError(f"{at_rule} in {where} is not allowed", location="template")
    for text in (as_written, without_comments):
        for reference in _CSS_URL.findall(text):
            if not reference.startswith("#"):
                raise RenderInputError(
                    f"url({_shown(reference.strip(), 60)}) in {where}: only url(#id) references "
                    "to this document are allowed",
                    location="template",
                )


def _without_comments(css: str) -> str:
    return _CSS_COMMENT_OR_STRING.sub(lambda match: "" if match[0].startswith("/*") else match[0], css)


def _shown(text: str, length: int) -> str:
    return text if len(text) < length else text[: length - 3] + "..."


def _check_reference(reference: str, limits: SvgLimits) -> None:
    """Only fragments (#id) and embedded data: images; nothing that would leave the machine."""
    if reference.startswith("#"):
        return
    if reference.lower().startswith("data:"):
        _check_data_image(reference, limits)
        return
    shown = _shown(reference, 60)
    raise RenderInputError(
        f"external reference {shown!r}: only #fragments and embedded data: images are allowed",
        location="template",
    )


def _check_data_image(uri: str, limits: SvgLimits) -> None:
    header, _, payload = uri.partition(",")
    if not re.fullmatch(r"data:image/(png|jpeg|jpg)(;[^,]*)?", header.strip(), re.IGNORECASE):
        raise RenderInputError("embedded images must be PNG or JPEG data: URIs", location="template")
    if len(payload) > limits.max_image_bytes * 4 // 3 + 4:
        raise LimitExceededError(
            f"an embedded image is larger than {limits.max_image_bytes} bytes", location="template"
        )
    try:
        raw = base64.b64decode(payload, validate=False) if ";base64" in header.lower() else payload.encode()
        dimensions = image_size(raw)
    except (binascii.Error, OSError, ValueError):
        raise RenderInputError("an embedded image cannot be read", location="template") from None
    if dimensions is None or dimensions[0] * dimensions[1] > limits.max_image_pixels:
        shown = f"{dimensions[0]} x {dimensions[1]}" if dimensions else "too many"
        raise LimitExceededError(
            f"an embedded image has {shown} pixels, over the limit of {limits.max_image_pixels}",
            location="template",
        )


def image_size(raw: bytes) -> tuple[int, int] | None:
    """Width and height from the image header alone (nothing is decoded); None when Pillow itself
    calls it a decompression bomb, which is far past any limit here."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            return image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is raised as an exception only where warnings are errors (the tests).
        return None


def _check_use_expansion(root: Element, by_id: dict[str, Element], limits: SvgLimits) -> None:
    """Count the elements drawn once every <use> is followed; refuse cycles and multiplication."""
    memo: dict[int, int] = {}
    visiting: set[int] = set()

    def drawn(element: Element) -> int:
        key = id(element)
        if key in memo:
            return memo[key]
        if key in visiting:
            raise RenderInputError("a <use> element refers to itself through a cycle", location="template")
        visiting.add(key)
        total = 1 + sum(drawn(child) for child in element)
        if _local(element.tag) == "use":
            target = by_id.get((element.get("href") or element.get(XLINK_HREF) or "").lstrip("#"))
            total += drawn(target) if target is not None else 0
        visiting.discard(key)
        if total > limits.max_drawn_elements:
            raise LimitExceededError(
                f"<use> references multiply to more than {limits.max_drawn_elements} drawn elements",
                location="template",
            )
        memo[key] = total
        return total

    try:
        drawn(root)
    except RecursionError:
        raise LimitExceededError("<use> references are chained too deeply", location="template") from None
