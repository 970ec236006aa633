"""Fonts for badges: the curated system fonts and validated uploads. No Flask, no database.

- `catalogue`: the curated system families installed here (`system_fonts`, `system_font`).
- `validation`: uploads checked by content with fontTools (`inspect_font`), converted and renamed for
  fontconfig (`as_sfnt`, `rename_family`).
- `scripts`: which writing systems a set of code points covers (`scripts_covered`).
- `fontconfig`: what fc-list reports (`installed_faces`, `shadows_system_family`).
"""

from api.fonts.catalogue import SystemFace, SystemFont, system_font, system_fonts
from api.fonts.fontconfig import shadows_system_family
from api.fonts.scripts import SCRIPTS, scripts_covered
from api.fonts.validation import (
    MAX_FONT_BYTES,
    FontFacts,
    FontRejected,
    as_sfnt,
    inspect_font,
    rename_family,
    upload_family,
)

__all__ = [
    "MAX_FONT_BYTES",
    "SCRIPTS",
    "FontFacts",
    "FontRejected",
    "SystemFace",
    "SystemFont",
    "as_sfnt",
    "inspect_font",
    "rename_family",
    "scripts_covered",
    "shadows_system_family",
    "system_font",
    "system_fonts",
    "upload_family",
]
