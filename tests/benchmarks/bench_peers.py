"""Our engine beside Typst, reportlab and rsvg-convert on the same realistic, unique badges (issue 15).

    make bench-peers                         # installs requirements/bench.txt, then runs this
    .venv/bin/python tests/benchmarks/bench_peers.py [--sizes 1000,10000] [--repeat 3]
        [--mixes issue15,all] [--qr off,on] [--json FILE] [--out DIR] [--engine CHECKOUT]

Attendees: unique names from tests/data/realistic_names.py (a small built-in list stands in when
that module cannot be imported), written to one CSV per size and mix that every tool reads:
- "issue15": 90% Latin-script names (long, double-barrelled and three-part ones included) and
  2.5% each Arabic-script, Devanagari, CJK and Cyrillic, shuffled;
- "all": the generator's own mix, every script it has (Hebrew, Thai, Tamil, emoji, ...).
Each row also has an organisation, a role and an e-mail address. With QR on, every badge carries
a vCard (name, organisation, e-mail), as `manage.py badges render --qr vcard` makes it.

The badge is the built-in "classic" template (A6 portrait, one badge per page). What the clock
covers: the wall time of a fresh child process, start-up included, and its peak RSS is that
child's alone (GNU time's "%M"):
- ours (CLI): `manage.py badges render ATTENDEES.csv --template classic -o out.pdf [--qr vcard]`,
  from --engine (a checkout held still while others edit this one; default: this checkout);
- ours (render_pdf): the inner loop, render_pdf alone, as that same CLI process times it with
  perf_counter and prints it (its summary line): no separate run, so it is the same PDF;
- Typst: `python -c "import typst; typst.compile(...)"` on bench_peers_badge.typ, which reads the
  CSV itself (csv(), path given in sys.inputs) and shrinks names with measure(); font discovery
  included. No QR variant: Typst's QR packages are downloaded on first use, and this runs offline;
- reportlab: this file's `reportlab_badges` in a fresh interpreter: canvas.drawString in Noto Sans
  (TTF), stringWidth to shrink, greedy word wrap at the smallest size; QR codes encoded by segno
  and drawn as one path each (reportlab's own QrCodeWidget took about 0.2 s a code, 40 s for 200
  badges, in a trial). It does not shape text: Arabic comes out as unjoined letters in the wrong
  order, Indic scripts without conjuncts, and scripts Noto Sans lacks (CJK, Thai, ...) as empty
  boxes; the report counts those names, by the font's coverage and the scripts needing shaping;
- rsvg-convert: the whole rsvg-convert process on one SVG per badge (classic.svg filled in, the
  QR code a path from segno), all in one call; writing the SVG files is not timed. It does not
  shrink or wrap text, so long names run off the badge.
The tools run interleaved (ours, Typst, reportlab, rsvg-convert, then again) for every size, mix
and QR setting, so machine noise hits all alike; figures are medians over --repeat runs.
Checks: page counts (pdfinfo) and, on the last run's PDFs, whether pdftotext finds a few non-Latin
names on their pages. Reported, never asserted. MB means 10^6 bytes throughout.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[2]
# Run as a script: the repository root goes on the path for tests.benchmarks.measure (which, like
# this script, imports nothing of the engine: --engine measures another checkout).
sys.path.insert(0, str(REPO))

from tests.benchmarks.measure import run_measured  # noqa: E402

TEMPLATE_SVG = REPO / "api" / "render" / "templates" / "classic.svg"
TYPST_SOURCE = Path(__file__).resolve().parent / "bench_peers_badge.typ"
FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONT_REGULAR, FONT_BOLD = FONT_DIR / "NotoSans-Regular.ttf", FONT_DIR / "NotoSans-Bold.ttf"
EVENT = "FOSSASIA Summit 2026"
SEED = 15
TOOLS = ("ours", "typst", "reportlab", "rsvg")
LABELS = {
    "ours": "ours (CLI)",
    "ours-inner": "ours (render_pdf only)",
    "typst": "Typst (typst.compile)",
    "reportlab": "reportlab",
    "rsvg": "rsvg-convert",
}
# The CLI's summary line: "1000 badges on 1000 pages, 123,456 bytes, 6.12 s (163 badges/s) -> out.pdf"
CLI_SUMMARY = re.compile(r"^(\d+) badges on (\d+) pages, [\d,]+ bytes, ([\d.]+) s", re.MULTILINE)
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
QR_BOX = re.compile(
    r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" fill="none" data-qr="\w+"/>'
)
# The issue's mix: 90% Latin, the rest split evenly over these.
ISSUE15_OTHERS = ("arabic", "devanagari", "cjk", "cyrillic")
# Scripts that come out wrong without shaping or bidi even when the font has every character.
NEEDS_SHAPING = ("ARABIC", "HEBREW", "DEVANAGARI", "BENGALI", "TAMIL", "THAI")


@dataclass
class Measurement:
    tool: str
    badges: int
    mix: str
    qr: bool
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    pdf_bytes: int = 0
    pages: int | None = None
    spot_check: dict[str, bool] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.badges / self.median


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="badge counts, comma-separated (up to 100000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of every tool per size, mix and QR setting"
    )
    parser.add_argument("--mixes", default="issue15,all", help="attendee mixes: issue15, all")
    parser.add_argument("--qr", default="off,on", help="QR settings: off, on")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "bench_peers", help="work directory"
    )
    parser.add_argument(
        "--engine",
        type=Path,
        default=REPO,
        help="checkout whose manage.py is measured as ours, e.g. `git worktree add /tmp/engine HEAD`\n"
        "to hold the engine still while others edit this tree (default: this checkout)",
    )
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)  # reportlab: CSV PDF EVENT QR
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.worker:
        source, pdf, event, qr = args.worker
        reportlab_badges(Path(source), Path(pdf), event, qr == "on")
        return
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # the table as it comes
    sizes = [int(size) for size in args.sizes.split(",")]
    mixes = args.mixes.split(",")
    qr_settings = [setting == "on" for setting in args.qr.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    header = run_header(args.engine.resolve())
    print_header(header)
    results: list[Measurement] = []
    for size in sizes:
        for mix in mixes:
            rows = attendee_rows(size, mix)
            source = write_csv(args.out / f"attendees-{mix}-{size}.csv", rows)
            for qr in qr_settings:
                results += measure_side_by_side(rows, source, mix, qr, args.repeat, args.out, args.engine)
    print_table(results)
    header["load_average_end"] = os.getloadavg()
    print(f"\nLoad average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(as_json(header, results), ensure_ascii=False, indent=1) + "\n")
        print(f"JSON -> {args.json}")


# Attendees ------------------------------------------------------------------------------------


def script_of(name: str) -> str:
    """The script of a name's first letter, lower case: "latin", "arabic", "cjk", ..."""
    for character in name:
        if character.isalpha():
            word = unicodedata.name(character, "UNKNOWN").split()[0]
            return "cjk" if word in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL") else word.lower()
    return "other"


def generated_attendees(count: int) -> list[dict[str, str]]:
    """Rows with name, organization and role from tests/data/realistic_names.py, or the fallback."""
    sys.path.insert(0, str(REPO))
    try:
        from tests.data.realistic_names import realistic_attendees
    except ImportError:
        return fallback_attendees(count)
    return [
        {"name": row["name"], "organization": row["organization"], "role": row["role"]}
        for row in realistic_attendees(count, seed=SEED)
    ]


def fallback_attendees(count: int) -> list[dict[str, str]]:
    """Unique names in the issue's scripts when the generator is missing: given x family x initial."""
    rng = random.Random(SEED)
    tables = [
        (["Anna", "Jean-Baptiste", "Hans-Jürgen", "María José", "Siobhán"], ["Müller-Lüdenscheidt", "Smith"]),
        (["محمد", "فاطمة", "عبد الرحمن"], ["الحسيني", "العبدالله"]),
        (["अनिल कुमार", "प्रियंका"], ["शर्मा", "श्रीवास्तव"]),
        (["伟", "秀英", "翔太"], ["王", "欧阳", "佐藤"]),
        (["Анна", "Дмитрий"], ["Иванова", "Римский-Корсаков"]),
    ]
    rows, seen = [], set()
    while len(rows) < count:
        given, family = tables[0] if rng.random() < 0.9 else rng.choice(tables[1:])
        name = f"{rng.choice(given)} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {rng.choice(family)}"
        name += "" if name not in seen else f" {len(rows)}"
        seen.add(name)
        rows.append({"name": name, "organization": "FOSSASIA", "role": "Attendee"})
    return rows


def attendee_rows(count: int, mix: str) -> list[dict[str, str]]:
    if mix == "all":
        rows = generated_attendees(count)
    elif mix == "issue15":
        rows = issue15_rows(count)
    else:
        raise SystemExit(f"unknown mix {mix!r}: issue15 or all")
    for number, row in enumerate(rows, start=1):
        row["email"] = f"attendee{number:06d}@example.org"
    return rows


def issue15_rows(count: int) -> list[dict[str, str]]:
    """90% Latin, 2.5% each Arabic-script, Devanagari, CJK and Cyrillic, picked from a larger pool."""
    share = count // 40
    wanted = {"latin": count - share * len(ISSUE15_OTHERS), **dict.fromkeys(ISSUE15_OTHERS, share)}
    pool_size = count * 3
    while True:
        by_script: dict[str, list[dict[str, str]]] = {}
        for row in generated_attendees(pool_size):
            by_script.setdefault(script_of(row["name"]), []).append(row)
        if all(len(by_script.get(script, [])) >= need for script, need in wanted.items()):
            break
        pool_size *= 2
    rows = [row for script, need in wanted.items() for row in by_script[script][:need]]
    random.Random(SEED).shuffle(rows)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "organization", "role", "email"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def vcard(row: dict[str, str]) -> str:
    """The vCard the peers encode: the same fields as the engine's (api/render/qr.py)."""

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")

    given, _, family = row["name"].rpartition(" ")
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{text(family)};{text(given)};;;", f"FN:{text(row['name'])}"]
    if row["organization"]:
        lines.append(f"ORG:{text(row['organization'])}")
    lines += [f"EMAIL:{text(row['email'])}", "END:VCARD"]
    return "".join(f"{line}\r\n" for line in lines)


# Measuring ------------------------------------------------------------------------------------


def measure_side_by_side(
    rows: list[dict[str, str]], source: Path, mix: str, qr: bool, repeat: int, out: Path, engine: Path
) -> list[Measurement]:
    """Every tool once per round, in the same order, `repeat` rounds."""
    count, setting = len(rows), "qr" if qr else "noqr"
    tools = [tool for tool in TOOLS if not (tool == "typst" and qr)]
    pdfs = {tool: out / f"{tool}-{mix}-{count}-{setting}.pdf" for tool in tools}
    commands = {tool: command_for(tool, rows, source, pdfs[tool], qr, out, engine) for tool in tools}
    results = {tool: Measurement(tool, count, mix, qr) for tool in tools}
    inner = Measurement("ours-inner", count, mix, qr)
    for round_number in range(1, repeat + 1):
        for tool in tools:
            command, cwd = commands[tool]
            seconds, peak_mb, output = run_measured(command, cwd)
            results[tool].seconds.append(seconds)
            results[tool].peak_mb.append(peak_mb)
            if tool == "ours":
                summary = CLI_SUMMARY.search(output)
                if summary is None:
                    raise RuntimeError(f"no summary line in the CLI's output:\n{output[-2000:]}")
                inner.seconds.append(float(summary.group(3)))
                inner.peak_mb.append(peak_mb)
                inner.notes["findings"] = next(
                    (line for line in output.splitlines() if line.startswith("Findings:")), ""
                )
        runs = "; ".join(f"{tool} {results[tool].seconds[-1]:.2f}" for tool in tools)
        print(f"  {count:,} {mix} {setting} round {round_number}/{repeat}: {runs} s", file=sys.stderr)
    inner.pdf_bytes = pdfs["ours"].stat().st_size
    inner.pages = results["ours"].pages = page_count(pdfs["ours"])
    for tool in tools:
        result = results[tool]
        result.pdf_bytes = pdfs[tool].stat().st_size
        result.pages = page_count(pdfs[tool])
        result.spot_check = spot_check(pdfs[tool], rows)
    results["reportlab"].notes.update(reportlab_problems(rows))
    inner.spot_check = results["ours"].spot_check
    return [results["ours"], inner, *(results[tool] for tool in tools[1:])]


def command_for(
    tool: str, rows: list[dict[str, str]], source: Path, pdf: Path, qr: bool, out: Path, engine: Path
) -> tuple[list[str], Path | None]:
    """The command line that makes `pdf` from the attendees, and the directory it runs in."""
    python = sys.executable
    if tool == "ours":
        command = [python, str(engine / "manage.py"), "badges", "render", str(source)]
        command += ["--template", "classic", "-o", str(pdf), "--name", EVENT]
        return command + (["--qr", "vcard"] if qr else []), engine
    if tool == "typst":
        (out / TYPST_SOURCE.name).write_text(TYPST_SOURCE.read_text())
        inputs = {"csv": source.name, "event": EVENT}
        script = (
            "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3],"
            f" sys_inputs={inputs!r})"
        )
        return [python, "-c", script, str(out / TYPST_SOURCE.name), str(pdf), str(out)], out
    if tool == "reportlab":
        return [python, __file__, "--worker", str(source), str(pdf), EVENT, "on" if qr else "off"], out
    if tool == "rsvg":
        directory = out / f"svg-{source.stem}-{'qr' if qr else 'noqr'}"
        names = write_svgs(directory, rows, qr)
        if sum(len(name) + 1 for name in names) > os.sysconf("SC_ARG_MAX") // 2:
            raise SystemExit(f"{len(names):,} file names are too long for one rsvg-convert call")
        return ["rsvg-convert", "-f", "pdf", "-o", str(pdf), *names], directory
    raise ValueError(tool)


# rsvg-convert's input: classic.svg filled in, one file per badge --------------------------------


def write_svgs(directory: Path, rows: list[dict[str, str]], qr: bool) -> list[str]:
    import segno  # only the parent needs it: the QR codes are drawn before rsvg-convert runs

    directory.mkdir(parents=True, exist_ok=True)
    template = TEMPLATE_SVG.read_text()
    box = QR_BOX.search(template)
    names = []
    for number, row in enumerate(rows, start=1):
        values = {**row, "event": EVENT}
        svg = PLACEHOLDER.sub(lambda match, values=values: escape(values.get(match.group(1), "")), template)
        if qr and box is not None:
            x, y, size = (float(value) for value in box.groups())
            svg = svg.replace(
                box.group(0), qr_path(segno.make(vcard(row), error="m", micro=False), x, y, size)
            )
        name = f"{number}.svg"  # short names: 100,000 of them must fit on one command line
        (directory / name).write_text(svg)
        names.append(name)
    return names


def dark_runs(matrix: Any) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules in a QR matrix."""
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                yield row_index, start, column - start
            column += 1


def qr_path(code: Any, x: float, y: float, size: float) -> str:
    """The code's dark modules as one SVG path, a rectangle per run, in a 4-module quiet zone."""
    module = size / (len(code.matrix) + 8)
    runs = "".join(
        f"M{start + 4} {row + 4}h{length}v1h-{length}z" for row, start, length in dark_runs(code.matrix)
    )
    return f'<path transform="translate({x} {y}) scale({module:.5f})" fill="#000" d="{runs}"/>'


# reportlab: what runs inside the measured child ------------------------------------------------


def reportlab_badges(source: Path, pdf: Path, event: str, qr: bool) -> None:
    """The classic badge with reportlab: drawString in Noto Sans, sizes shrunk with stringWidth."""
    import segno
    from reportlab.lib.colors import HexColor, black, white
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import registerFont, stringWidth
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    registerFont(TTFont("Sans", str(FONT_REGULAR)))
    registerFont(TTFont("Sans-Bold", str(FONT_BOLD)))
    width, height = 105 * mm, 148 * mm
    navy, red, blue = HexColor("#1d3557"), HexColor("#e63946"), HexColor("#457b9d")

    def fitted(
        text: str, font: str, size: float, smallest: float, max_width: float
    ) -> tuple[float, list[str]]:
        """The size and lines: one line shrunk to fit, or at the smallest size, words wrapped."""
        natural = stringWidth(text, font, size)
        if natural <= max_width:
            return size, [text]
        if natural * smallest / size <= max_width:
            return size * max_width / natural, [text]
        lines: list[str] = []
        for word in text.split():
            if lines and stringWidth(f"{lines[-1]} {word}", font, smallest) <= max_width:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        return smallest, lines

    def centred(
        text: str, font: str, size: float, smallest: float, max_width: float, baseline: float
    ) -> None:
        """Lines centred on the badge; the last one's baseline at `baseline` mm from the top."""
        size, lines = fitted(text, font, size * mm, smallest * mm, max_width * mm)
        canvas.setFont(font, size)
        for number, line in enumerate(lines):
            canvas.drawCentredString(
                width / 2, height - baseline * mm - (number - len(lines) + 1) * size * 1.15, line
            )

    canvas = Canvas(str(pdf), pagesize=(width, height))
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            canvas.setFillColor(navy)
            canvas.rect(0, height - 30 * mm, width, 30 * mm, stroke=0, fill=1)
            canvas.setFillColor(white)
            centred(event, "Sans-Bold", 7, 3, 95, 18.5)
            canvas.setFillColor(navy)
            centred(row["name"], "Sans-Bold", 13, 9.5, 93, 66)
            canvas.setFillColor(red)
            canvas.rect(36.5 * mm, height - 74.8 * mm, 32 * mm, 0.8 * mm, stroke=0, fill=1)
            canvas.setFillColor(blue)
            centred(row["organization"], "Sans", 6.5, 4, 93, 86)
            canvas.setFillColor(red)
            canvas.rect(0, 0, width, 16 * mm, stroke=0, fill=1)
            canvas.setFillColor(white)
            centred(row["role"], "Sans-Bold", 6, 3, 95, 142.5)
            if qr:
                matrix = segno.make(vcard(row), error="m", micro=False).matrix
                module = 30 * mm / (len(matrix) + 8)
                left, top = 37.5 * mm + 4 * module, height - 96 * mm - 4 * module
                path = canvas.beginPath()
                for line, start, length in dark_runs(matrix):
                    path.rect(left + start * module, top - (line + 1) * module, length * module, module)
                canvas.setFillColor(black)
                canvas.drawPath(path, stroke=0, fill=1)
            canvas.showPage()
    canvas.save()


def reportlab_problems(rows: list[dict[str, str]]) -> dict[str, int]:
    """Names reportlab cannot print right: characters Noto Sans lacks (drawn as empty boxes or
    nothing), and scripts that need shaping or right-to-left order (drawn unjoined, in the wrong
    order or without conjuncts)."""
    from fontTools.ttLib import TTFont

    covered = set(TTFont(str(FONT_BOLD)).getBestCmap())
    invisible = {"Cf", "Mn", "Zs"}  # joiners, variation selectors, spaces: no glyph of their own needed
    missing = unshaped = either = 0
    for row in rows:
        name = row["name"]
        lacks = any(ord(char) not in covered and unicodedata.category(char) not in invisible for char in name)
        needs = any(unicodedata.name(char, "").startswith(NEEDS_SHAPING) for char in name)
        missing += lacks
        unshaped += needs
        either += lacks or needs
    return {"names_missing_glyphs": missing, "names_unshaped": unshaped, "names_wrong": either}


# Checks ---------------------------------------------------------------------------------------


def page_count(pdf: Path) -> int | None:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    return int(match.group(1)) if match else None


def squeezed(text: str) -> str:
    """Text to compare: compatibility forms folded (Arabic presentation forms), without spaces,
    hyphens (pdftotext joins a word hyphenated at a line's end) or format characters (it wraps
    right-to-left lines in U+202B ... U+202C)."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(
        char for char in folded if not char.isspace() and unicodedata.category(char) not in ("Pd", "Cf")
    )


def spot_check(pdf: Path, rows: list[dict[str, str]]) -> dict[str, bool]:
    """For the first name in each non-Latin script of the issue (no emoji: not text to pdftotext),
    whether pdftotext finds it on its page."""
    found = {}
    for script in ISSUE15_OTHERS:
        index = next(
            (
                i
                for i, row in enumerate(rows)
                if script_of(row["name"]) == script
                and not any(unicodedata.category(char) == "So" for char in row["name"])
            ),
            None,
        )
        if index is None:
            continue
        page = str(index + 1)
        text = subprocess.run(
            ["pdftotext", "-f", page, "-l", page, str(pdf), "-"], capture_output=True, text=True, check=False
        ).stdout
        name = rows[index]["name"]
        found[f"{script}: {name}"] = squeezed(name) in squeezed(text)
    return found


# Report ---------------------------------------------------------------------------------------


def run_header(engine: Path) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    rsvg = subprocess.run(["rsvg-convert", "--version"], capture_output=True, text=True, check=True)
    versions = subprocess.run(
        [sys.executable, "-c", "import typst, reportlab; print(typst.__version__, reportlab.Version)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": models[0] if models else platform.processor(),
        "load_average_start": os.getloadavg(),
        "engine": f"{engine}: {code_version(engine)}",
        "names": names_source(),
        "seed": SEED,
        "command": " ".join(["python", "tests/benchmarks/bench_peers.py", *sys.argv[1:]]),
        "versions": {
            "python": platform.python_version(),
            "typst": versions[0],
            "reportlab": versions[1],
            "librsvg": rsvg.stdout.split()[-1],
        },
    }


def code_version(engine: Path) -> str:
    """The commit measured, and whether the engine's files differ from it: others edit them."""
    git = ["git", "-C", str(engine), "--no-optional-locks"]  # read-only: no index refresh
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run([*git, "status", "--porcelain", "--", "api"], capture_output=True, text=True)
    if commit.returncode:
        return "not a git checkout"
    state = "with uncommitted changes in api/" if changed.stdout.strip() else "api/ clean"
    return f"commit {commit.stdout.strip()}, {state}"


def names_source() -> str:
    path = "tests/data/realistic_names.py"
    if not (REPO / path).exists():
        return "built-in fallback list (tests/data/realistic_names.py is missing)"
    git = ["git", "-C", str(REPO), "--no-optional-locks"]
    tracked = subprocess.run([*git, "log", "--oneline", "-1", "--", path], capture_output=True, text=True)
    changed = subprocess.run([*git, "status", "--porcelain", "--", path], capture_output=True, text=True)
    if not tracked.stdout.strip():
        return f"{path} (not committed yet)"
    state = ", with uncommitted changes" if changed.stdout.strip() else ""
    return f"{path} at {tracked.stdout.split()[0]}{state}"


def print_header(header: dict[str, Any]) -> None:
    load = " ".join(f"{value:.2f}" for value in header["load_average_start"])
    versions = ", ".join(f"{name} {version}" for name, version in header["versions"].items())
    print(f"# Peers side by side, {header['date']}\n")
    print(f"Machine: nproc {header['cpus']}, {header['cpu_model']}; load average {load}")
    print(f"Engine: {header['engine']}")
    print(f"Names: {header['names']}, seed {SEED}")
    print(f"Versions: {versions}\n")


def ours_for(results: list[Measurement], result: Measurement) -> Measurement | None:
    """What a result is compared with: ours (CLI) at the same size, mix and QR setting."""
    key = ("ours", result.badges, result.mix, result.qr)
    return next((r for r in results if (r.tool, r.badges, r.mix, r.qr) == key), None)


def print_table(results: list[Measurement]) -> None:
    print(
        "\n| tool | badges | mix | QR | median s | badges/s | x ours | PDF MB | peak RSS MB | pages"
        " | names found |"
    )
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
    for result in results:
        ours = ours_for(results, result)
        ratio = f"{result.rate / ours.rate:.2f}" if ours is not None else "-"
        found = sum(result.spot_check.values())
        print(
            f"| {LABELS[result.tool]} | {result.badges:,} | {result.mix} | {'vCard' if result.qr else 'no'} |"
            f" {result.median:.2f} (of {len(result.seconds)}) | {result.rate:,.0f} | {ratio} |"
            f" {result.pdf_bytes / 1e6:.2f} | {max(result.peak_mb):.0f} | {result.pages} |"
            f" {found}/{len(result.spot_check)} |"
        )
    print(
        "\nx ours: the tool's badges/s over ours (CLI) at the same size, mix and QR setting (above 1: faster"
        " than ours). ours (render_pdf only) is the inner loop of the same CLI runs: start-up, CSV"
        " reading and template compiling left out. Typst has no QR rows (no QR package offline)."
    )
    print(
        "names found: pdftotext finds the first Arabic-script, Devanagari, CJK and Cyrillic name on its page."
    )
    for result in results:
        if result.tool == "reportlab" and not result.qr:
            notes = result.notes
            print(
                f"reportlab, {result.badges:,} {result.mix}: {notes['names_wrong']:,} names printed wrong"
                f" or blank ({notes['names_missing_glyphs']:,} with characters Noto Sans lacks,"
                f" {notes['names_unshaped']:,} in scripts that need shaping or right-to-left order)"
            )
    misses = [
        f"{LABELS[r.tool]} {r.badges:,} {r.mix}{' QR' if r.qr else ''}: {name}"
        for r in results
        for name, ok in r.spot_check.items()
        if not ok and r.tool != "ours-inner"
    ]
    if misses:
        print("Not found by pdftotext:\n" + "\n".join(f"- {miss}" for miss in misses))


def as_json(header: dict[str, Any], results: list[Measurement]) -> dict[str, Any]:
    rows = []
    for result in results:
        ours = ours_for(results, result)
        row = asdict(result)
        row.update(
            label=LABELS[result.tool],
            median_seconds=result.median,
            badges_per_second=result.rate,
            ratio_to_ours=result.rate / ours.rate if ours is not None else None,
            pdf_mb=result.pdf_bytes / 1e6,
            peak_rss_mb=max(result.peak_mb),
        )
        rows.append(row)
    return {**header, "results": rows}


if __name__ == "__main__":
    main()
