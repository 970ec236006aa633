"""Compile an SVG badge template once: a recorded static layer plus the boxes that vary per attendee.

CairoSVG draws the template into a cairo RecordingSurface (vector operations kept, replayed per
badge for almost nothing). While it draws, a hook takes every <text>: one holding a `{{column}}`
placeholder becomes a Field that remembers the exact transformation CairoSVG had built for it
(viewBox, ancestors' and its own transforms), and static text is drawn right away with Pango, so
fixed labels in any script are shaped too.

Elements marked `data-ticket-color` (and their children) go to a recording of their own, the tint
layer, drawn with the exact transformation they had. Per badge it is painted in the colour of the
attendee's ticket type, keeping the shapes' own coverage and opacity, or replayed as drawn when the
attendee has no ticket colour. Either way marked elements are painted above the rest of the fixed
design and below the attendee's text and QR code, whatever their place in the SVG. An ancestor's
clip-path, mask, filter or group opacity does not reach them: put those on the marked element.

A template may have a back side, for badges printed on both sides (api/render/duplex.py): either
one SVG whose groups are marked `data-side="front"` and `data-side="back"` (each side compiled on
its own, as if the other side's group were not there; elements outside both groups are on both
sides), or a second SVG of the same size (compile_template's `back`). The back is a
CompiledTemplate of its own, with its own fields and QR box, hung on the front's `back`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import cairocffi
from cairosvg.colors import color as parse_color
from cairosvg.helpers import size as svg_size
from cairosvg.helpers import transform as apply_transform
from cairosvg.parser import Tree
from cairosvg.surface import PDFSurface as CairoSvgPdfSurface
from cairosvg.url import fetch as fetch_data_url

from api.render.errors import RenderInputError
from api.render.fallback import is_installed, missing_family_warnings, static_text_warnings
from api.render.photos import PhotoBox
from api.render.svgcheck import SvgLimits, check_svg, placeholders_in
from api.render.text import LEGIBLE_POINTS, Anchor, FitRule, TextPainter, TextStyle

CSS_PIXELS_PER_INCH = 96
# The margin a placeholder without data-max-width keeps from the badge's edges: 4 mm, in points.
DEFAULT_MARGIN = 4 * 72 / 25.4
MAX_SIDE = 500 * 72 / 25.4  # points; A3 is 420 mm, nothing worn or printed as a badge is bigger
# data-bleed, in millimetres: print shops ask for 2 to 5 mm; more is artwork, not bleed.
MAX_BLEED_MM = 10.0
MM = 72 / 25.4
_WEIGHT_NAMES = {"normal": 400, "bold": 700, "bolder": 700, "lighter": 300}


@dataclass(frozen=True)
class Field:
    """A <text> with placeholders: drawn per attendee with `matrix` set, at (x, y) in its own units."""

    template: str
    placeholders: tuple[str, ...]
    matrix: tuple[float, float, float, float, float, float]
    x: float
    y: float
    style: TextStyle
    fit: FitRule


@dataclass(frozen=True)
class QrBox:
    """A rectangle marked `data-qr`: where the QR code goes, in its own units."""

    matrix: tuple[float, float, float, float, float, float]
    x: float
    y: float
    size: float


@dataclass
class CompiledTemplate:
    width: float  # points: the trimmed badge (the SVG's width and height, its viewBox)
    height: float
    static: cairocffi.RecordingSurface
    fields: list[Field] = field(default_factory=list)
    qr: QrBox | None = None
    # The SVG again, kept only when it has elements marked data-background: a job that brings a
    # background image needs the static layer without them (the template's own base colour would
    # hide the image), recorded on first use so text-only jobs do not pay for it.
    source_with_background: bytes | None = None
    # Elements marked data-ticket-color, drawn per badge after `static`; None when there are none.
    tint: cairocffi.RecordingSurface | None = None
    # What an organiser should know and the engine leaves as drawn: static text past the edges.
    warnings: list[str] = field(default_factory=list)
    # The back side, for sides "both"; None: a one-sided template.
    back: CompiledTemplate | None = None
    # Which data-side group this was drawn from ("front" also for an SVG without groups).
    side: str = "front"
    photo: PhotoBox | None = None  # the rectangle marked data-photo (api/render/photos.py)
    _over_image: tuple[cairocffi.RecordingSurface, cairocffi.RecordingSurface | None] | None = None
    # How far the artwork runs past the trim on every side (data-bleed on the root <svg>), in
    # points; the recordings hold it, from (-bleed, -bleed) to (width + bleed, height + bleed).
    bleed: float = 0.0

    @property
    def extents(self) -> tuple[float, float, float, float]:
        """The recordings' rectangle: the badge and its bleed, as (x, y, width, height)."""
        return (-self.bleed, -self.bleed, self.width + 2 * self.bleed, self.height + 2 * self.bleed)

    def static_layer(self, over_image: bool) -> cairocffi.RecordingSurface:
        return self._layers(over_image)[0]

    def tint_layer(self, over_image: bool) -> cairocffi.RecordingSurface | None:
        """The recording of the elements marked data-ticket-color, for the same variant as static_layer."""
        return self._layers(over_image)[1]

    def _layers(
        self, over_image: bool
    ) -> tuple[cairocffi.RecordingSurface, cairocffi.RecordingSurface | None]:
        if not over_image or self.source_with_background is None:
            return self.static, self.tint
        if self._over_image is None:
            surface = _draw(self.source_with_background, _RecordingSvgSurfaceOverImage, self.side)
            assert isinstance(surface.cairo, cairocffi.RecordingSurface)
            self._over_image = (surface.cairo, surface.tint)
        return self._over_image

    @property
    def placeholders(self) -> list[str]:
        """Every field name the template uses, in order of first use."""
        seen: dict[str, None] = {}
        for text_field in self.fields:
            seen.update(dict.fromkeys(text_field.placeholders))
        return list(seen)


def only_data_urls(url: str, resource_type: str) -> Any:
    """CairoSVG's url_fetcher: embedded data only; svgcheck has already refused anything else."""
    if not url.lower().startswith("data:"):
        raise RenderInputError(f"external reference {url[:60]!r} is not allowed", location="template")
    return fetch_data_url(url, resource_type)


def compile_template(
    data: bytes, limits: SvgLimits | None = None, *, back: bytes | None = None
) -> CompiledTemplate:
    """Validate an SVG template and record its static layer; raise RenderInputError when it is refused.

    `back` is a second SVG for the back side (refused where `location` is "back" when it is not
    the front's size, or when the front already has a data-side="back" group)."""
    check_svg(data, limits)
    surface = _draw(data, _RecordingSvgSurface, "front")
    template = _compiled(surface, data, "front")
    if surface.has_back_side:
        template.back = _compiled(_draw(data, _RecordingSvgSurface, "back"), data, "back")
    if back is not None:
        if template.back is not None:
            message = 'the template already has a data-side="back" group; send one or the other'
            raise RenderInputError(message, location="back")
        try:
            check_svg(back, limits)
            template.back = _compiled(_draw(back, _RecordingSvgSurface, "front"), back, "front")
        except RenderInputError as error:
            raise type(error)(error.message, location="back") from None
        if not _same_size(template, template.back):
            raise RenderInputError(
                f"the back is {_mm(template.back.width)} x {_mm(template.back.height)} mm and the front"
                f" {_mm(template.width)} x {_mm(template.height)} mm: both sides must be the same size",
                location="back",
            )
        if abs(template.back.bleed - template.bleed) > 0.01 * MM:
            # One sheet is laid out for both sides: a back with less bleed would leave a white
            # edge where the cut wanders, one with more would be clipped without saying so.
            raise RenderInputError(
                f"the back has a bleed (data-bleed) of {_mm(template.back.bleed)} mm and the front"
                f" {_mm(template.bleed)} mm: both sides must have the same bleed",
                location="back",
            )
    return template


def _compiled(surface: _RecordingSvgSurface, data: bytes, side: str) -> CompiledTemplate:
    recording = surface.cairo
    assert isinstance(recording, cairocffi.RecordingSurface)
    template = CompiledTemplate(
        surface.width,
        surface.height,
        recording,
        surface.fields,
        surface.qr,
        tint=surface.tint,
        warnings=missing_family_warnings(surface.families) + surface.warnings,
        side=side,
        bleed=surface.bleed,
        photo=surface.photo,
    )
    if surface.has_background_elements:
        template.source_with_background = data
    return template


def _same_size(front: CompiledTemplate, back: CompiledTemplate) -> bool:
    # A hundredth of a millimetre: the same size written in other units must not differ.
    tolerance = 0.01 * 72 / 25.4
    return abs(front.width - back.width) <= tolerance and abs(front.height - back.height) <= tolerance


def _mm(points: float) -> str:
    return f"{points * 25.4 / 72:.1f}".removesuffix(".0")


def _draw(data: bytes, surface_class: type[_RecordingSvgSurface], side: str) -> _RecordingSvgSurface:
    try:
        tree = Tree(bytestring=data, url_fetcher=only_data_urls, unsafe=False)
        return surface_class(tree, None, CSS_PIXELS_PER_INCH, side=side)
    except RenderInputError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ZeroDivisionError) as error:
        # CairoSVG reports malformed geometry and units with plain Python errors.
        raise RenderInputError(f"the SVG cannot be drawn: {error}", location="template") from None


class _RecordingSvgSurface(CairoSvgPdfSurface):  # type: ignore[misc]  # CairoSVG has no types
    """CairoSVG drawing into a RecordingSurface (in points, as for PDF) and handing text to Pango."""

    context: cairocffi.Context  # set by CairoSVG; swapped while a data-ticket-color element draws

    def __init__(self, tree: Any, output: Any, dpi: float, *, side: str = "front") -> None:
        # Read by draw(), which CairoSVG's constructor already calls: set before it.
        self.side = side
        self.has_back_side = False
        # Read before CairoSVG creates the surface, which must already hold the bleed.
        self.bleed = bleed_of(tree.get("data-bleed"))
        super().__init__(tree, output, dpi)

    def set_context_size(self, width: float, height: float, viewbox: Any, tree: Any) -> None:
        """CairoSVG clips the root <svg> to its viewport, the trim; with a bleed the clip is the
        trim and the bleed around it, so artwork drawn past the viewBox is kept that far."""
        if tree.parent is not None or not self.bleed:
            super().set_context_size(width, height, viewbox, tree)
            return
        # Here the context is in CSS pixels from the trim's top-left corner, as CairoSVG's own clip.
        bleed = self.bleed / self.device_units_per_user_units
        self.context.rectangle(-bleed, -bleed, width + 2 * bleed, height + 2 * bleed)
        self.context.clip()
        overflow = tree.get("overflow")
        tree["overflow"] = "visible"
        try:
            super().set_context_size(width, height, viewbox, tree)
        finally:
            if overflow is None:
                del tree["overflow"]
            else:
                tree["overflow"] = overflow

    def _create_surface(self, width: float, height: float) -> tuple[cairocffi.RecordingSurface, float, float]:
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
            raise RenderInputError("each side must be more than 0 and at most 500 mm", location="template")
        self.fields: list[Field] = []
        self.qr: QrBox | None = None
        self.photo: PhotoBox | None = None
        self.has_background_elements = False
        self.tint: cairocffi.RecordingSurface | None = None
        self.drawing_tint = False
        self.warnings: list[str] = []
        self.families: dict[str, None] = {}  # each font-family a text names, in order
        recording = cairocffi.RecordingSurface(cairocffi.CONTENT_COLOR_ALPHA, self._extents(width, height))
        return recording, width, height

    def _extents(self, width: float, height: float) -> tuple[float, float, float, float]:
        return (-self.bleed, -self.bleed, width + 2 * self.bleed, height + 2 * self.bleed)

    skip_background = False

    def draw(self, node: Any) -> None:
        node_side = node.get("data-side")
        if node_side in ("front", "back") and node_side != self.side:
            # The other side's group (CairoSVG hands the attribute down: its children say so too).
            self.has_back_side = self.has_back_side or node_side == "back"
            return
        if node.get("data-background") is not None:
            self.has_background_elements = True
            if self.skip_background:
                return
        # CairoSVG hands attributes down to children, so only the outermost marked element switches.
        if node.get("data-ticket-color") is not None and not self.drawing_tint:
            self._draw_tinted(node)
        elif node.tag == "text":
            self._text(node)
        elif node.get("data-qr") is not None:
            self._qr_box(node)
        elif node.get("data-photo") is not None:
            self._photo_box(node)
        else:
            super().draw(node)

    def _draw_tinted(self, node: Any) -> None:
        """Draw a marked element into the tint recording, with the transformation it has here."""
        if self.tint is None:
            self.tint = cairocffi.RecordingSurface(
                cairocffi.CONTENT_COLOR_ALPHA, self._extents(self.width, self.height)
            )
        static_context = self.context
        # A fresh context per element: cairo's save/restore keep no path, so nothing left over
        # from one element can reach the next. CairoSVG balances save/restore within a node.
        self.context = cairocffi.Context(self.tint)
        self.context.set_matrix(static_context.get_matrix())
        self.drawing_tint = True
        try:
            self.draw(node)
        finally:
            self.drawing_tint = False
            self.context = static_context

    def _text(self, node: Any) -> None:
        content = " ".join("".join(node.element.etree_element.itertext()).split())
        self.context.save()
        apply_transform(self, node.get("transform"), transform_origin=node.get("transform-origin"))
        x, y = _position(self, node)
        style, fit = _text_style(self, node)
        self.families[style.family] = None
        names = tuple(placeholders_in(content))
        if names and fit.max_width is None:
            fit = replace(fit, max_width=_room_along_baseline(self, node, x, y, style.anchor))
            if node.get("data-max-lines") is None:
                fit = replace(fit, max_lines=_lines_that_fit(self, x, y, style.size, fit))
        if names:
            self.fields.append(Field(content, names, tuple(self.context.get_matrix()), x, y, style, fit))
        elif content and node.get("visibility") != "hidden" and node.get("display") != "none":
            placed = TextPainter(self.context).draw(content, style, fit, x, y)
            overflow = _overflow(self, x, y, style, placed.width)
            if overflow is not None:
                self.warnings.append(f"The text {_shown(content)} runs past the badge's {overflow}.")
            if is_installed(style.family):  # else the font's own warning says it
                self.warnings += static_text_warnings(
                    content, style.family, placed.fallback_fonts, placed.unknown_glyphs
                )
        self.context.restore()

    def _qr_box(self, node: Any) -> None:
        self.context.save()
        apply_transform(self, node.get("transform"), transform_origin=node.get("transform-origin"))
        width, height = svg_size(self, node.get("width"), "x"), svg_size(self, node.get("height"), "y")
        x, y = svg_size(self, node.get("x"), "x"), svg_size(self, node.get("y"), "y")
        side = min(width, height)
        # Centred in the marked rectangle, square.
        self.qr = QrBox(
            tuple(self.context.get_matrix()), x + (width - side) / 2, y + (height - side) / 2, side
        )
        self.context.restore()

    def _photo_box(self, node: Any) -> None:
        """Where each attendee's photo goes: the rectangle itself (not drawn), its rx/ry kept."""
        if self.photo is not None:
            raise RenderInputError("only one element may be marked data-photo", location="template")
        self.context.save()
        apply_transform(self, node.get("transform"), transform_origin=node.get("transform-origin"))
        width, height = svg_size(self, node.get("width"), "x"), svg_size(self, node.get("height"), "y")
        if width <= 0 or height <= 0:
            raise RenderInputError("the data-photo rectangle needs a width and a height", location="template")
        x, y = svg_size(self, node.get("x"), "x"), svg_size(self, node.get("y"), "y")
        rx_attribute, ry_attribute = node.get("rx"), node.get("ry")
        # SVG: a missing rx or ry takes the other's value.
        rx = svg_size(self, rx_attribute or ry_attribute or "0", "x")
        ry = svg_size(self, ry_attribute or rx_attribute or "0", "y")
        self.photo = PhotoBox(tuple(self.context.get_matrix()), x, y, width, height, rx, ry)
        self.context.restore()


def bleed_of(value: str | None) -> float:
    """`data-bleed` in points: a number of millimetres (a "mm" suffix allowed) from 0 to
    MAX_BLEED_MM; 0 without the attribute."""
    if value is None:
        return 0.0
    text = value.strip().removesuffix("mm").strip()
    try:
        millimetres = float(text)
    except ValueError:
        millimetres = math.nan
    if not 0 <= millimetres <= MAX_BLEED_MM:  # NaN and infinities fail too
        raise RenderInputError(
            f"data-bleed must be a number of millimetres from 0 to {MAX_BLEED_MM:g}, not {value[:20]!r}",
            location="template",
        )
    return millimetres * MM


def _position(surface: Any, node: Any) -> tuple[float, float]:
    """The text's x and y, taken from its first <tspan> when the <text> itself has none."""
    x, y = node.get("x"), node.get("y")
    for child in node.element.etree_element:
        x = x if x is not None else child.get("x")
        y = y if y is not None else child.get("y")

    def first(value: str | None) -> str:
        return (value or "0").replace(",", " ").split()[0]

    return svg_size(surface, first(x), "x"), svg_size(surface, first(y), "y")


def _text_style(surface: Any, node: Any) -> tuple[TextStyle, FitRule]:
    font_size = svg_size(surface, node.get("font-size", "16px"))
    anchor: Anchor = (
        node.get("text-anchor", "start") if node.get("text-anchor") in ("start", "middle", "end") else "start"
    )
    red, green, blue, alpha = parse_color(node.get("fill", "black"), float(node.get("fill-opacity", 1)))
    alpha *= float(node.get("opacity", 1))
    style = TextStyle(
        family=node.get("font-family", "Noto Sans").replace("'", "").replace('"', ""),
        size=font_size,
        weight=_weight(node.get("font-weight", "normal")),
        italic=node.get("font-style") in ("italic", "oblique"),
        color=(red, green, blue, alpha),
        anchor=anchor,
        letter_spacing=_letter_spacing(surface, node.get("letter-spacing"), font_size),
    )
    return style, _fit_rule(surface, node)


def _letter_spacing(surface: Any, value: str | None, font_size: float) -> float:
    """SVG letter-spacing (attribute or style) in the text's units: a length, or em of its size."""
    value = (value or "").strip()
    if not value or value == "normal":
        return 0.0
    try:
        if value.endswith("em") and not value.endswith("rem"):
            return float(value[:-2]) * font_size
        return float(svg_size(surface, value))
    except ValueError:
        message = f"letter-spacing {value[:20]!r} is not a length"
        raise RenderInputError(message, location="template") from None


def _fit_rule(surface: Any, node: Any) -> FitRule:
    max_width = node.get("data-max-width")
    min_size = node.get("data-min-size")
    try:
        max_lines = int(node.get("data-max-lines", 2))
    except ValueError:
        raise RenderInputError("data-max-lines must be a whole number", location="template") from None
    if not 1 <= max_lines <= 6:
        raise RenderInputError("data-max-lines must be between 1 and 6", location="template")
    wrap = node.get("data-wrap", "up")
    if wrap not in ("up", "center", "down"):
        raise RenderInputError("data-wrap must be up, center or down", location="template")
    max_height = node.get("data-max-height")
    xx, yx, xy, yy, _, _ = surface.context.get_matrix().as_tuple()
    points_per_unit = math.sqrt(abs(xx * yy - xy * yx))
    return FitRule(
        max_width=svg_size(surface, max_width) if max_width else None,
        max_lines=max_lines,
        min_size=svg_size(surface, min_size) if min_size else None,
        wrap=wrap,
        max_height=svg_size(surface, max_height) if max_height else None,
        legible_size=LEGIBLE_POINTS / points_per_unit if points_per_unit else 0.0,
        rtl_to_end=bool(max_width),
    )


def _room_along_baseline(surface: Any, node: Any, x: float, y: float, anchor: Anchor) -> float | None:
    """The width a placeholder may take when the template does not say (no data-max-width): from
    its anchor to the badge's edges along its own baseline, inside a margin (`data-margin`, else
    DEFAULT_MARGIN), in the text's own units. A start-anchored text may reach the far edge, an
    end-anchored one the near edge, a centred one twice the distance to the nearer edge; a rotated
    text measures along its rotated baseline. None when the anchor lies outside the badge."""
    matrix = surface.context.get_matrix()
    page_x, page_y = matrix.transform_point(x, y)
    step_x, step_y = matrix.transform_distance(1, 0)
    points_per_unit = math.hypot(step_x, step_y)
    if points_per_unit == 0:
        return None
    direction = (step_x / points_per_unit, step_y / points_per_unit)
    margin_attribute = node.get("data-margin")
    margin = svg_size(surface, margin_attribute) * points_per_unit if margin_attribute else DEFAULT_MARGIN
    for inset in (margin, 0.0):  # an anchor inside the margin still gets the room to the edge
        box = (inset, inset, surface.width - inset, surface.height - inset)
        forward = _distance_to_edge(page_x, page_y, direction, box)
        backward = _distance_to_edge(page_x, page_y, (-direction[0], -direction[1]), box)
        room = {"start": forward, "end": backward, "middle": 2 * min(forward, backward)}[anchor]
        if room > 0:
            return room / points_per_unit
    return None


# How far static text may pass an edge before it is reported: antialiasing, not design.
OVERFLOW_TOLERANCE = 0.5  # points


def _overflow(surface: Any, x: float, y: float, style: TextStyle, width: float) -> str | None:
    """Which edges of the badge a line of static text passes, and by how much, if it does."""
    start = {"start": x, "middle": x - width / 2, "end": x - width}[style.anchor]
    matrix = surface.context.get_matrix()
    corners = [
        matrix.transform_point(corner_x, corner_y)
        for corner_x in (start, start + width)
        for corner_y in (y - 0.8 * style.size, y + 0.25 * style.size)  # ascender to descender
    ]
    beyond = {
        "left edge": -min(point[0] for point in corners),
        "right edge": max(point[0] for point in corners) - surface.width,
        "top edge": -min(point[1] for point in corners),
        "bottom edge": max(point[1] for point in corners) - surface.height,
    }
    passed = [
        f"{edge} by {distance * 25.4 / 72:.1f} mm"
        for edge, distance in beyond.items()
        if distance > OVERFLOW_TOLERANCE
    ]
    return " and ".join(passed) or None


def _shown(content: str) -> str:
    return repr(content if len(content) <= 40 else content[:39] + "…")


# Pango's line height for the Noto and DejaVu families is about 1.2 to 1.4 times the size.
LINE_HEIGHT = 1.4


def _lines_that_fit(surface: Any, x: float, y: float, size: float, fit: FitRule) -> int:
    """Without data-max-lines, as many lines (up to the default) as the badge has room for in the
    direction extra lines go (`fit.wrap`), so a wrapped name does not leave the badge sideways."""
    matrix = surface.context.get_matrix()
    page_x, page_y = matrix.transform_point(x, y)
    step_x, step_y = matrix.transform_distance(0, 1)  # the text's "down", on the page
    points_per_unit = math.hypot(step_x, step_y)
    if points_per_unit == 0:
        return fit.max_lines
    down = (step_x / points_per_unit, step_y / points_per_unit)
    box = (0.0, 0.0, surface.width, surface.height)
    below = _distance_to_edge(page_x, page_y, down, box) / points_per_unit
    above = _distance_to_edge(page_x, page_y, (-down[0], -down[1]), box) / points_per_unit - size
    room = {"up": above, "down": below, "center": 2 * min(above, below)}[fit.wrap]
    extra_lines = max(0, math.floor(room / (size * LINE_HEIGHT)))
    return max(1, min(fit.max_lines, 1 + extra_lines))


def _distance_to_edge(
    x: float, y: float, direction: tuple[float, float], box: tuple[float, float, float, float]
) -> float:
    """How far a ray from (x, y) goes before it leaves the box; negative when it starts outside."""
    left, top, right, bottom = box
    if not (left <= x <= right and top <= y <= bottom):
        return -1.0
    limits = []
    for position, step, low, high in ((x, direction[0], left, right), (y, direction[1], top, bottom)):
        if step > 1e-9:
            limits.append((high - position) / step)
        elif step < -1e-9:
            limits.append((low - position) / step)
    return min(limits) if limits else 0.0


def _weight(value: str) -> int:
    if value in _WEIGHT_NAMES:
        return _WEIGHT_NAMES[value]
    try:
        return min(900, max(100, round(int(value) / 100) * 100))
    except ValueError:
        return 400


class _RecordingSvgSurfaceOverImage(_RecordingSvgSurface):
    """The same drawing, leaving out the template's own background for a job's background image."""

    skip_background = True
