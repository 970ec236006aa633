"""Benchmark: text layouts per second, Latin-only names against names in other scripts and emoji.

    .venv/bin/python tests/benchmarks/bench_text.py [--rounds 5]

Run it with PYTHONPATH pointing at another checkout (e.g. `git worktree add /tmp/before HEAD~1`)
to compare: it uses only TextPainter.layout and TextPainter.measure. "layouts" is one Pango layout
(what fitting repeats); "placed" is `measure` with no box: one layout and what was placed (unknown
glyphs, the fonts that drew); "fits" is `measure` in a box most names must shrink to. The names
are tests/data/attendees-10k.csv and attendees-multiscript.csv: the Latin-only ones (the fast
path) and the rest. Best of `--rounds` in CPU time of this process (the machines are shared),
reported, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

import cairocffi

from api.render.text import FitRule, TextPainter, TextStyle

DATA = Path(__file__).resolve().parents[1] / "data" / "attendees-10k.csv"
MULTISCRIPT = Path(__file__).resolve().parents[1] / "data" / "attendees-multiscript.csv"


def names() -> tuple[list[str], list[str]]:
    with DATA.open(encoding="utf-8") as handle:
        rows = [row["name"] for row in csv.DictReader(handle)]
    with MULTISCRIPT.open(encoding="utf-8") as handle:
        rows += [row["name"] for row in csv.DictReader(handle)]
    latin = [name for name in rows if all(ord(character) < 0x0590 for character in name)]
    other = [name for name in rows if name not in set(latin)]
    return latin, other


def rate(run: Callable[[str], object], texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for text in texts:
            run(text)
        best = min(best, time.process_time() - start)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    latin, other = names()
    painter = TextPainter(cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 8, 8)))
    for family in ("Noto Sans", "DejaVu Sans"):
        style = TextStyle(family=family, size=24)
        fit = FitRule(max_width=120)  # most names shrink: a fit is several layouts
        for label, texts in (("latin", latin), ("other scripts", other)):
            layouts = rate(lambda text: painter.layout(text, style, 24).width, texts, args.rounds)  # noqa: B023
            placed = rate(lambda text: painter.measure(text, style, FitRule()), texts, args.rounds)  # noqa: B023
            fits = rate(lambda text: painter.measure(text, style, fit), texts, args.rounds)  # noqa: B023
            print(
                f"{family:12} {label:14} {len(texts):5} names: {layouts:7.0f} layouts/s "
                f"{placed:7.0f} placed/s {fits:6.0f} fits/s"
            )


if __name__ == "__main__":
    main()
