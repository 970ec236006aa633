"""Badge jobs through a real Celery worker: posted to the API, rendered by `manage.py worker`, and
finished by a second worker after the first one is killed in the middle of a job.

The workers, queues, broker checks and clean-up are tests/support/celery_stack.py's: a queue unique to
the test on the Redis at 127.0.0.1:6379 (database 14), the suite's database shared with the worker
(SQLite, or a throw-away PostgreSQL database with TEST_DATABASE=postgres). The workers also share
the test app's storage folder, where the job's input is stored and its PDF written.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import signed_in
from tests.support.badge_jobs import multipart
from tests.support.celery_stack import REDIS_URL, require_broker, wait_until
from tests.support.environment import TEST_STORAGE

pytestmark = pytest.mark.live


DATA = Path(__file__).resolve().parents[1] / "data"
ATTENDEES_CSV = DATA / "attendees-10k.csv"
FINISHED = {"succeeded", "failed", "cancelled"}
RENDER_SUCCEEDED = re.compile(r"Task service\.badges\.render\[[0-9a-f-]+\] succeeded in ")


def attendees(count: int) -> list[dict[str, str]]:
    with ATTENDEES_CSV.open(encoding="utf-8", newline="") as handle:
        return [row for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


def get_job(client: Any, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/badge-jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def wait_for_job(
    client: Any,
    headers: dict[str, str],
    job_id: str,
    condition: Callable[[dict[str, Any]], bool],
    what: str,
    timeout: float,
) -> dict[str, Any]:
    """Poll the job until `condition` holds; the last state seen goes into the failure message."""
    seen: dict[str, Any] = {}

    def check() -> dict[str, Any] | None:
        seen.update(get_job(client, headers, job_id))
        return dict(seen) if condition(seen) else None

    try:
        return wait_until(check, what, timeout=timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}; the job was last seen as {seen}") from None


def log_messages(client: Any, headers: dict[str, str], job_id: str) -> list[str]:
    response = client.get(f"/api/v1/badge-jobs/{job_id}/logs?limit=500", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [line["message"] for line in response.get_json()["items"]]


def download(client: Any, url: str, target: Path) -> Path:
    """The signed link as a browser would follow it: no Authorization header."""
    response = client.get(url)
    try:
        assert response.status_code == 200, response.get_data()[:500]
        assert response.mimetype == "application/pdf"
        target.write_bytes(response.get_data())
    finally:
        response.close()  # a file response keeps the file open until closed
    return target


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_fonts(pdf: Path) -> list[str]:
    """pdffonts' table rows: name, type, encoding, then emb, sub, uni as yes/no, then the object."""
    output = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return output.splitlines()[2:]


def test_a_badge_job_posted_to_the_api_is_rendered_by_the_celery_worker(celery_stack, tmp_path):
    require_broker(REDIS_URL)
    app, worker = celery_stack.start(REDIS_URL, beat=False, STORAGE_DIR=TEST_STORAGE)
    client, headers = app.test_client(), signed_in(app)
    started = time.monotonic()

    response = client.post(
        "/api/v1/badge-jobs",
        json={"attendees": attendees(2_000), "options": {"template": "classic", "sheet": "a4-2x2"}},
        headers=headers,
    )

    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    done = wait_for_job(
        client, headers, job_id, lambda job: job["status"] in FINISHED, "the job to finish", timeout=180
    )
    print(f"2,000 badges through the Celery worker in {time.monotonic() - started:.1f} s")
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1
    assert done["progress"] == {"done": 2_000, "total": 2_000}
    result = done["result"]
    assert (result["badges"], result["pages"]) == (2_000, 500)
    assert log_messages(client, headers, job_id)[-1].startswith("Done: 2,000 badges on 500 pages")

    pdf = download(client, result["download_url"], tmp_path / "badges.pdf")
    assert pdf.stat().st_size == result["bytes"]
    assert pdf_pages(pdf) == 500
    fonts = pdf_fonts(pdf)
    assert fonts
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded
    # The worker ran it: Celery logs the task by its registered name as it takes and finishes it (the
    # second line comes a moment after the job's row says succeeded).
    assert "Task service.badges.render[" in worker.output()
    wait_until(lambda: RENDER_SUCCEEDED.search(worker.output()), "the worker to log the task's end")


def process_group(pgid: int) -> dict[int, str]:
    """The live processes (zombies left out) in process group `pgid`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        state, _, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == pgid and state not in {"Z", "X"}:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def test_a_job_whose_worker_is_killed_mid_render_is_finished_by_the_next_worker(celery_stack, tmp_path):
    require_broker(REDIS_URL)
    # The sweep every half second; a job silent for 5 s is presumed orphaned. The heartbeat is the
    # progress UPDATE, so the timeout must outlast the quiet start of a render (spawning the child,
    # its first 100 badges) on a busy machine, or the sweep would take the job from a live worker.
    recovery = {"JOBS_SWEEP_INTERVAL": "0.5", "JOB_HEARTBEAT_TIMEOUT": "5", "JOB_REQUEUE_AFTER": "2"}
    app, worker_a = celery_stack.start(REDIS_URL, beat=True, STORAGE_DIR=TEST_STORAGE, **recovery)
    client, headers = app.test_client(), signed_in(app)
    # 10,000 one-page badges: about 2 s of rendering after the child has started, time enough to
    # see the job running and kill its worker (measured: caught at 100 to 1,000 badges, also with
    # both cores busy elsewhere).
    options = {"template": "classic", "sheet": "one-per-page"}
    body, content_type = multipart(ATTENDEES_CSV.read_bytes(), json.dumps(options))
    started = time.monotonic()

    response = client.post("/api/v1/badge-jobs", data=body, content_type=content_type, headers=headers)

    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    running = wait_for_job(
        client,
        headers,
        job_id,
        lambda job: job["status"] == "running" and job["progress"]["done"] > 0,
        "the job to be rendering",
        timeout=120,
    )
    assert running["attempts"] == 1
    pgid = worker_a.process.pid  # start_new_session: the worker leads a process group of its own
    group = process_group(pgid)
    rendering = {pid for pid, command in group.items() if "api.render.worker" in command}
    assert rendering, f"no render worker in worker A's process group: {group}"

    # Worker A dies at once, as after kill -9 or an OOM kill: the main process, its beat and its pool
    # processes. The render workers are not signalled: they must die with their owner (PR_SET_PDEATHSIG,
    # or at the latest when the next message finds the pipe closed), not render on as orphans. Then
    # the whole group gets SIGKILL, for anything started meanwhile.
    for pid in set(group) - rendering:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker_a.process.wait(timeout=10)
    wait_until(lambda: not rendering & set(process_group(pgid)), "the render workers to die with their owner")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    wait_until(lambda: not process_group(pgid), "every process of worker A to be gone", timeout=10)

    stale = get_job(client, headers, job_id)
    assert stale["status"] == "running", stale  # nobody renders it, and nobody has noticed yet
    assert stale["attempts"] == 1
    assert stale["progress"]["done"] < 10_000
    print(f"worker A killed at {stale['progress']['done']:,} badges, {time.monotonic() - started:.1f} s")

    # Worker B replaces A. It consumes a queue of its own (CeleryStack.start makes one per worker), so
    # what brings the job back is B's sweep, not a redelivery of A's unacknowledged message (which
    # Redis would hand on only after the visibility timeout, an hour).
    _, worker_b = celery_stack.start(REDIS_URL, beat=True, STORAGE_DIR=TEST_STORAGE, **recovery)
    done = wait_for_job(
        client, headers, job_id, lambda job: job["status"] in FINISHED, "the job to finish", timeout=300
    )
    print(f"finished by worker B {time.monotonic() - started:.1f} s after the POST")
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    result = done["result"]
    assert (result["badges"], result["pages"]) == (10_000, 10_000)
    messages = log_messages(client, headers, job_id)
    assert any("worker stopped" in message for message in messages), messages
    wait_until(lambda: RENDER_SUCCEEDED.search(worker_b.output()), "worker B to log the task's end")

    pdf = download(client, result["download_url"], tmp_path / "badges.pdf")
    assert pdf.stat().st_size == result["bytes"]
    assert pdf_pages(pdf) == 10_000
