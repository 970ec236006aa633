"""Real font files from the Debian packages the service installs, and what fontconfig reads from them."""

from __future__ import annotations

import subprocess
from pathlib import Path

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_SANS_BOLD_OBLIQUE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf")
NOTO_SANS = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
NOTO_SANS_ARABIC = Path("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf")
NOTO_COLOR_EMOJI = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
NOTO_CJK_COLLECTION = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def read(path: Path) -> bytes:
    assert path.is_file(), f"{path} is missing: install the system fonts (make test-system-deps)"
    return path.read_bytes()


def fc_scan(path: Path, format: str) -> str:
    """What fontconfig reads from a font file, as `fc-scan --format` prints it."""
    return subprocess.run(
        ["fc-scan", "--format", format, str(path)], capture_output=True, text=True, check=True
    ).stdout


def fc_scan_families(path: Path) -> str:
    """Every family name fontconfig gives a font file, comma-separated."""
    return fc_scan(path, "%{family}")
