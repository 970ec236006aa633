"""What a font preview shows: a line a person recognises in each script, and the size bounds.

The PNG itself is drawn by a render worker (api.render.tasks.font_sample)."""

from __future__ import annotations

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
