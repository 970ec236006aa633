"""Real font files from the Debian packages the service installs, and fonts made from them."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

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


def convert(data: bytes, flavor: str | None) -> bytes:
    font = TTFont(io.BytesIO(data))
    font.flavor = flavor
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def transaction() -> None:
    """Fonts are a library without a database: skip the suite-wide per-test transaction."""


@pytest.fixture(scope="session")
def dejavu() -> bytes:
    return read(DEJAVU_SANS)


@pytest.fixture(scope="session")
def dejavu_woff(dejavu: bytes) -> bytes:
    return convert(dejavu, "woff")


@pytest.fixture(scope="session")
def noto_sans_woff2() -> bytes:
    # Noto Sans rather than DejaVu: a third of the glyphs, so WOFF2's glyf transform is quick.
    return convert(read(NOTO_SANS), "woff2")


@pytest.fixture(scope="session")
def cjk_otf() -> bytes:
    """Noto Sans CJK JP (face 0 of the package's collection) as the single OpenType/CFF file
    someone would upload. Extracted lazily: the tables are copied, not recompiled."""
    read(NOTO_CJK_COLLECTION)
    with TTFont(NOTO_CJK_COLLECTION, fontNumber=0, lazy=True) as font:
        buffer = io.BytesIO()
        font.save(buffer)
    return buffer.getvalue()
