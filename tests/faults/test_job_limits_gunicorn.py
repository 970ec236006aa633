"""The per-user queue limit across processes: gunicorn with three workers on PostgreSQL, 16 job
POSTs per user at the same moment, and exactly BADGE_JOBS_MAX_QUEUED_PER_USER of them accepted.

The service runs as users run it (gunicorn's asgi worker and the ASGI front, its own processes,
each with its own connections); the jobs stay queued (JOBS_RUNNER=manual keeps them in the process
that queued them), so every accepted POST is still counted when the next one checks the limit.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.smtp import free_port
from tests.support.environment import require_postgres
from tests.support.live_service import wait_until_listening

pytestmark = [pytest.mark.postgres, pytest.mark.live]

ROOT = Path(__file__).resolve().parents[2]
MAX_QUEUED = 5
POSTS_PER_USER = 16
PASSWORD = "gunicorn-limits-123"


def post(port: int, path: str, body: object, token: str | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@pytest.fixture
def gunicorn(postgres_databases, tmp_path) -> Iterator[tuple[int, dict[str, str], str]]:
    require_postgres()
    url = postgres_databases.create("gunicorn")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "JOBS_RUNNER": "manual",
        "BADGE_JOBS_MAX_QUEUED_PER_USER": str(MAX_QUEUED),
        "RATELIMIT_LOGIN": "1000/minute",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("APP_ENV", None)
    env.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "python:api.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "asgi",
            "--workers",
            "3",
            "--no-control-socket",
            "api.asgi:create_app(threads=8)",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_listening(port, server, tmp_path / "gunicorn.log")
        yield port, env, url
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def test_the_queue_limit_holds_across_gunicorn_workers(gunicorn):
    port, env, url = gunicorn
    tokens = []
    for number in range(2):
        email = f"limits{number}@example.org"
        subprocess.run(
            [sys.executable, "manage.py", "users", "create-admin", email, "--password", PASSWORD],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        status, answer = post(port, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert status == 200, answer
        tokens.append(answer["access_token"])
    barrier = threading.Barrier(2 * POSTS_PER_USER)
    statuses: dict[int, Counter[int]] = {0: Counter(), 1: Counter()}
    lock = threading.Lock()

    def send(user: int, number: int) -> None:
        body = {"attendees": [{"name": f"Attendee {user}-{number}"}], "options": {"template": "card"}}
        barrier.wait()
        status, _ = post(port, "/api/v1/badge-jobs", body, tokens[user])
        with lock:
            statuses[user][status] += 1

    threads = [
        threading.Thread(target=send, args=(user, number))
        for user in range(2)
        for number in range(POSTS_PER_USER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    for user in range(2):
        assert statuses[user] == Counter({202: MAX_QUEUED, 429: POSTS_PER_USER - MAX_QUEUED}), statuses
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT owner_id, count(*) FROM badge_jobs WHERE status = 'queued' GROUP BY owner_id")
        assert sorted(count for _, count in cursor.fetchall()) == [MAX_QUEUED, MAX_QUEUED]
