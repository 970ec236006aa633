"""Benchmark: badge jobs end to end, and preview latency, as a client sees them.

    .venv/bin/python tests/benchmarks/bench_jobs.py [--runs 3] [--celery redis://127.0.0.1:6379/15]

- 10,000 rows (tests/data/attendees-10k.csv, classic template, a4-2x2) from POST /badge-jobs to
  `succeeded`, polled every 20 ms: on the in-process thread runner, and with --celery on a real
  Celery worker (`manage.py worker`) against that broker. Targets: under 15 s on 2 cores.
- 50 POST /badge-previews of the same request while the name changes (as while typing):
  median and 95th percentile. Target: median under 150 ms.

The service runs in this process (Flask test client, a SQLite file), so HTTP parsing is included
but not the network. Reported, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

ATTENDEES = REPO / "tests" / "data" / "attendees-10k.csv"


def make_app(database_url: str, storage_dir: str, **config: object):
    from alembic import command

    from api.app import create_app
    from api.cli import alembic_config

    command.upgrade(alembic_config(database_url), "head")
    return create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "STORAGE_DIR": storage_dir,
            "JOBS_RUNNER": "thread",
            **config,
        }
    )


def sign_in(app) -> dict[str, str]:
    client = app.test_client()
    email = f"bench-{time.time_ns()}@example.org"
    password = "benchmark-password-123"
    assert (
        client.post("/api/v1/users", json={"email": email, "password": password, "name": "B"}).status_code
        == 201
    )
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": password}).get_json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def multipart(csv: bytes, options: str) -> tuple[bytes, str]:
    boundary = "----bench-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attendees"; filename="people.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body += csv + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n'.encode()
    body += options.encode() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def one_job(app, headers: dict[str, str]) -> float:
    client = app.test_client()
    body, content_type = multipart(ATTENDEES.read_bytes(), '{"template": "classic", "sheet": "a4-2x2"}')
    started = time.perf_counter()
    response = client.post("/api/v1/badge-jobs", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    while True:
        job = client.get(f"/api/v1/badge-jobs/{job_id}", headers=headers).get_json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    assert job["status"] == "succeeded", job
    assert job["result"]["badges"] == 10_000
    return elapsed


def previews(app, headers: dict[str, str], count: int = 50) -> list[float]:
    client = app.test_client()
    people = [{"name": "Ada Lovelace", "organization": "Analytical Engines", "role": "Speaker"}]
    timings = []
    typed = "Ada Lovelace-Byron, Countess of Lovelace"
    for index in range(count + 3):
        people[0]["name"] = typed[: 3 + index % (len(typed) - 3)]
        body = {"attendees": people, "options": {"template": "classic", "name": "Summit"}, "dpi": 96}
        started = time.perf_counter()
        response = client.post("/api/v1/badge-previews", json=body, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.get_json()
        if index >= 3:  # the first few warm the template and font caches
            timings.append(elapsed)
    return timings


def start_worker(database_url: str, storage_dir: str, broker: str, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_DIR": storage_dir,
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": "bench-jobs",
        "JOBS_RUNNER": "celery",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--concurrency", "2", "--no-beat"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--celery", help="a broker URL, e.g. redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-jobs-")
    database_url = f"sqlite:///{folder}/bench.db"
    storage_dir = f"{folder}/storage"

    app = make_app(database_url, storage_dir)
    headers = sign_in(app)
    thread_times = [one_job(app, headers) for _ in range(args.runs)]
    preview_times = previews(app, headers)
    app.extensions["jobs"].shutdown()

    print(
        f"10,000 badges, thread runner: median {statistics.median(thread_times):.2f} s over {args.runs} runs"
    )
    print(
        f"preview: median {statistics.median(preview_times) * 1000:.0f} ms,"
        f" p95 {statistics.quantiles(preview_times, n=20)[18] * 1000:.0f} ms over {len(preview_times)}"
    )
    if args.celery:
        worker_log = open(f"{folder}/worker.log", "wb")  # noqa: SIM115 (closed in finally)
        worker = start_worker(database_url, storage_dir, args.celery, worker_log)
        print(f"worker log: {folder}/worker.log")
        try:
            time.sleep(5)  # the worker connects and imports the app
            celery_app = make_app(
                database_url,
                storage_dir,
                JOBS_RUNNER="celery",
                CELERY_BROKER_URL=args.celery,
                CELERY_QUEUE="bench-jobs",
            )
            celery_times = [one_job(celery_app, headers) for _ in range(args.runs)]
            print(f"10,000 badges, Celery worker: median {statistics.median(celery_times):.2f} s")
        finally:
            worker.terminate()
            worker.wait(30)
            worker_log.close()


if __name__ == "__main__":
    main()
