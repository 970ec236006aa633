"""1,000 badges with 1,000 distinct photos: the whole CLI process, and the render alone.

    .venv/bin/python -m tests.benchmarks.bench_photos [--badges 1000] [--dir DIR]

The photos are made once per directory (deterministic 1200 x 1600 JPEGs of noisy gradients,
about 270 KB each) and zipped stored, as phones' JPEGs compress no further.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from api.render.builtin import built_in_template, make_plan
from api.render.document import render_pdf
from api.render.options import BadgeOptions
from api.render.photo_archive import PhotoArchive
from tests.data.realistic_names import realistic_attendees
from tests.support.photos import gradient_jpeg

ROOT = Path(__file__).resolve().parents[2]


def make_inputs(folder: Path, badges: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    photos, csv = folder / f"photos-{badges}.zip", folder / f"people-{badges}.csv"
    if not photos.exists():
        with zipfile.ZipFile(photos, "w", zipfile.ZIP_STORED) as archive:
            for index in range(badges):
                archive.writestr(f"p{index:05d}.jpg", gradient_jpeg(index))
    rows = realistic_attendees(badges, seed=5)
    lines = ["name,organization,photo"]
    for index, row in enumerate(rows):
        name, organization = (row[key].replace('"', "'") for key in ("name", "organization"))
        lines.append(f'"{name}","{organization}",p{index:05d}')
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return photos, csv


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--badges", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "photo-bench")
    args = parser.parse_args()
    photos, csv = make_inputs(args.dir, args.badges)
    print(f"photos: {photos.stat().st_size / 1e6:.1f} MB zip of {args.badges} JPEGs")

    output = args.dir / "cli.pdf"
    command = [sys.executable, str(ROOT / "manage.py"), "badges", "render", str(csv), "--template", "photo"]
    command += ["--photos", str(photos), "-o", str(output), "-q", "--processes", "1"]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    whole = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"CLI, whole process: {whole:.1f} s, PDF {output.stat().st_size / 1e6:.1f} MB, peak {peak:.0f} MB")

    with csv.open(encoding="utf-8") as file:
        header, *lines = file.read().splitlines()
    rows = [dict(zip(header.split(","), _cells(line), strict=True)) for line in lines]
    plan = make_plan(
        built_in_template("photo"),
        BadgeOptions(name="Bench"),
        columns_available=header.split(","),
        photos=PhotoArchive(str(photos)),
    )
    output = args.dir / "render.pdf"
    started = time.perf_counter()
    result = render_pdf(plan, rows, str(output))
    alone = time.perf_counter() - started
    print(
        f"render only: {alone:.1f} s ({result.badges / alone:.0f} badges/s),"
        f" PDF {output.stat().st_size / 1e6:.1f} MB, {len(result.tally.badges)} badges with findings"
    )


def _cells(line: str) -> list[str]:
    import csv as csv_module

    return next(csv_module.reader([line]))


if __name__ == "__main__":
    main()
