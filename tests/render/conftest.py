"""Helpers for reading rendered output the way a printer or a person would."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# The sample attendee lists (copied from the design folder, so a clone is self-contained).
SHARED_DATA = Path(__file__).resolve().parents[1] / "data"


def pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdffonts(pdf: Path) -> list[dict[str, str]]:
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    fonts = []
    for line in lines[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-id generation
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), SHARED_DATA
    return SHARED_DATA


@pytest.fixture(autouse=True)
def transaction() -> None:
    """The engine has no database: skip the suite-wide per-test transaction (and its app)."""
    return None
