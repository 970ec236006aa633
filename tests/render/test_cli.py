"""`manage.py badges render` from a shell, without a server or a database."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from PIL import Image

from tests.support.pdf import pdftotext

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


def test_the_cli_names_badges_by_spreadsheet_row_and_writes_the_report_and_proof(tmp_path):
    people = tmp_path / "people.csv"
    # Rows 3 and 5 are blank: a spreadsheet numbers the long name's row 6 and the last row 7.
    long_name = "Maximilian Alexander Hohenzollern-Sigmaringen von und zu Liechtenstein-Habsburg"
    people.write_text(
        f"name,organization\nAda Lovelace,FOSSASIA\n\nGrace Hopper,Navy\n\n{long_name},X\nZoe \ue000,Y\n"
    )
    report, proof = tmp_path / "report.json", tmp_path / "proof.pdf"

    result = run(
        str(people),
        "-o",
        str(tmp_path / "out.pdf"),
        "--report",
        str(report),
        "--proof",
        str(proof),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    assert (data["badges"], data["pages"]) == (4, 4)
    assert {badge["row"] for badge in data["findings"]} >= {6, 7}
    assert data["flagged"] == sum(1 for badge in data["findings"] if _flagged(badge))
    assert data["counts"]["missing_glyphs"] == 1
    missing = next(badge for badge in data["findings"] if badge["row"] == 7)
    assert (missing["page"], missing["slot"]) == (4, 1)
    assert missing["findings"][0]["characters"] == "\ue000"
    assert "row 7 (page 4, slot 1): name:" in result.stdout
    assert "missing_glyphs 1" in result.stdout
    assert re.findall(r"Row (\d+)", pdftotext(proof)) == [
        str(badge["row"]) for badge in data["findings"] if _flagged(badge)
    ]


def _flagged(badge: dict) -> bool:
    return any(finding["level"] != "info" for finding in badge["findings"])


def test_the_cli_lists_a_few_flagged_rows_then_how_many_more(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name\n" + "".join(f"Zoe \ue000 {number}\n" for number in range(14)))

    result = run(str(people), "-o", str(tmp_path / "out.pdf"), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "14 badge(s) to check before printing" in result.stdout
    listed = re.findall(r"^  row (\d+) ", result.stdout, re.MULTILINE)
    assert listed == [str(row) for row in range(2, 12)]
    assert "... and 4 more" in result.stdout


# --- Progress -----------------------------------------------------------------------------------


def attendees_csv(tmp_path, count: int):
    path = tmp_path / "attendees.csv"
    path.write_text("name\n" + "".join(f"Attendee Number {n}\n" for n in range(count)))
    return path


def test_a_log_gets_a_plain_line_every_tenth_of_the_way_on_stderr(tmp_path):
    result = run(str(attendees_csv(tmp_path, 40)), "-o", str(tmp_path / "out.pdf"), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert [int(re.match(r"Rendering: (\d+) of 40 badges", line)[1]) for line in lines] == list(
        range(4, 40, 4)
    )
    assert all(re.search(r"\(\d+%\), [\d,]+ badges/s, \d+ s left$", line) for line in lines)
    assert "Rendering" not in result.stdout
    assert result.stdout.startswith("40 badges on 40 pages")


def test_quiet_prints_no_progress_but_the_summary(tmp_path):
    result = run(str(attendees_csv(tmp_path, 40)), "-o", str(tmp_path / "out.pdf"), "--quiet", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.startswith("40 badges on 40 pages")


def test_badges_render_starts_without_the_service_flask_or_a_database(tmp_path):
    # `manage.py badges ...` is dispatched before the app is built: start-up is the engine's alone.
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['manage.py', 'badges', 'render', '--help']\n"
        "try:\n"
        f"    runpy.run_path({str(ROOT / 'manage.py')!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        "loaded = {name.split('.')[0] for name in sys.modules} | set(sys.modules)\n"
        "service = {'flask', 'sqlalchemy', 'flask_restx', 'celery', 'api.app', 'api.extensions'}\n"
        "print(sorted(loaded & service))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )

    assert "Usage: manage.py badges render" in result.stdout
    assert result.stdout.rstrip().endswith("[]")


def test_every_other_command_still_runs_on_the_app(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "--help"],
        cwd=ROOT,
        env={"INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    commands = set(re.findall(r"^  (\w[\w-]*)", result.stdout, flags=re.MULTILINE))
    assert {"badges", "db", "run", "routes", "shell", "users"} <= commands


def test_the_cli_prints_on_a_label_sheet_by_product_number(tmp_path, shared_data):
    pdf = tmp_path / "labels.pdf"

    result = run(
        str(shared_data / "attendees-multiscript.csv"),
        "--template",
        "landscape",
        "--sheet",
        "avery-5392",
        "-o",
        str(pdf),
        "-q",
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "20 badges on 4 pages" in result.stdout  # six 4 x 3 in labels a Letter sheet
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "612 x 792 pts (letter)" in info


def test_the_cli_writes_one_png_per_attendee_into_a_zip(tmp_path, shared_data):
    archive_path = tmp_path / "badges.zip"

    result = run(
        str(shared_data / "attendees-multiscript.csv"),
        "--template",
        "card",
        "--zip-format",
        "png",
        "--dpi",
        "72",
        "-o",
        str(archive_path),
        "-q",
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "20 badges in 20 PNG files" in result.stdout
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)) == 20
        assert all(name.endswith(".png") for name in names)
        with Image.open(io.BytesIO(archive.read(names[0]))) as image:
            assert image.size == (243, 153)  # 85.6 x 54 mm at 72 dpi


def test_the_cli_prints_both_sides(tmp_path, shared_data):
    pdf = tmp_path / "both.pdf"

    result = run(
        str(shared_data / "attendees-utf16-tab.txt"),
        "--template",
        "landscape",
        "--sheet",
        "letter-2x3",
        "--sides",
        "both",
        "--duplex",
        "long-edge",
        "-o",
        str(pdf),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "20 badges on 8 pages" in result.stdout  # 4 sheets, each a front page and a back page
    svg = tmp_path / "one-sided.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm"><text x="5" y="20">'
        "{{name}}</text></svg>"
    )
    refused = run(
        str(shared_data / "attendees-utf16-tab.txt"),
        "--template",
        str(svg),
        "--sides",
        "both",
        "-o",
        str(pdf),
        cwd=tmp_path,
    )
    assert refused.returncode == 1
    assert "options.sides: the template has no back side" in refused.stderr
    back = tmp_path / "back.svg"
    back.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm"><text x="5" y="20">'
        "Back {{name}}</text></svg>"
    )
    folded = run(
        str(shared_data / "attendees-utf16-tab.txt"),
        "--template",
        str(svg),
        "--back",
        str(back),
        "--sides",
        "both",
        "--duplex",
        "fold",
        "--sheet",
        "a4-2x2",
        "-o",
        str(pdf),
        cwd=tmp_path,
    )
    assert folded.returncode == 0, folded.stderr
    assert "20 badges on 5 pages" in folded.stdout  # one side of paper, 4 folded badges a sheet
    assert pdftotext(pdf).count("Back ") == 20


def test_the_cli_converts_for_print_with_a_timeout(tmp_path, shared_data):
    pdf = tmp_path / "print.pdf"

    result = run(
        str(shared_data / "attendees-multiscript.csv"), "-o", str(pdf), "--print", "-q", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert "Print: PDF/X-3:2002, CMYK (Artifex CMYK SWOP Profile)" in result.stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "PDF subtype:    PDF/X-3:2002" in info
    assert "张伟" in pdftotext(pdf)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "instance") == ["print.pdf"]

    # Ghostscript converting every pixel of a large photo takes seconds: stopped at one.
    photo = tmp_path / "photo.jpg"
    Image.effect_noise((2400, 3200), 60).convert("RGB").save(photo, "JPEG", quality=70)
    slow = run(
        str(shared_data / "attendees-multiscript.csv"),
        *("-o", str(pdf), "--background", str(photo), "--print", "--print-timeout", "1", "-q"),
        cwd=tmp_path,
    )

    assert slow.returncode == 1
    assert "The print conversion failed: converting for print took longer than 1 seconds" in slow.stderr
    refused = run(
        str(shared_data / "attendees-multiscript.csv"), "-o", str(tmp_path / "x.zip"), "--print", cwd=tmp_path
    )
    assert refused.returncode == 2
    assert "--print makes one PDF" in refused.stderr
