"""`manage.py badges render` from a shell, without a server or a database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env_home = {"INSTANCE_PATH": str(cwd / "instance"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "badges", "render", *args],
        cwd=ROOT,
        env=env_home,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_renders_a_sheet_and_a_preview(tmp_path, shared_data):
    pdf, png = tmp_path / "out.pdf", tmp_path / "first.png"

    result = run(
        str(shared_data / "attendees-utf16-tab.txt"),
        "--template",
        "landscape",
        "--sheet",
        "letter-2x3",
        "-o",
        str(pdf),
        "--name",
        "FOSSASIA Summit",
        "--qr",
        "email",
        "--preview",
        str(png),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "20 badges on 4 pages" in result.stdout
    assert pdf.read_bytes().startswith(b"%PDF")
    with Image.open(png) as preview:
        assert preview.size == (600, 450)  # 4 x 3 in at 150 dpi
    assert not (tmp_path / "instance" / "badges.db").exists()  # no database was touched


def test_the_cli_accepts_an_svg_file_and_reports_bad_input(tmp_path, shared_data):
    svg = tmp_path / "mine.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="50mm" height="30mm">'
        '<text x="5" y="20">{{nom}}</text></svg>'
    )

    result = run(
        str(shared_data / "attendees-multiscript.csv"),
        "--template",
        str(svg),
        "-o",
        str(tmp_path / "x.pdf"),
        cwd=tmp_path,
    )

    assert result.returncode != 0
    assert "{{nom}}" in result.stderr
    assert "no 'nom' column" in result.stderr
