"""Badge rendering benchmark: our engine against rsvg-convert and Badgeyay's CairoSVG + pypdf.

    .venv/bin/python tests/benchmarks/bench_render.py [--sizes 1000,10000] [--repeat N]
    .venv/bin/python tests/benchmarks/bench_render.py --profile photo   # cProfile, 1,000 badges

The built-in "classic" template (A6, one badge per page) on tests/data/attendees-10k.csv,
text only and over a generated ~1 MB JPEG photo. Every measurement runs in a fresh child process
and its peak RSS is that child's alone (GNU time's "%M"). What the clock covers:
- ours: compile the template, make the plan (decodes the photo), render_pdf; not the CSV reading;
- rsvg-convert: the whole process; the SVG files (and the photo beside them) are written first;
- Badgeyay: per badge, fill in the SVG, cairosvg.svg2pdf, append the page with pypdf; then write.
MB means 10^6 bytes throughout.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[2]
# Run as a script, so the repository root is not on the path yet.
sys.path.insert(0, str(REPO))

import cairocffi  # noqa: E402
import cairosvg  # noqa: E402
import pypdf  # noqa: E402
from PIL import Image  # noqa: E402

from api.render import pango  # noqa: E402
from api.render.attendees import read_attendees  # noqa: E402
from api.render.builtin import built_in_template, make_plan  # noqa: E402
from api.render.document import render_pdf  # noqa: E402
from tests.benchmarks.measure import run_measured  # noqa: E402

ATTENDEES = Path(__file__).resolve().parents[1] / "data" / "attendees-10k.csv"
TEMPLATE_SVG = REPO / "api" / "render" / "templates" / "classic.svg"
EVENT = "FOSSASIA Summit 2026"
PHOTO_SIZE = (2000, 2800)
PHOTO_TARGET_BYTES = 1_000_000
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# The photo goes first in the SVG, under everything else, as our engine paints it under the
# template; "slice" is the SVG spelling of the engine's default "cover" fit. (classic.svg's first
# element is an opaque white rectangle the size of the badge, so all three approaches hide it.)
IMAGE_ELEMENT = (
    '<image x="0" y="0" width="105" height="148" preserveAspectRatio="xMidYMid slice" href="{href}"/>'
)
# The slow approaches stop at these sizes: rsvg-convert and CairoSVG embed the decoded photo as
# Flate-compressed pixels on every page (~14 MB a page with this photo), and Badgeyay's way also
# holds every page in memory until pypdf writes the file.
LIMITS = {("rsvg", "photo"): 1000, ("badgeyay", "none"): 1000, ("badgeyay", "photo"): 100}
APPROACH_NAMES = {
    "ours": "ours (render_pdf)",
    "rsvg": "rsvg-convert",
    "badgeyay": "Badgeyay (cairosvg + pypdf)",
}


@dataclass
class Measurement:
    approach: str
    badges: int
    background: str  # "none" or "photo"
    seconds: list[float] = field(default_factory=list)
    pdf_bytes: int = 0
    peak_mb: float = 0.0

    @property
    def rate(self) -> float:
        return self.badges / statistics.median(self.seconds)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="badge counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement of the fast ones")
    parser.add_argument("--slow-repeat", type=int, default=1, help="runs of rsvg+photo and Badgeyay")
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "bench_render", help="work directory"
    )
    parser.add_argument("--profile", choices=["none", "photo"], help="cProfile ours on 1,000 badges")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # JSON job for a child process
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # the table as it comes
    if args.worker:
        print(json.dumps({"seconds": run_worker(json.loads(args.worker))}))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    photo, quality = make_photo(args.out / "photo.jpg")
    if args.profile:
        profile_ours(1000, photo if args.profile == "photo" else None, args.out)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    print_header(photo, quality)
    results = measure_all(sizes, photo, args)
    print_table(results)
    print_ratios(results)
    print_targets(results)
    print(f"\nLoad average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


def measure_all(sizes: list[int], photo: Path, args: argparse.Namespace) -> list[Measurement]:
    results = []
    for background in ("none", "photo"):
        image = photo if background == "photo" else None
        for size in sizes:
            results.append(measure_ours(size, image, args.repeat, args.out))
            if size <= LIMITS.get(("rsvg", background), size):
                repeat = args.slow_repeat if image else args.repeat
                results.append(measure_rsvg(size, image, repeat, args.out))
        slow = min(LIMITS[("badgeyay", background)], max(sizes))
        results.append(measure_badgeyay(slow, image, args.slow_repeat, args.out))
    return results


# Inputs ---------------------------------------------------------------------------------------


def make_photo(path: Path) -> tuple[Path, int]:
    """A deterministic photo-like JPEG: smooth colour fields plus grain, quality tuned to ~1 MB."""
    rng = random.Random(2026)
    width, height = PHOTO_SIZE
    # A few random colours blown up bicubically look like an out-of-focus scene; finer detail and
    # grain give the JPEG encoder something to spend bytes on, as a real photo does.
    coarse = Image.frombytes("RGB", (5, 7), rng.randbytes(5 * 7 * 3)).resize(PHOTO_SIZE, Image.BICUBIC)
    detail = Image.frombytes("RGB", (100, 140), rng.randbytes(100 * 140 * 3)).resize(
        PHOTO_SIZE, Image.BICUBIC
    )
    grain = Image.frombytes("L", PHOTO_SIZE, rng.randbytes(width * height)).convert("RGB")
    image = Image.blend(Image.blend(coarse, detail, 0.15), grain, 0.06)
    # Size grows with quality: bisect for the last quality under the target, then take it or the
    # next one, whichever lands nearer.
    low, high = 5, 94
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if len(jpeg(image, middle)) <= PHOTO_TARGET_BYTES else (low, middle - 1)
    best = min((low, low + 1), key=lambda quality: abs(len(jpeg(image, quality)) - PHOTO_TARGET_BYTES))
    path.write_bytes(jpeg(image, best))
    return path, best


def jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def attendee_rows(count: int) -> tuple[list[str], tuple[dict[str, str], ...]]:
    table = read_attendees(ATTENDEES.read_bytes())
    if count > len(table.rows):
        raise SystemExit(f"{ATTENDEES} has only {len(table.rows)} attendees, not {count}")
    return list(table.columns), table.rows[:count]


def badge_svg(template: str, row: dict[str, str], image_href: str | None) -> str:
    """One standalone badge: classic.svg with the attendee's escaped values in its placeholders."""
    values = {**row, "event": EVENT}
    svg = PLACEHOLDER.sub(lambda match: escape(values.get(match.group(1), "")), template)
    if image_href is None:
        return svg
    image = IMAGE_ELEMENT.format(href=image_href)
    return re.sub(r"(<svg\b[^>]*>)", lambda match: match.group(1) + image, svg, count=1)


def write_svgs(directory: Path, count: int, photo: Path | None) -> list[str]:
    """The badge files for rsvg-convert; the photo sits beside them, since librsvg only loads
    files from the SVG's own directory or below."""
    directory.mkdir(parents=True, exist_ok=True)
    template = TEMPLATE_SVG.read_text()
    href = None
    if photo is not None:
        (directory / photo.name).write_bytes(photo.read_bytes())
        href = photo.name
    names = []
    for index, row in enumerate(attendee_rows(count)[1], start=1):
        name = f"badge-{index:05d}.svg"
        (directory / name).write_text(badge_svg(template, row, href))
        names.append(name)
    return names


# Measuring in child processes -----------------------------------------------------------------


def measure_in_worker(approach: str, count: int, photo: Path | None, repeat: int, out: Path) -> Measurement:
    background = "photo" if photo else "none"
    pdf = out / f"{approach}-{background}-{count}.pdf"
    job = {"approach": approach, "count": count, "photo": str(photo) if photo else None, "pdf": str(pdf)}
    result = Measurement(approach, count, background)
    for _ in range(repeat):
        _, peak_mb, text = run_measured([sys.executable, __file__, "--worker", json.dumps(job)])
        # The child times its own work, leaving out interpreter start-up, imports and the CSV.
        result.seconds.append(json.loads(text.strip().splitlines()[-1])["seconds"])
        result.peak_mb = max(result.peak_mb, peak_mb)
    result.pdf_bytes = pdf.stat().st_size
    progress(result)
    return result


def measure_ours(count: int, photo: Path | None, repeat: int, out: Path) -> Measurement:
    return measure_in_worker("ours", count, photo, repeat, out)


def measure_badgeyay(count: int, photo: Path | None, repeat: int, out: Path) -> Measurement:
    return measure_in_worker("badgeyay", count, photo, repeat, out)


def measure_rsvg(count: int, photo: Path | None, repeat: int, out: Path) -> Measurement:
    background = "photo" if photo else "none"
    directory = out / f"svg-{background}-{count}"
    names = write_svgs(directory, count, photo)
    argument_bytes = sum(len(name) + 1 for name in names)
    if argument_bytes > os.sysconf("SC_ARG_MAX") // 2:
        raise SystemExit(f"{argument_bytes} bytes of file names: too long for one rsvg-convert call")
    pdf = out / f"rsvg-{background}-{count}.pdf"
    result = Measurement("rsvg", count, background)
    for _ in range(repeat):
        seconds, peak_mb, _ = run_measured(["rsvg-convert", "-f", "pdf", "-o", str(pdf), *names], directory)
        result.seconds.append(seconds)
        result.peak_mb = max(result.peak_mb, peak_mb)
    result.pdf_bytes = pdf.stat().st_size
    progress(result)
    return result


def progress(result: Measurement) -> None:
    runs = ", ".join(f"{seconds:.2f}" for seconds in result.seconds)
    print(f"  measured {result.approach} {result.badges} {result.background}: {runs} s", file=sys.stderr)


# Worker side: what runs inside the measured child ----------------------------------------------


def run_worker(job: dict[str, object]) -> float:
    photo = Path(str(job["photo"])) if job["photo"] else None
    count = int(str(job["count"]))
    if job["approach"] == "ours":
        return run_ours(count, photo, Path(str(job["pdf"])))
    return run_badgeyay(count, photo, Path(str(job["pdf"])))


def run_ours(count: int, photo: Path | None, pdf: Path) -> float:
    columns, rows = attendee_rows(count)
    background = photo.read_bytes() if photo else None
    start = time.perf_counter()
    render_job(columns, rows, background, pdf)
    return time.perf_counter() - start


def render_job(
    columns: list[str], rows: Sequence[dict[str, str]], background: bytes | None, pdf: Path
) -> None:
    """What a badge job does once it has the attendees: the part that is timed and profiled."""
    template = built_in_template("classic")
    options = {"name": EVENT, "sheet": "one-per-page"}
    plan = make_plan(template, options, columns_available=columns, background=background)
    render_pdf(plan, rows, str(pdf))


def run_badgeyay(count: int, photo: Path | None, pdf: Path) -> float:
    """Badgeyay's way: one PDF per badge from CairoSVG, merged page by page with pypdf."""
    _, rows = attendee_rows(count)
    template = TEMPLATE_SVG.read_text()
    # Badgeyay embedded uploaded backgrounds as data: URIs, and CairoSVG loads nothing else here.
    href = "data:image/jpeg;base64," + base64.b64encode(photo.read_bytes()).decode() if photo else None
    start = time.perf_counter()
    writer = pypdf.PdfWriter()
    for row in rows:
        page = cairosvg.svg2pdf(bytestring=badge_svg(template, row, href).encode())
        writer.append(pypdf.PdfReader(io.BytesIO(page)))
    with pdf.open("wb") as output:
        writer.write(output)
    return time.perf_counter() - start


def profile_ours(count: int, photo: Path | None, out: Path) -> None:
    columns, rows = attendee_rows(count)
    background = photo.read_bytes() if photo else None
    profiler = cProfile.Profile()
    profiler.runcall(render_job, columns, rows, background, out / "profile.pdf")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(10)


# Report ---------------------------------------------------------------------------------------


def print_header(photo: Path, quality: int) -> None:
    rsvg_version = subprocess.run(["rsvg-convert", "--version"], capture_output=True, text=True, check=True)
    print(f"# Badge rendering benchmark, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n")
    print(f"Machine: {machine()}")
    print(f"Code: {code_version()}")
    print(
        f"Versions: cairo {cairocffi.cairo_version_string()}, pango {pango.version()},"
        f" librsvg {rsvg_version.stdout.split()[-1]}, CairoSVG {cairosvg.__version__},"
        f" pypdf {pypdf.__version__}, Python {platform.python_version()}"
    )
    width, height = PHOTO_SIZE
    print(f"Photo: {photo}, {width}x{height} JPEG quality {quality}, {photo.stat().st_size:,} bytes\n")


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    cpus = len(os.sched_getaffinity(0))
    return f"nproc {cpus}, {models[0] if models else platform.processor()}; load average {load}"


def code_version() -> str:
    """The commit measured, and whether the engine's files differ from it: others edit them."""
    git = ["git", "-C", str(REPO), "--no-optional-locks"]  # read-only: no index refresh
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "api/render"], capture_output=True, text=True
    )
    if commit.returncode:
        return "not a git checkout"
    state = "with uncommitted changes in api/render" if changed.stdout.strip() else "api/render clean"
    return f"commit {commit.stdout.strip()}, {state}"


def print_table(results: list[Measurement]) -> None:
    print("| approach | badges | background | badges/s | PDF size | peak memory |")
    print("|---|---:|---|---:|---:|---:|")
    for result in results:
        runs = f"median of {len(result.seconds)}" if len(result.seconds) > 1 else "1 run"
        print(
            f"| {APPROACH_NAMES[result.approach]} | {result.badges:,} | {result.background} |"
            f" {result.rate:,.1f} ({runs}) | {result.pdf_bytes / 1e6:,.2f} MB | {result.peak_mb:,.0f} MB |"
        )
    skipped = [
        f"{APPROACH_NAMES[approach]} with background {background} above {limit:,} badges"
        for (approach, background), limit in LIMITS.items()
    ]
    print(
        "\nrsvg-convert got every badge file in one call (no batches)."
        f" Not run, by design: {'; '.join(skipped)}. Nothing is extrapolated."
    )


def find(results: list[Measurement], approach: str, badges: int, background: str) -> Measurement | None:
    key = (approach, badges, background)
    return next((r for r in results if (r.approach, r.badges, r.background) == key), None)


def pairs(results: list[Measurement]) -> list[tuple[Measurement, Measurement]]:
    """(ours, rsvg) measured at the same size and background."""
    found = [(r, find(results, "rsvg", r.badges, r.background)) for r in results if r.approach == "ours"]
    return [(ours, rsvg) for ours, rsvg in found if rsvg is not None]


def print_ratios(results: list[Measurement]) -> None:
    print("\nOurs / rsvg-convert:")
    for ours, rsvg in pairs(results):
        size = ours.pdf_bytes / rsvg.pdf_bytes
        # rsvg-convert's photo PDFs are thousands of times larger: say by how much, not "0.000x".
        size_text = f"{size:.3f}x" if size >= 0.01 else f"1/{1 / size:,.0f}"
        print(
            f"- {ours.badges:,} badges, background {ours.background}: throughput"
            f" {ours.rate / rsvg.rate:,.1f}x, PDF size {size_text}"
        )


def target_checks(results: list[Measurement]) -> list[tuple[bool, str]]:
    """The issue's targets, each as (met, what was measured)."""
    checks = []
    for ours, rsvg in pairs(results):
        speed, size = ours.rate / rsvg.rate, ours.pdf_bytes / rsvg.pdf_bytes
        where = f"{ours.badges:,} badges, background {ours.background}"
        if ours.background == "none":
            checks.append((speed >= 5, f"throughput >= 5x rsvg-convert's, {where}: {speed:.1f}x"))
            checks.append((size <= 1.2, f"PDF <= 1.2x rsvg-convert's, {where}: {size:.3f}x"))
        else:
            checks.append((speed >= 100, f"throughput >= 100x rsvg-convert's, {where}: {speed:.1f}x"))
    photo = find(results, "ours", 1000, "photo")
    if photo is not None:
        megabytes = photo.pdf_bytes / 1e6
        checks.append((megabytes < 5, f"PDF < 5 MB, 1,000 badges, background photo: {megabytes:.2f} MB"))
    for ours in results:
        if ours.approach == "ours" and ours.badges == 10_000:
            where = f"10,000 badges, background {ours.background}"
            checks.append((ours.peak_mb < 200, f"peak memory < 200 MB, {where}: {ours.peak_mb:.0f} MB"))
    return checks


def print_targets(results: list[Measurement]) -> None:
    print("\nTargets:")
    checks = target_checks(results)
    for met, text in checks:
        print(f"- {'PASS' if met else 'MISS'}: {text}")
    if not checks:
        print("- nothing to compare: measure ours and rsvg-convert at the same sizes")


if __name__ == "__main__":
    main()
