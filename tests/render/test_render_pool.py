"""The render pool: tasks run in warm workers under per-task limits; bombs fail fast with a reason,
the worker is replaced and the caller carries on."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.render import tasks
from api.render.attendees import read_attendees
from api.render.errors import LimitExceededError, RenderInputError
from api.render.limits import RenderLimits
from api.render.options import BadgeOptions, CustomSheet
from api.render.parallel import remove_parts
from api.render.pool import BATCH, RenderBusyError, RenderFailedError, RenderPool
from api.render.runtime import default_settings
from api.render.tasks import RenderTask
from api.render.worker import WorkerSettings

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


# A service process that runs a task in its render pool and prints the worker's pid once it runs.
PARENT = """
from api.render.limits import RenderLimits
from api.render.pool import PoolSettings, RenderPool
from tests.support.pool_tasks import tell_pid_and_sleep

def tell(pid):
    print(pid, flush=True)  # stdout is a pipe: block-buffered unless flushed


pool = RenderPool(PoolSettings(prestart=()))
pool.run(tell_pid_and_sleep, 600, limits=RenderLimits(wall_seconds=900), on_progress=tell)
"""


@pytest.fixture(scope="module")
def pool():
    """A pool of its own, so that the workers these tests kill are not the app's."""
    own = RenderPool(default_settings(interactive_workers=2, batch_workers=1))
    own.wait_ready()
    yield own
    own.shutdown()


def run_limited(pool, function, *args, limits, **callbacks):
    return pool.run(function, *args, limits=limits, **callbacks)


def check_template(pool, svg, limits=None):
    return pool.run(tasks.check_template, svg, 25_000_000, limits=limits or RenderLimits(20, 40))


def run_render(pool, task, limits=None, **callbacks):
    return pool.run(tasks.render_job, task, limits=limits or RenderLimits(), lane=BATCH, **callbacks)


def process_start(pid: int) -> str | None:
    """The start time of a running process, from /proc; None once it has exited (or is a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    # Fields after the command name, which may hold spaces: state is field 3, starttime field 22.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in "ZX" else fields[19]


def test_a_template_is_checked_in_a_worker_and_its_fields_reported(pool):
    summary = check_template(pool, CLASSIC.read_bytes())

    assert summary["fields"] == ["event", "name", "organization", "role"]
    assert summary["has_qr"] is True


def test_a_memory_bomb_fails_with_a_reason_within_seconds(pool):
    started = time.monotonic()

    with pytest.raises(RenderInputError, match="memory"):
        check_template(pool, TILE_BOMB, RenderLimits(memory_bytes=1024**3, wall_seconds=30))

    assert time.monotonic() - started < 20


def test_a_cpu_bomb_is_stopped_by_the_cpu_limit(pool):
    started = time.monotonic()

    with pytest.raises(LimitExceededError, match="CPU"):
        run_limited(pool, spin, limits=RenderLimits(cpu_seconds=1, wall_seconds=60))

    # The kernel's RLIMIT_CPU stopped it, long before the wall clock would have.
    assert time.monotonic() - started < 30


def test_a_worker_that_hangs_is_killed_at_the_wall_clock_limit(pool):
    started = time.monotonic()

    with pytest.raises(LimitExceededError, match="longer than 1 seconds"):
        run_limited(pool, sleep_for, 30, limits=RenderLimits(wall_seconds=1))

    assert time.monotonic() - started < 10


def task_for(shared_data: Path, output: Path, rows: int) -> RenderTask:
    table = read_attendees((shared_data / "attendees-10k.csv").read_bytes())
    return RenderTask(
        template_svg=None,
        template_id="classic",
        options=BadgeOptions(name="FOSSASIA Summit 2026", sheet="a4-2x2"),
        rows=list(table.rows[:rows]),
        columns=list(table.columns),
        output_path=str(output),
    )


def test_a_job_renders_in_a_worker_and_reports_progress(pool, tmp_path, shared_data):
    progress: list[int] = []
    output = tmp_path / "job.pdf"

    summary = run_render(pool, task_for(shared_data, output, 250), on_progress=progress.append)

    assert (summary.badges, summary.pages) == (250, 63)
    # Every 100 badges, and more often when badges are slow (a busy machine): always rising.
    assert {100, 200} <= set(progress)
    assert progress == sorted(set(progress))
    assert progress[-1] == 250
    assert output.read_bytes().startswith(b"%PDF")


def test_slow_badges_still_report_progress_within_the_interval(tmp_path, shared_data, monkeypatch):
    # In this process, not a worker: REPORT_EVERY_SECONDS at 0 stands for badges slower than it.
    monkeypatch.setattr(tasks, "REPORT_EVERY_SECONDS", 0.0)
    progress: list[int] = []

    tasks.render_job(progress.append, task_for(shared_data, tmp_path / "slow.pdf", 30))

    assert progress[:30] == list(range(1, 31))


def test_output_past_the_size_limit_stops_the_task(pool, tmp_path, shared_data):
    output = tmp_path / "big.pdf"

    with pytest.raises(LimitExceededError, match="output grew past 60000 bytes"):
        run_render(pool, task_for(shared_data, output, 400), RenderLimits(output_bytes=60_000))

    assert os.path.getsize(output) <= 60_000


def parts_task(output: Path, rows: int) -> RenderTask:
    """A job rendered in two processes side by side (api/render/parallel.py): unique names, so
    that every badge costs its own layout."""
    people = [
        {"name": f"Attendee {n} Lastname{n * 7919 % 100_003}", "organization": f"Org {n}"}
        for n in range(rows)
    ]
    return RenderTask(
        template_svg=None,
        template_id="classic",
        options=BadgeOptions(name="Summit", sheet="a4-2x2"),
        rows=people,
        columns=["name", "organization"],
        output_path=str(output),
        processes=2,
    )


def test_a_job_in_two_processes_is_held_to_the_output_limit(pool, tmp_path):
    output = tmp_path / "parts.pdf"

    with pytest.raises(LimitExceededError, match="output grew past 60000 bytes"):
        run_render(pool, parts_task(output, 2_400), RenderLimits(output_bytes=60_000))

    assert not list(tmp_path.glob(".parts.pdf.part-*")), "part files are removed"


def test_a_job_in_two_processes_is_held_to_the_cpu_limit(pool, tmp_path):
    started = time.monotonic()

    output = tmp_path / "parts.pdf"

    with pytest.raises(LimitExceededError, match="CPU"):
        run_render(pool, parts_task(output, 16_000), RenderLimits(cpu_seconds=1))

    assert time.monotonic() - started < 30
    # A worker stopped by its limit leaves its parts; they are named after the output, so the job
    # that owned it removes them (api.badges.worker).
    remove_parts(output)
    assert not list(tmp_path.iterdir())


def test_bad_options_are_refused_with_their_location(pool, tmp_path, shared_data):
    task = task_for(shared_data, tmp_path / "x.pdf", 5)
    task = RenderTask(**{**task.__dict__, "options": BadgeOptions(sheet=CustomSheet(columns=20))})

    with pytest.raises(RenderInputError) as refused:
        run_render(pool, task)

    assert refused.value.location == "sheet"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_worker_dies_when_its_owner_is_killed(tmp_path):
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
    # The owner passes its pid; a worker that finds another parent was orphaned before prctl.
    script = (
        "import os; from api.render.worker import die_with_owner;"
        " die_with_owner(os.getppid()); print('kept', flush=True);"
        " die_with_owner(os.getppid() + 1); print('kept again')"
    )

    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert (finished.returncode, finished.stdout) == (1, "kept\n")


def test_on_wait_is_called_while_the_worker_works_without_reporting(pool):
    waits: list[float] = []

    result = run_limited(
        pool, sleep_for, 1.6, limits=RenderLimits(wall_seconds=30), on_wait=lambda: waits.append(1)
    )

    assert result == "woke up"
    assert len(waits) >= 3  # at least every half second


def test_an_exception_from_on_wait_stops_the_task(pool):
    def give_up() -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_limited(pool, sleep_for, 30, limits=RenderLimits(wall_seconds=60), on_wait=give_up)

    assert time.monotonic() - started < 20


def allocate(report, megabytes: int) -> int:
    """Holds `megabytes` of memory at once, as a huge decoded image would."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def test_a_task_over_its_memory_limit_fails_alone_and_its_worker_is_replaced(pool):
    started = pool.stats()["started"]
    outcomes: dict[str, object] = {}

    def greedy() -> None:
        try:
            pool.run(allocate, 3000, limits=RenderLimits(memory_bytes=1024**3), user="greedy")
        except LimitExceededError as error:
            outcomes["greedy"] = error

    thread = threading.Thread(target=greedy)
    thread.start()
    # Meanwhile another user's task, in the other worker, is not disturbed.
    outcomes["modest"] = pool.run(allocate, 50, limits=RenderLimits(memory_bytes=1024**3), user="modest")
    thread.join(60)

    assert outcomes["modest"] == 50 * 1024 * 1024
    assert "memory" in str(outcomes["greedy"])
    # The worker that ran out of memory retired; the pool started another in its place.
    deadline = time.monotonic() + 30
    while pool.stats()["started"] == started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pool.stats()["started"] > started
    assert pool.run(allocate, 10, limits=RenderLimits(), user="greedy") == 10 * 1024 * 1024


def sleep_then(report, seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def test_one_users_long_renders_do_not_hold_up_another_users_render(pool):
    """Two workers, one per user at a time: user A's second render waits, user B's goes first."""
    finished: dict[str, float] = {}
    started = time.monotonic()

    def render(user: str, name: str, seconds: float) -> None:
        pool.run(sleep_then, seconds, name, limits=RenderLimits(wall_seconds=30), user=user)
        finished[name] = time.monotonic() - started

    threads = [threading.Thread(target=render, args=("a", "a1", 1.5))]
    threads[0].start()
    time.sleep(0.2)  # a1 holds a worker
    threads += [
        threading.Thread(target=render, args=("a", "a2", 0)),
        threading.Thread(target=render, args=("b", "b1", 0)),
    ]
    threads[1].start()
    time.sleep(0.1)  # a2 waits first, yet b1 is served first: a has its one worker already
    threads[2].start()
    for thread in threads:
        thread.join(30)

    assert finished["b1"] < 1.0
    assert finished["a2"] >= finished["a1"] >= 1.5


def test_a_user_with_too_many_renders_waiting_is_told_to_come_back(pool):
    crowded = RenderPool(default_settings(interactive_workers=1, user_queue=1, prestart=()))
    try:
        blocker = threading.Thread(
            target=crowded.run, args=(sleep_then, 1.0, "x"), kwargs={"limits": RenderLimits(), "user": "a"}
        )
        blocker.start()
        time.sleep(0.5)  # the worker starts and takes the first render; a second one may wait
        waiter = threading.Thread(
            target=crowded.run, args=(sleep_then, 0, "y"), kwargs={"limits": RenderLimits(), "user": "a"}
        )
        waiter.start()
        time.sleep(0.1)

        with pytest.raises(RenderBusyError) as busy:
            crowded.run(sleep_then, 0, "z", limits=RenderLimits(), user="a")

        assert busy.value.retry_after >= 1
        blocker.join(30)
        waiter.join(30)
    finally:
        crowded.shutdown()


def only_in_this_process(report) -> str:
    return "unreachable"


def test_a_task_the_worker_cannot_import_fails_without_killing_the_worker(pool, monkeypatch):
    # A function the test process finds as __main__.only_in_this_process; in a worker, __main__
    # is its own start-up code, which has no such function.
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "only_in_this_process", only_in_this_process, raising=False)
    monkeypatch.setattr(only_in_this_process, "__module__", "__main__")
    started = pool.stats()["started"]

    with pytest.raises(RenderFailedError, match="only_in_this_process"):
        pool.run(only_in_this_process, limits=RenderLimits(wall_seconds=30))

    assert pool.run(sleep_then, 0, "still here", limits=RenderLimits()) == "still here"
    assert pool.stats()["started"] == started


def own_pid(report) -> int:
    return os.getpid()


def test_a_worker_is_replaced_after_its_number_of_tasks():
    worker = WorkerSettings(max_tasks=2, warm_up=None)
    small = RenderPool(default_settings(interactive_workers=1, worker=worker))
    try:
        pids = [small.run(own_pid, limits=RenderLimits()) for _ in range(5)]
    finally:
        small.shutdown()

    # Two tasks per worker: the first two on one, the next two on its replacement, and so on.
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
