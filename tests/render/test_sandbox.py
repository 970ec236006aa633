"""Rendering in a limited child process: bombs fail fast with a reason, the caller carries on."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.render.attendees import read_attendees
from api.render.errors import LimitExceededError, RenderInputError
from api.render.sandbox import RenderTask, SandboxLimits, check_template, run_limited, run_render

ROOT = Path(__file__).resolve().parents[2]
CLASSIC = ROOT / "api" / "render" / "templates" / "classic.svg"

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


def tell_pid_and_sleep(report, seconds: float) -> None:
    report(os.getpid())
    time.sleep(seconds)


# A service process that starts a render child and prints the child's pid once it runs.
PARENT = """
from api.render.sandbox import SandboxLimits, run_limited
from tests.render.test_sandbox import tell_pid_and_sleep

def tell(pid):
    print(pid, flush=True)  # stdout is a pipe: block-buffered unless flushed


run_limited(tell_pid_and_sleep, 600, limits=SandboxLimits(wall_seconds=900), on_progress=tell)
"""


def process_start(pid: int) -> str | None:
    """The start time of a running process, from /proc; None once it has exited (or is a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    # Fields after the command name, which may hold spaces: state is field 3, starttime field 22.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in "ZX" else fields[19]


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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_child_dies_when_its_parent_is_killed(tmp_path):
    errors = tmp_path / "parent-stderr.txt"
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as parent,
    ):
        assert parent.stdout is not None
        child = started = None
        try:
            ready, _, _ = select.select([parent.stdout], [], [], 60)
            assert ready, errors.read_text()
            child = int(parent.stdout.readline())
            started = process_start(child)
            assert started is not None  # the child runs and has had time to arm its signal

            # SIGKILL: no atexit, no multiprocessing clean-up; only the kernel can end the child.
            parent.send_signal(signal.SIGKILL)
            parent.wait()

            deadline = time.monotonic() + 30
            while process_start(child) == started and time.monotonic() < deadline:
                time.sleep(0.1)
            # Gone, a zombie, or the pid taken by another process: either way not our child.
            assert process_start(child) != started
        finally:
            # Should this fail, do not leave a sleeper behind for ten minutes.
            if child is not None and process_start(child) == started:
                os.kill(child, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_a_child_whose_parent_died_before_it_armed_the_signal_stops_at_once():
    # The parent passes its pid; a child that finds another parent was orphaned before prctl.
    script = (
        "import os; from api.render.sandbox import _die_with_parent;"
        " _die_with_parent(os.getppid()); print('kept', flush=True);"
        " _die_with_parent(os.getppid() + 1); print('kept again')"
    )

    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert (finished.returncode, finished.stdout) == (1, "kept\n")


def test_on_wait_is_called_while_the_child_works_without_reporting():
    waits: list[float] = []

    result = run_limited(
        sleep_for, 1.6, limits=SandboxLimits(wall_seconds=30), on_wait=lambda: waits.append(1)
    )

    assert result == "woke up"
    assert len(waits) >= 3  # at least every half second


def test_an_exception_from_on_wait_stops_the_child():
    def give_up() -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_limited(sleep_for, 30, limits=SandboxLimits(wall_seconds=60), on_wait=give_up)

    assert time.monotonic() - started < 20
