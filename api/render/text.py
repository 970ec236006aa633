"""Attendee text laid out with Pango: shaping, bidi, font fallback, and fitting a box.

CairoSVG draws text a glyph at a time with cairo's toy API, which cannot join Arabic, reorder
right-to-left runs or fall back to another font for a missing glyph. Pango does all three, on the
same cairo context, so variable text goes through here.

Fitting, so that a name is never cut: a text that is too wide first shrinks, down to the field's
minimum size; below that it wraps (up to `max_lines`, and `max_height` when the template gives it)
at the largest size that fits, breaking only where the script allows (spaces and hyphens, between
CJK characters, Thai words by dictionary: Pango's UAX #14 breaking with libthai); then the same
below the minimum, down to a floor still legible (60% of the minimum, never under 6 pt). Only a
word too long for the box even at the floor is broken inside, and only text that still does not
fit is ellipsized. Text never leaves its box.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import cairocffi

from api.render import pango
from api.render.fallback import (
    check_description,
    every_fallback_family,
    fallback_families,
    fallback_fonts,
    with_fallbacks,
)
from api.render.pango import Alignment, Direction, EllipsizeMode, Style, WrapMode

# Pango's C API, called directly (api.render.pango): wrapper objects cost more than the layout
# itself when a job lays out tens of thousands of names.
_pango = pango.pango
_ffi = pango.ffi
_cairo = cairocffi.cairo
_show_layout = pango.pangocairo.pango_cairo_show_layout
_SCALE = pango.SCALE

Anchor = Literal["start", "middle", "end"]

_SPACES = re.compile(" {2,}")
# Probes when searching the largest wrapped size; each is one layout. Widths and heights scale
# almost exactly with the size (unhinted metrics), so each probe says where to look next: a name
# on a built-in template that wraps takes two probes, or five or six when its lines are too tall.
_WRAP_STEPS = 6
_CLOSE_ENOUGH = 1.02  # a wrapped size within 2% of the largest possible is not worth another layout
# A text scaled to fill its box exactly is drawn a hair smaller, so rounding never takes it past.
_SNUG = 0.9995
# Scales are rounded down to a grid: each scale a text is drawn at is a font cairo creates and
# loads every glyph of (about 80 µs a name when every name has its own). Steps of 1/96 of an
# octave (0.72% of the size: 0.26 pt of a 36 pt name) keep them to a few dozen per field.
_STEPS_PER_OCTAVE = 96
# The floor below a field's minimum size, as a share of it, and in points (converted by the template).
FLOOR_SHARE = 0.6
LEGIBLE_POINTS = 6.0
_PREPARED_MAX = 2048
_WEIGHTS = {100, 200, 300, 350, 380, 400, 500, 600, 700, 800, 900, 1000}


# Every family the engine may fall back to: the Noto family of each script, then the colour emoji
# font. api.render.fallback chooses the ones each text needs, and says why emoji are not listed.
SCRIPT_FALLBACKS = every_fallback_family()

# The families `text` falls back to after the requested ones; empty (falsy) for Latin, Greek and
# Cyrillic, which the families a template names cover, and which then lay out without a list.
_needs_script_fallbacks = fallback_families


def clean_text(value: str) -> str:
    """NFC-normalise and drop control characters; line breaks and tabs become spaces.

    Format characters (zero-width joiners, bidi marks) stay: emoji sequences and Indic and
    Arabic shaping need them. Case is never changed.
    """
    text = unicodedata.normalize("NFC", value)
    if text.isprintable() and "  " not in text and text == text.strip():
        return text  # the common case, without a pass per character
    kept = (
        " " if ch in "\t\r\n" else ch for ch in text if ch in "\t\r\n" or unicodedata.category(ch) != "Cc"
    )
    # Runs of spaces collapse; other spaces (a no-break space keeping "Dr. X" together) stay.
    return _SPACES.sub(" ", "".join(kept)).strip()


@dataclass(frozen=True)
class TextStyle:
    family: str = "Noto Sans"
    size: float = 24.0
    weight: int = 400
    italic: bool = False
    color: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    anchor: Anchor = "middle"
    # Extra space between characters (SVG letter-spacing), in the text's units at `size`; it
    # shrinks with the text when a long name is fitted, so the name keeps its look.
    letter_spacing: float = 0.0


@dataclass(frozen=True)
class FitRule:
    """The box a text must stay inside; `max_width` None means no fitting at all."""

    max_width: float | None = None
    max_lines: int = 2
    min_size: float | None = None
    # Which way extra lines go from the single line's baseline: "up" keeps the last line where
    # the one line would have been (names above a rule), "down" keeps the first, "center" splits.
    wrap: Literal["up", "center", "down"] = "up"
    # The height the lines may take together (data-max-height), so that wrapping cannot reach the
    # next part of the design; None: only max_lines limits them.
    max_height: float | None = None
    # 6 pt in the text's own units: the floor never goes below it. 0 when the units are unknown.
    legible_size: float = 0.0
    # Right-to-left text in a start-anchored field ends at the box's right end, where a reader of
    # that script starts; only when the template drew the box (data-max-width).
    rtl_to_end: bool = False

    def minimum(self, size: float) -> float:
        return self.min_size if self.min_size is not None else max(6.0, size * 0.5)

    def floor(self, size: float) -> float:
        """The smallest size a text may take before it is ever ellipsized."""
        minimum = min(self.minimum(size), size)
        return min(minimum, max(minimum * FLOOR_SHARE, self.legible_size))


@dataclass(frozen=True)
class PlacedText:
    """What was drawn: for logs (unknown glyphs means a font is missing) and for tests."""

    text: str
    size: float
    lines: int
    width: float
    unknown_glyphs: int
    ellipsized: bool = field(default=False)
    # Characters drawn from a font other than the requested family, as (characters, font family)
    # pairs: a name in a script the template's font lacks, or emoji. For the proof report.
    fallback_fonts: tuple[tuple[str, str], ...] = field(default=())


class Layout:
    """A PangoLayout and what we ask of it, through the C API."""

    __slots__ = ("_size", "pointer")

    def __init__(self, pointer: Any, size_buffer: Any) -> None:
        self.pointer = pointer
        self._size = size_buffer

    def extent(self) -> tuple[float, float]:
        """Logical width and height, in user-space units."""
        _pango.pango_layout_get_size(self.pointer, self._size, self._size + 1)
        return self._size[0] / _SCALE, self._size[1] / _SCALE

    @property
    def width(self) -> float:
        return self.extent()[0]

    def constrain(self, max_width: float, lines: int, wrap: WrapMode) -> None:
        _pango.pango_layout_set_width(self.pointer, round(max_width * _SCALE))
        _pango.pango_layout_set_wrap(self.pointer, wrap.value)
        _pango.pango_layout_set_ellipsize(self.pointer, EllipsizeMode.END.value)
        # A negative height is a line count for Pango: past it the last line is ellipsized.
        _pango.pango_layout_set_height(self.pointer, -lines)

    def line_count(self) -> int:
        return int(_pango.pango_layout_get_line_count(self.pointer))

    def box_width(self) -> float | None:
        width = _pango.pango_layout_get_width(self.pointer)
        return None if width < 0 else width / _SCALE


class TextPainter:
    """Lays out and draws text on one cairo context; reuses one Pango context for every badge."""

    def __init__(self, ctx: cairocffi.Context) -> None:
        self.ctx = ctx
        self.cairo_raw = ctx._pointer
        self.context = pango.cairo_context(ctx)
        options = cairocffi.FontOptions()
        # Unhinted metrics: the same text gets the same width in the PDF and the PNG preview.
        options.set_hint_metrics(cairocffi.HINT_METRICS_OFF)
        options.set_hint_style(cairocffi.HINT_STYLE_NONE)
        pango.pangocairo.pango_cairo_context_set_font_options(self.context, options._pointer)
        # Glyph advances stay in 1/1024 units: rounding them (Pango's default) rounds to whole user
        # units, which in a template drawn in millimetres moves letters by up to half a millimetre.
        _pango.pango_context_set_round_glyph_positions(self.context, False)
        self.size_buffer = _ffi.new("int[2]")
        self.descriptions: dict[tuple[str, int, bool, bool], Any] = {}
        # Texts that repeat (the event name on every badge, organisations, roles) are laid out once.
        self.prepared: dict[tuple[str, TextStyle, FitRule], Prepared] = {}

    def _description(self, style: TextStyle, fallbacks: tuple[str, ...]) -> Any:
        # With fallbacks the key holds the whole family list: each mix of scripts has its own.
        family = with_fallbacks(style.family, fallbacks) if fallbacks else style.family
        key = (family, style.weight if style.weight in _WEIGHTS else 400, style.italic, bool(fallbacks))
        description = self.descriptions.get(key)
        if description is None:
            description = _ffi.gc(_pango.pango_font_description_new(), _pango.pango_font_description_free)
            _pango.pango_font_description_set_family(description, family.encode())
            _pango.pango_font_description_set_weight(description, key[1])
            _pango.pango_font_description_set_style(description, Style.ITALIC if key[2] else Style.NORMAL)
            check_description(self.context, description)  # once: PlacedText's fast path
            self.descriptions[key] = description
        return description

    def layout(self, text: str, style: TextStyle, size: float) -> Layout:
        pointer = pango.unref_later(_pango.pango_layout_new(self.context))
        description = self._description(style, _needs_script_fallbacks(text))
        # Absolute size: user-space units (points in a PDF), whatever resolution Pango assumes.
        # The layout copies the description, so the shared one can be resized for the next.
        _pango.pango_font_description_set_absolute_size(description, round(size * _SCALE))
        _pango.pango_layout_set_font_description(pointer, description)
        if style.letter_spacing:
            _letter_space(pointer, style.letter_spacing * size / style.size)
        # set_text, never markup: "<b>" in a name is printed as typed.
        encoded = text.encode("utf-8")
        _pango.pango_layout_set_text(pointer, encoded, len(encoded))
        return Layout(pointer, self.size_buffer)

    def measure(self, text: str, style: TextStyle, fit: FitRule) -> tuple[Layout, PlacedText]:
        """Choose the size and line breaks for `text` in `fit`; draw nothing. The layout is at the
        style's size; `PlacedText.size` says how large it is drawn."""
        layout, _, placed = self._fit(text, style, fit)
        return layout, placed

    def _fit(self, text: str, style: TextStyle, fit: FitRule) -> tuple[Layout, float, PlacedText]:
        """The layout at the style's own size, the scale it is drawn at, and what was placed.

        Every layout is made at the style's size and a smaller text is that layout drawn scaled:
        with unhinted metrics and unrounded glyph positions a layout scaled by k is the layout at
        k times the size, line breaks included when its box is 1/k as wide. So one font per
        family and size serves every name (a new size costs Pango a font: milliseconds, against
        microseconds for the layout), a name's fit is exact without another layout, and the
        search for a wrapped size only moves the box of one layout.
        """
        layout = self.layout(text, style, style.size)
        width = layout.width
        if fit.max_width is None or width <= fit.max_width:
            return layout, 1.0, self._placed(layout, text, style.size, width, lines=1)
        minimum = min(fit.minimum(style.size), style.size)
        shrink = fit.max_width / width * _SNUG
        if shrink * style.size >= minimum:
            shrink = max(_on_grid(shrink), minimum / style.size)
            return layout, shrink, self._placed(layout, text, style.size * shrink, width * shrink, lines=1)
        floor = fit.floor(style.size)
        # Wrapped at the largest size that fits: at the minimum or above when that is possible,
        # else below it, down to the floor (one search: what fits at a size fits when smaller).
        scale = self._largest_wrapped(layout, fit, floor / style.size)
        if scale is not None:
            scale = max(_on_grid(scale), floor / style.size)
            placed = self._placed(
                layout, text, style.size * scale, layout.width * scale, lines=layout.line_count()
            )
            return layout, scale, placed
        return self._last_resort(layout, text, style, fit, floor / style.size)

    def _largest_wrapped(self, layout: Layout, fit: FitRule, low: float) -> float | None:
        """About the largest scale from `low` to 1 at which the text, broken only at word
        boundaries, fits the box, with `layout` left wrapped for it; None when it does not fit at
        `low`.

        Whether a text fits only gets easier as it gets smaller, and a set of line breaks that
        fits at one scale fits up to the scale where its widest line (or its height) fills the
        box: each probe either fits and says how far it could grow, or how much too large it is.
        """
        best: tuple[float, int] | None = None  # the scale and the box width of its probe
        ceiling = _CLOSE_ENOUGH  # nothing fits above; lowered by every probe that fails
        scale = 1.0
        for _ in range(_WRAP_STEPS):
            wide, tall, lines = self._wrapped_at(layout, fit, scale)
            if lines <= fit.max_lines and min(wide, tall) >= 1.0:
                best = (scale, _pango.pango_layout_get_width(layout.pointer))
                if scale >= 1.0 or ceiling <= scale * _CLOSE_ENOUGH:
                    break
                # These lines grow until they fill the box; when that gains little, other breaks
                # (more lines) may fit a larger size still: try halfway to the ceiling.
                grown = scale * min(wide, tall) * _SNUG
                scale = grown if grown >= scale * _CLOSE_ENOUGH else (scale + ceiling) / 2
                scale = min(scale, 1.0, ceiling)
                continue
            guess = self._smaller(scale, wide, tall, lines, fit.max_lines)
            # A word wider than the box bounds the size; too many or too tall lines do not (fewer
            # lines may fit at a size between).
            ceiling = min(ceiling, guess if lines <= fit.max_lines and wide < tall else scale)
            if best is not None:
                if ceiling <= best[0] * _CLOSE_ENOUGH:
                    break
                wanted = guess >= best[0] * _CLOSE_ENOUGH
                scale = min(guess, ceiling) if wanted else (best[0] + ceiling) / 2
            elif scale <= low:
                return None
            else:
                scale = max(low, guess)
        if best is None:
            return None
        if _pango.pango_layout_get_width(layout.pointer) != best[1]:
            _pango.pango_layout_set_width(layout.pointer, best[1])  # back to the breaks that fit
        return best[0]

    @staticmethod
    def _smaller(scale: float, wide: float, tall: float, lines: int, max_lines: int) -> float:
        """The next scale to try after `scale` failed."""
        if lines > max_lines:
            return scale * min(max_lines / lines, 0.98)  # about that much too large
        if wide < tall:
            return scale * wide * _SNUG  # the widest word just fits
        # Too tall: these lines fit `tall` times smaller, fewer lines perhaps somewhat larger.
        return scale * max(tall, math.sqrt(tall) * 0.98)

    def _wrapped_at(self, layout: Layout, fit: FitRule, scale: float) -> tuple[float, float, int]:
        """`layout` wrapped at word boundaries for drawing at `scale`: by how much these lines
        could grow across and down and still fit (under 1: they do not), and the line count."""
        assert fit.max_width is not None
        box = fit.max_width / scale
        _pango.pango_layout_set_width(layout.pointer, math.floor(box * _SCALE))
        _pango.pango_layout_set_wrap(layout.pointer, WrapMode.WORD.value)
        # A single word wider than the box overflows it (WORD never breaks inside a word).
        width, height = layout.extent()
        wide = box / width if width > 0 else 2.0
        tall = fit.max_height / (height * scale) if fit.max_height is not None and height > 0 else 2.0
        return wide, tall, layout.line_count()

    def _last_resort(
        self, layout: Layout, text: str, style: TextStyle, fit: FitRule, scale: float
    ) -> tuple[Layout, float, PlacedText]:
        """At the floor, a word too long for the box is broken inside; what still does not fit in
        the lines the box has room for ends with an ellipsis."""
        assert fit.max_width is not None
        _pango.pango_layout_set_width(layout.pointer, -1)  # one line: its height is one line's
        lines = fit.max_lines
        if fit.max_height is not None:
            line_height = layout.extent()[1] * scale
            lines = max(1, min(lines, int(fit.max_height / line_height))) if line_height > 0 else lines
        layout.constrain(fit.max_width / scale, lines, WrapMode.WORD_CHAR)
        placed = self._placed(
            layout, text, style.size * scale, layout.width * scale, lines=layout.line_count()
        )
        return layout, scale, placed

    def _placed(self, layout: Layout, text: str, size: float, width: float, lines: int) -> PlacedText:
        unknown = int(_pango.pango_layout_get_unknown_glyphs_count(layout.pointer))
        ellipsized = bool(_pango.pango_layout_is_ellipsized(layout.pointer))
        fallbacks = fallback_fonts(layout.pointer, text)
        return PlacedText(text, size, lines, width, unknown, ellipsized, fallbacks)

    def draw(self, text: str, style: TextStyle, fit: FitRule, x: float, y: float) -> PlacedText:
        """Draw `text` on the baseline `y`, anchored at `x`; extra lines go as `fit.wrap` says."""
        key = (text, style, fit)
        prepared = self.prepared.get(key)
        if prepared is None:
            prepared = self.prepare(text, style, fit)
            if len(self.prepared) >= _PREPARED_MAX:
                # Drop the oldest: memory stays flat however many different names a job has.
                del self.prepared[next(iter(self.prepared))]
            self.prepared[key] = prepared
        self.show(prepared, x, y)
        return prepared.placed

    def show(self, prepared: Prepared, x: float, y: float) -> None:
        """Draw a prepared text on the baseline `y`, anchored at `x`. Through cairo's C API:
        cairocffi's checks after each call cost more than the calls when every badge makes a dozen."""
        if prepared.layout is None:
            return
        cr = self.cairo_raw
        _cairo.cairo_save(cr)
        _cairo.cairo_set_source_rgba(cr, *prepared.color)
        _cairo.cairo_translate(cr, x + prepared.offset_x, y + prepared.offset_y)
        if prepared.scale != 1.0:
            _cairo.cairo_scale(cr, prepared.scale, prepared.scale)
        _cairo.cairo_move_to(cr, 0.0, 0.0)
        _show_layout(cr, prepared.layout.pointer)
        _cairo.cairo_restore(cr)

    def prepare(self, text: str, style: TextStyle, fit: FitRule) -> Prepared:
        """Lay out once: the layout, what was placed, where its top-left goes from the anchor,
        and the scale it is drawn at."""
        text = clean_text(text)
        layout, scale, placed = self._fit(text, style, fit)
        if not text:
            return Prepared(None, placed, 0.0, 0.0, 1.0, style.color)
        right_to_left = _pango.pango_find_base_dir(text.encode("utf-8"), -1) == Direction.RTL
        side = _side(style.anchor, right_to_left and fit.rtl_to_end and fit.max_width is not None)
        box = layout.box_width()
        if box is not None:
            # Pango mirrors the alignment of a right-to-left paragraph; ours is on the page.
            alignment = _MIRRORED[side] if right_to_left else _ALIGNMENT[side]
            _pango.pango_layout_set_alignment(layout.pointer, alignment.value)
        offset_x = _offset(side, box * scale if box is not None else placed.width, fit.max_width)
        baseline = _pango.pango_layout_get_baseline(layout.pointer) / _SCALE * scale
        shift = 0.0
        if placed.lines > 1:
            line_height = layout.extent()[1] * scale / placed.lines
            shift = (placed.lines - 1) * line_height * _WRAP_SHIFT[fit.wrap]
        return Prepared(layout, placed, offset_x, -baseline - shift, scale, style.color)


class Prepared:
    """A text laid out and fitted, ready to draw any number of times: the layout (None for no
    text), what was placed, its top-left corner from the anchor, its scale and its colour."""

    __slots__ = ("color", "layout", "offset_x", "offset_y", "placed", "scale")

    def __init__(
        self,
        layout: Layout | None,
        placed: PlacedText,
        offset_x: float,
        offset_y: float,
        scale: float,
        color: tuple[float, float, float, float],
    ) -> None:
        self.layout = layout
        self.placed = placed
        self.offset_x = offset_x
        self.offset_y = offset_y
        self.scale = scale
        self.color = color


Side = Literal["left", "center", "right", "box-right"]


def _side(anchor: Anchor, to_box_end: bool) -> Side:
    """Where the text sits on the page: "box-right" is a start-anchored field's far end."""
    if anchor == "start":
        return "box-right" if to_box_end else "left"
    return "center" if anchor == "middle" else "right"


def _offset(side: Side, width: float, max_width: float | None) -> float:
    """From the anchor to the left edge of a layout `width` wide."""
    if side == "box-right":
        assert max_width is not None
        return max_width - width
    return {"left": 0.0, "center": -width / 2, "right": -width}[side]


def _letter_space(layout: Any, spacing: float) -> None:
    attributes = _pango.pango_attr_list_new()
    _pango.pango_attr_list_insert(attributes, _pango.pango_attr_letter_spacing_new(round(spacing * _SCALE)))
    _pango.pango_layout_set_attributes(layout, attributes)
    _pango.pango_attr_list_unref(attributes)


def _on_grid(scale: float) -> float:
    return float(2.0 ** (math.floor(math.log2(scale) * _STEPS_PER_OCTAVE) / _STEPS_PER_OCTAVE))


_ALIGNMENT = {"left": Alignment.LEFT, "center": Alignment.CENTER, "right": Alignment.RIGHT}
_ALIGNMENT["box-right"] = Alignment.RIGHT
_MIRRORED = {"left": Alignment.RIGHT, "center": Alignment.CENTER, "right": Alignment.LEFT}
_MIRRORED["box-right"] = Alignment.LEFT

_WRAP_SHIFT = {"up": 1.0, "center": 0.5, "down": 0.0}
