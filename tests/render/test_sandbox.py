"""Rendering in a limited child process: bombs fail fast with a reason, the caller carries on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from api.render.attendees import read_attendees
from api.render.errors import LimitExceededError, RenderInputError
from api.render.sandbox import RenderTask, SandboxLimits, check_template, run_limited, run_render

CLASSIC = Path(__file__).resolve().parents[2] / "api" / "render" / "templates" / "classic.svg"

TILE_BOMB = b"""<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">
<defs><pattern id="p" width="100000" height="100000" patternUnits="userSpaceOnUse">
<rect width="100000" height="100000" fill="red"/></pattern></defs>
<rect width="105" height="148" fill="url(#p)"/><text x="10" y="10">{{name}}</text></svg>"""


def spin(report) -> None:
    """Burns CPU until the kernel stops it: deterministic, unlike a template that is merely slow."""
    while True:
        pass


def sleep_for(report, seconds: float) -> str:
    time.sleep(seconds)
    return "woke up"


def test_a_template_is_checked_in_a_child_and_its_fields_reported():
    summary = check_template(CLASSIC.read_bytes())

    assert summary["fields"] == ["event", "name", "organization", "role"]
    assert summary["has_qr"] is True


def test_a_memory_bomb_fails_with_a_reason_within_seconds():
    started = time.monotonic()

    with pytest.raises(RenderInputError, match="memory"):
        check_template(TILE_BOMB, SandboxLimits(memory_bytes=1024**3, wall_seconds=30))

    assert time.monotonic() - started < 20


def test_a_cpu_bomb_is_stopped_by_the_cpu_limit():
    started = time.monotonic()

    with pytest.raises(LimitExceededError, match="CPU"):
        run_limited(spin, limits=SandboxLimits(cpu_seconds=1, wall_seconds=60))

    # The kernel's RLIMIT_CPU stopped it, long before the wall clock would have.
    assert time.monotonic() - started < 30


def test_a_child_that_hangs_is_killed_at_the_wall_clock_limit():
    started = time.monotonic()

    with pytest.raises(LimitExceededError, match="longer than 1 seconds"):
        run_limited(sleep_for, 30, limits=SandboxLimits(wall_seconds=1))

    assert time.monotonic() - started < 10


def task_for(shared_data: Path, output: Path, rows: int) -> RenderTask:
    table = read_attendees((shared_data / "attendees-10k.csv").read_bytes())
    return RenderTask(
        template_svg=None,
        template_id="classic",
        options={"name": "FOSSASIA Summit 2026", "sheet": "a4-2x2"},
        rows=list(table.rows[:rows]),
        columns=list(table.columns),
        output_path=str(output),
    )


def test_a_job_renders_in_a_child_and_reports_progress(tmp_path, shared_data):
    progress: list[int] = []
    output = tmp_path / "job.pdf"

    summary = run_render(task_for(shared_data, output, 250), on_progress=progress.append)

    assert (summary.badges, summary.pages) == (250, 63)
    assert progress == [100, 200, 250]
    assert output.read_bytes().startswith(b"%PDF")


def test_output_past_the_size_limit_stops_the_child(tmp_path, shared_data):
    output = tmp_path / "big.pdf"

    with pytest.raises(LimitExceededError, match="output grew past 60000 bytes"):
        run_render(task_for(shared_data, output, 400), SandboxLimits(output_bytes=60_000))

    assert os.path.getsize(output) <= 60_000


def test_bad_options_are_refused_with_their_location(tmp_path, shared_data):
    task = task_for(shared_data, tmp_path / "x.pdf", 5)
    task = RenderTask(**{**task.__dict__, "options": {"sheet": "a4-9x9"}})

    with pytest.raises(RenderInputError) as refused:
        run_render(task)

    assert refused.value.location == "sheet"
