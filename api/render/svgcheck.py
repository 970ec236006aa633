"""Refuse hostile or oversized SVG before CairoSVG sees it.

CairoSVG's safe mode blocks external entities and files, but not a document that is merely huge:
thousands of elements, deep nesting, `<use>` chains that multiply (a billion laughs without
entities), or a data: image that decompresses to gigapixels. Those are refused here, by counting.
Rendering still runs under CPU and memory limits (sandbox.py) for what counting cannot foresee.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import Image

from api.render.errors import LimitExceededError, RenderInputError

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video", "handler"}
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
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


def _parse(data: bytes) -> Element:
    try:
        # No DTD at all: no entities (billion laughs), no external entities (XXE).
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise RenderInputError(
            "DOCTYPE declarations and entities are not allowed", location="template"
        ) from None
    except ParseError as error:
        raise RenderInputError(f"not well-formed XML: {error}", location="template") from None


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
        elif local == "style" or "url(" in value:
            _check_css(value, limits)
    if tag == "style" and element.text:
        if "@import" in element.text.lower():
            raise RenderInputError("@import in <style> is not allowed", location="template")
        _check_css(element.text, limits)


def _check_css(css: str, limits: SvgLimits) -> None:
    for reference in _CSS_URL.findall(css):
        _check_reference(reference.strip(), limits)


def _check_reference(reference: str, limits: SvgLimits) -> None:
    """Only fragments (#id) and embedded data: images; nothing that would leave the machine."""
    if reference.startswith("#"):
        return
    if reference.lower().startswith("data:"):
        _check_data_image(reference, limits)
        return
    shown = reference if len(reference) < 60 else reference[:57] + "..."
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
