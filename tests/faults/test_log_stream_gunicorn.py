"""Live build logs under the Dockerfile's own gunicorn command, with one worker and two request
threads: more open streams than threads, ordinary requests still answered at once, and every stream
receiving a real job's lines as they are written and ending when it succeeds.

The job is queued through the API (JOBS_RUNNER=manual keeps it waiting in gunicorn) and rendered by
this test's process once the streams are open, so the lines reach the streams from another process
through the database, as with Celery workers.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from api.jobs import run_task
from tests.smtp import free_port
from tests.support.badge_jobs import PEOPLE
from tests.support.environment import TEST_DATABASE, make_test_app, require_postgres
from tests.support.event_streams import of_kind, parse_events
from tests.support.live_service import wait_until_listening

pytestmark = [pytest.mark.live]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "gunicorn-streams-123"
THREADS = 2
STREAMS = 8  # four times the request threads
SIGNED_STREAMS = 2  # of them, opened by the signed URL as an EventSource does


def dockerfile_command(port: int) -> list[str]:
    """The Dockerfile's gunicorn command, on a free port, with one worker of THREADS threads."""
    found = re.search(
        r"exec gunicorn (.*?) '(api\.asgi:create_app\(threads=)\d+\)'", (ROOT / "Dockerfile").read_text()
    )
    assert found, "the Dockerfile's gunicorn command changed; update this test"
    flags = re.sub(r"--workers \d+", "--workers 1", found.group(1))
    flags = flags.replace("--bind 0.0.0.0:8000", f"--bind 127.0.0.1:{port}")
    return [str(Path(sys.executable).with_name("gunicorn")), *flags.split(), f"{found.group(2)}{THREADS})"]


@dataclass
class Stream:
    path: str
    headers: dict[str, str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    status: int | None = None
    error: BaseException | None = None

    def read(self, port: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
        try:
            connection.request("GET", self.path, headers=self.headers)
            response = connection.getresponse()
            self.status = response.status
            while line := response.readline():
                self.lines.append((time.monotonic(), line.decode()))
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            connection.close()

    def text(self, before: float | None = None) -> str:
        return "".join(line for at, line in self.lines if before is None or at < before)

    def first_line_at(self, needle: str) -> float:
        return next(at for at, line in self.lines if needle in line)


def signed_in(port: int) -> str:
    status, tokens = request(
        port, "POST", "/api/v1/auth/login", {"email": "streams@example.org", "password": PASSWORD}
    )
    assert status == 200, tokens
    return tokens["access_token"]  # type: ignore[index,no-any-return]


def request(
    port: int, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@pytest.fixture
def server(request, tmp_path) -> Iterator[tuple[int, dict[str, str], subprocess.Popen[bytes]]]:
    if TEST_DATABASE == "postgres":
        require_postgres()
        url = request.getfixturevalue("postgres_databases").create("streams")
    else:
        url = f"sqlite:///{tmp_path / 'badges.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "JOBS_RUNNER": "manual",
        "RATELIMIT_LOGIN": "1000/minute",
        "LOG_STREAM_POLL_SECONDS": "0.1",
        "LOG_STREAM_HEARTBEAT_SECONDS": "0.3",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("APP_ENV", "CELERY_BROKER_URL", "PUBLIC_API_URL"):
        env.pop(name, None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*manage, "users", "create-admin", "streams@example.org", "--password", PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            dockerfile_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until_listening(port, process, log_path)
        yield port, env, process
    finally:
        process.terminate()
        process.wait(30)


def test_open_streams_hold_no_request_thread_and_follow_a_real_job_to_its_end(server):
    port, env, _ = server
    token = signed_in(port)
    attendees = [
        {**person, "name": f"{person['name']} {number}"} for number in range(10) for person in PEOPLE
    ]
    status, job = request(
        port, "POST", "/api/v1/badge-jobs", {"attendees": attendees, "options": {"template": "card"}}, token
    )
    assert status == 202, job
    job_id = job["id"]  # type: ignore[index]
    streams = [
        Stream(f"/api/v1/badge-jobs/{job_id}/log-stream", {"Authorization": f"Bearer {token}"})
        for _ in range(STREAMS - SIGNED_STREAMS)
    ]
    for _ in range(SIGNED_STREAMS):
        _, fresh = request(port, "GET", f"/api/v1/badge-jobs/{job_id}", token=token)
        url = fresh["log_stream_url"]  # type: ignore[index]
        streams.append(Stream("/" + url.split("://", 1)[1].split("/", 1)[1], {"Accept": "text/event-stream"}))
    readers = [threading.Thread(target=stream.read, args=(port,), daemon=True) for stream in streams]
    for reader in readers:
        reader.start()

    # Every stream is open, has the queued job's first line and, as nothing else happens, a
    # heartbeat: 8 at once on 2 request threads.
    deadline = time.monotonic() + 20
    while not all("Queued:" in stream.text() and ": heartbeat" in stream.text() for stream in streams):
        assert time.monotonic() < deadline, [
            (stream.status, stream.error, stream.text()) for stream in streams
        ]
        time.sleep(0.05)

    # Ordinary requests, while all of them wait.
    latencies = []
    for _ in range(20):
        started = time.monotonic()
        status, me = request(port, "GET", "/api/v1/users/me", token=token)
        latencies.append(time.monotonic() - started)
        assert status == 200, me
    assert all(reader.is_alive() for reader in readers), "a stream ended before the job did"
    assert not any("event: end" in stream.text() for stream in streams)
    print(
        f"\n{STREAMS} streams open on 1 worker x {THREADS} threads: GET /users/me median"
        f" {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms (20 requests)"
    )
    assert max(latencies) < 2.0, latencies
    assert statistics.median(latencies) < 0.5, latencies

    # The job renders in this process; its lines reach the streams through the database.
    render_started = time.monotonic()
    worker = make_test_app(env["DATABASE_URL"], STORAGE_DIR=env["STORAGE_DIR"])
    with worker.app_context():
        run_task("badges.render", {"job_id": job_id})
    for reader in readers:
        reader.join(30)

    status, answer = request(port, "GET", f"/api/v1/badge-jobs/{job_id}/logs?limit=500", token=token)
    assert status == 200
    expected = answer["items"]  # type: ignore[index]
    assert expected[-1]["type"] == "SUCCESS", expected
    for stream in streams:
        assert stream.error is None, stream.error
        assert stream.status == 200
        events, comments = parse_events(stream.text())
        assert [event.data for event in of_kind(events, "log")] == expected
        assert "running" in [event.data["status"] for event in of_kind(events, "progress")]
        assert events[-1].kind == "end"
        assert events[-1].data == {"status": "succeeded", "error": None}
        assert "heartbeat" in comments
        # Live: the first line came before the job ran, the last one only after.
        assert stream.first_line_at("Queued:") < render_started < stream.first_line_at('"type":"SUCCESS"')


def test_stopping_gunicorn_closes_open_streams_at_once(server):
    """SIGTERM ends the open streams (browsers reconnect elsewhere with Last-Event-ID) instead of
    holding the worker for the whole --graceful-timeout (30 s) while their jobs wait."""
    port, _, process = server
    token = signed_in(port)
    status, job = request(port, "POST", "/api/v1/badge-jobs", {"attendees": PEOPLE}, token)
    assert status == 202, job
    streams = [
        Stream(f"/api/v1/badge-jobs/{job['id']}/log-stream", {"Authorization": f"Bearer {token}"})  # type: ignore[index]
        for _ in range(3)
    ]
    readers = [threading.Thread(target=stream.read, args=(port,), daemon=True) for stream in streams]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 20
    while not all("Queued:" in stream.text() for stream in streams):
        assert time.monotonic() < deadline
        time.sleep(0.05)

    stopping = time.monotonic()
    process.terminate()
    process.wait(20)
    stopped_after = time.monotonic() - stopping
    for reader in readers:
        reader.join(5)

    assert stopped_after < 10, stopped_after
    for stream in streams:
        assert not any(thread.is_alive() for thread in readers)
        assert stream.error is None, stream.error
        assert "event: end" not in stream.text()  # the job did not end; the stream did
