"""Real font files from the Debian packages the service installs, and fonts made from them."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from tests.support.fonts import DEJAVU_SANS, NOTO_CJK_COLLECTION, NOTO_SANS, read


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
