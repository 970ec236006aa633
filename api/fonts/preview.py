"""A PNG of some text in one font: what the font picker shows."""

from __future__ import annotations

import io
import math

import cairocffi

from api.render.text import FitRule, PlacedText, TextPainter, TextStyle

# A line a person recognises per script, for the default preview of a font that covers it.
SAMPLE_TEXTS = {
    "Latin": "Ada Lovelace · Émile Zoë",
    "Greek": "Αλέξανδρος",
    "Cyrillic": "Анна Каренина",
    "Arabic": "محمد الأحمد",
    "Hebrew": "דוד כהן",
    "Devanagari": "अनिल कुमार",
    "Bengali": "রবীন্দ্রনাথ",
    "Tamil": "தமிழ்ச்செல்வி",
    "Thai": "สมชาย ใจดี",
    "Han": "张伟 王芳",
    "Kana": "さくら カタカナ",
    "Hangul": "김민준",
    "Emoji": "🎉🙂🚀",
}
MAX_TEXT = 100
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 8, 200, 48


def sample_text(scripts: list[str] | tuple[str, ...]) -> str:
    """The default preview text: samples of the first scripts the font covers."""
    parts = [SAMPLE_TEXTS[script] for script in scripts if script in SAMPLE_TEXTS][:3]
    return "  ".join(parts) or SAMPLE_TEXTS["Latin"]


def render_text_png(
    text: str, *, family: str, weight: int, italic: bool, size: float
) -> tuple[bytes, PlacedText]:
    """`text` in `family` at `size` pixels on a transparent background, padded; and how it went."""
    style = TextStyle(family=family, size=size, weight=weight, italic=italic, anchor="start")
    # Measured first on a scratch surface: the image is made to fit the text.
    scratch = cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 1, 1))
    _, placed = TextPainter(scratch).measure(text, style, FitRule())
    padding = math.ceil(size * 0.4)
    width = min(4000, math.ceil(placed.width) + 2 * padding)
    height = math.ceil(size * 1.6) + padding
    surface = cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, width, height)
    context = cairocffi.Context(surface)
    placed = TextPainter(context).draw(text, style, FitRule(), padding, padding + size)
    output = io.BytesIO()
    surface.write_to_png(output)
    return output.getvalue(), placed
