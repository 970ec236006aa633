"""Progress of a long render on a terminal: one bar redrawn in place, with rate and time left.
(The CLI's plain lines in a log, and --quiet, are tested in test_cli.py.)"""

from __future__ import annotations

import io

from api.render.progress import ERASE_TO_END, Progress


def test_a_terminal_gets_one_bar_redrawn_in_place_ending_full():
    terminal = io.StringIO()
    progress = Progress(200, terminal, is_terminal=True)

    for index in range(200):
        progress.badge_done(index)
    progress.finish()

    shown = terminal.getvalue()
    assert shown.count("\n") == 1  # one line, kept after the end
    assert shown.endswith("\n")
    redraws = shown.rstrip("\n").split("\r")[1:]
    assert redraws[-1] == f"[{'#' * 30}] 200 of 200 badges (100%), " + redraws[-1].split("), ", 1)[1]
    assert all(draw.endswith(ERASE_TO_END) for draw in redraws)
    assert "left" in redraws[-1]


def test_time_left_reads_in_minutes_past_a_minute():
    progress = Progress(1000, io.StringIO(), is_terminal=False)
    progress.started -= 10.0  # 10 of 1,000 badges in 10 s: 990 s left

    assert progress.line(10, progress.started + 10.0).endswith("1 badges/s, 16 min 30 s left")
