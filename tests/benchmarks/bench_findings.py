"""Benchmark: what the proof report costs a render, in time and in memory.

    .venv/bin/python tests/benchmarks/bench_findings.py [--badges 10000] [--template classic]

Time: render_pdf on tests/data/attendees-10k.csv (realistic unique names, four to an A4 page, a
QR code each), with the CPU time spent in BadgeChecker.findings measured apart. Memory: a
FindingsTally fed 100,000 badges that each have findings of their own (nothing shared, the worst
case), measured with tracemalloc. Reported, never asserted: the machines are shared.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from api.render import document
from api.render.builtin import built_in_template, make_plan
from api.render.findings import BadgeFindings, Finding, FindingsTally
from api.render.text import PlacedText

DATA = Path(__file__).resolve().parents[1] / "data" / "attendees-10k.csv"


def render_cost(badges: int, template: str) -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:badges]
    options = {"sheet": "a4-2x2", "qr": {"field": "email", "kind": "plain"}, "name": "Summit 2026"}
    plan = make_plan(built_in_template(template), options, columns_available=list(rows[0]))
    spent = 0.0
    checked = document.BadgeChecker.findings

    def timed(
        self: document.BadgeChecker, placed: Sequence[tuple[str, PlacedText]], qr_modules: int | None
    ) -> tuple[Finding, ...]:
        nonlocal spent
        start = time.process_time()
        found = checked(self, placed, qr_modules)
        spent += time.process_time() - start
        return found

    document.BadgeChecker.findings = timed  # type: ignore[method-assign]
    start = time.process_time()
    result = document.render_pdf(plan, rows, io.BytesIO())
    total = time.process_time() - start
    document.BadgeChecker.findings = checked  # type: ignore[method-assign]
    found = {kind: count for kind, count in result.tally.count_by_kind().items() if count}
    print(
        f"{template}: {result.badges:,} badges in {total:.1f} s CPU; findings {spent * 1000:.0f} ms"
        f" ({spent / total:.2%}, {spent / result.badges * 1e6:.0f} µs a badge); {found},"
        f" {result.tally.flagged:,} flagged"
    )


def tally_memory(badges: int = 100_000) -> None:
    tracemalloc.start()
    tally = FindingsTally()
    for index in range(badges):
        size = round(10 + (index % 997) / 100, 2)
        findings: tuple[Finding, ...] = (
            Finding("shrunk", f"shrunk to {size:g} pt (from 36.9 pt) to fit", field="name", size_pt=size),
        )
        if index % 3 == 0:
            message = f"wrapped to 2 lines at {size:g} pt"
            findings += (Finding("wrapped", message, field="name", size_pt=size, lines=2),)
        tally.add(BadgeFindings(index + 2, index // 4 + 1, index % 4 + 1, findings))
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"tally of {badges:,} badges with findings: {len(tally.badges):,} kept in detail,"
        f" {tally.omitted:,} counted only; {current / 1e6:.1f} MB held, peak {peak / 1e6:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--badges", type=int, default=10_000)
    parser.add_argument("--template", default="classic")
    args = parser.parse_args()
    render_cost(args.badges, args.template)
    tally_memory()


if __name__ == "__main__":
    main()
