"""Reading rendered PDFs the way a printer or a person would: their text and their fonts (poppler-utils)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image


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


def raster(path: Path, tmp_path: Path, page: int = 1, dpi: int = 72) -> Image.Image:
    """Page `page` of the PDF at `path` as pdftoppm draws it, in RGB."""
    stem = tmp_path / f"page-{page}-{dpi}"
    command = ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-png"]
    subprocess.run([*command, str(path), stem], check=True)
    image = Image.open(f"{stem}.png").convert("RGB")
    image.load()
    return image


def near(color: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color, expected, strict=False))
