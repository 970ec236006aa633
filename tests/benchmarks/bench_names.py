"""How many of 10,000 realistic unique names each built-in template cuts, and what fitting costs.

    .venv/bin/python tests/benchmarks/bench_names.py [--count 10000] [--seed 10]

Renders tests/data/realistic_names.py's attendees through make_plan and render_pdf, one badge per
page, and counts what the engine placed: names ellipsized, names by number of lines, names below
the template's minimum size; Pango layouts made per badge (all four fields; texts that repeat,
such as the event name, are laid out once per job) and the wall-clock time.
"""

from __future__ import annotations

import argparse
import collections
import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a script

from api.render.builtin import BUILT_IN, built_in_template, make_plan  # noqa: E402
from api.render.document import render_pdf  # noqa: E402
from api.render.text import PlacedText, TextPainter, clean_text  # noqa: E402
from tests.data.realistic_names import realistic_attendees  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    rows = realistic_attendees(args.count, args.seed)
    names = {clean_text(row["name"]) for row in rows}
    drawn: list[PlacedText] = []
    layouts = [0]
    prepare, layout = TextPainter.prepare, TextPainter.layout

    def recording(self, *call):
        prepared = prepare(self, *call)
        drawn.append(prepared.placed)
        return prepared

    def counting(self, *call):
        layouts[0] += 1
        return layout(self, *call)

    TextPainter.prepare, TextPainter.layout = recording, counting
    print(f"{args.count:,} names, seed {args.seed}")
    for template_id in BUILT_IN:
        template = built_in_template(template_id)
        plan = make_plan(template, {"name": "FOSSASIA Summit 2026"}, columns_available=list(rows[0]))
        drawn.clear()
        layouts[0] = 0
        started = time.perf_counter()
        render_pdf(plan, rows, io.BytesIO())
        elapsed = time.perf_counter() - started
        placed = {text.text: text for text in drawn if text.text in names}
        field = next(field for field in template.fields if field.placeholders == ("name",))
        minimum = field.fit.minimum(field.style.size)
        cut = sorted(text for text, result in placed.items() if result.ellipsized)
        lines = collections.Counter(result.lines for result in placed.values())
        below = sum(result.size < minimum - 1e-6 for result in placed.values())
        print(
            f"{template_id:10} ellipsized {len(cut)} ({100 * len(cut) / args.count:.2f}%)"
            f"  lines {dict(sorted(lines.items()))}  below the minimum {below}"
            f"  layouts/badge {layouts[0] / args.count:.2f}  {elapsed:.1f} s"
        )
        for text in cut[:5]:
            print(f"    cut: {text}")


if __name__ == "__main__":
    main()
