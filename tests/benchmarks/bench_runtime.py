"""Benchmark: what a user waits for on the render path, measured from outside over HTTP.

    .venv/bin/python tests/benchmarks/bench_runtime.py [--runs 20] [--baseline-repo PATH]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--no-postgres]

Each server is a separate process started as a user starts it: `manage.py run` on the embedded
default (SQLite in a fresh instance folder, in-process jobs), and gunicorn with the Dockerfile's
flags on a throw-away PostgreSQL database. Measured, whole requests from a client on loopback:
- a 1-row job: POST /badge-jobs (JSON) until GET /badge-jobs/{id} says `succeeded` (polled every
  2 ms), median and p95 of `--runs`;
- one badge as PNG (150 dpi) and as PDF (`"format": "pdf"`, on-site printing) from
  POST /badge-previews, with 1 client and with 8 clients at once (8 different accounts), each
  request a different attendee name from a list in many scripts.
With `--baseline-repo` (a checkout of an earlier commit, e.g. `git worktree add /tmp/before
293f30e`), the same measurements run against that code too, in the same run, for a side-by-side.
Reported, never asserted: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.bench_http import PASSWORD, free_port, stop  # noqa: E402

PYTHON = sys.executable
# Eight accounts log in at once and preview as fast as they can: the per-client rate limits
# (a protection, not the subject here) are raised for the benchmark.
RATE_LIMITS = {"RATELIMIT_LOGIN": "10000/minute", "RATELIMIT_PREVIEW": "100000/minute"}
NAMES = [
    "Zoë Ångström-Lefèvre",
    "محمد بن عبد الرحمن",
    "דוד בן גוריון",
    "अनिल कुमार शर्मा",
    "রবীন্দ্রনাথ ঠাকুর",
    "தமிழ்ச்செல்வி இராமசாமி",
    "สมชาย ใจดี",
    "张伟",
    "Анна Каренина-Вронская",
    "Nguyễn Thị Minh Khai",
    "Maximilian-Alexander von Hohenzollern-Sigmaringen",
    "Ada 👩🏽‍💻 Lovelace",
]


def unique_name(number: int) -> str:
    return f"{NAMES[number % len(NAMES)]} {number}"


def request(
    base: str, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    # Always http://127.0.0.1: the server this script started.
    prepared = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(prepared, timeout=60) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def manage(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see {log}")
        try:
            if request(base, "GET", "/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not answer within 90 s; see {log}")


def account(repo: Path, base: str, env: dict[str, str]) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    manage(repo, env, "users", "create-admin", email, "--name", "Bench", "--password", PASSWORD)
    status, body = request(base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return str(json.loads(body)["access_token"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float], failures: int = 0) -> dict[str, Any]:
    if not seconds:  # the baseline may not offer the request at all (no PDF previews before)
        return {"measurement": name, "n": 0, "failures": failures}
    return {
        "measurement": name,
        "n": len(seconds),
        "median_ms": statistics.median(seconds) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "max_ms": max(seconds) * 1000,
        "failures": failures,
    }


def one_row_job(base: str, token: str, runs: int) -> dict[str, Any]:
    seconds = []
    failures = 0
    for number in range(runs):
        body = {"attendees": [{"name": unique_name(number)}], "options": {"template": "classic"}}
        started = time.monotonic()
        status, answer = request(base, "POST", "/api/v1/badge-jobs", body, token)
        if status != 202:
            failures += 1
            continue
        job_id = json.loads(answer)["id"]
        while True:
            status, answer = request(base, "GET", f"/api/v1/badge-jobs/{job_id}", token=token)
            state = json.loads(answer)["status"]
            if state in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(0.002)
        if state != "succeeded":
            failures += 1
            continue
        seconds.append(time.monotonic() - started)
        time.sleep(0.05)  # the next job starts from an idle service, as a desk's next badge would
    return summary("1-row job, POST to succeeded", seconds, failures)


def previews(base: str, tokens: list[str], output: str, per_client: int) -> dict[str, Any]:
    seconds: list[float] = []
    failures = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens))

    def client(index: int, token: str) -> None:
        barrier.wait()
        for number in range(per_client):
            body: dict[str, Any] = {
                "attendees": [{"name": unique_name(index * 1000 + number), "organization": "FOSSASIA"}],
                "options": {"template": "classic", "name": "Summit 2026"},
            }
            if output == "pdf":
                body["format"] = "pdf"
            started = time.monotonic()
            status, _ = request(base, "POST", "/api/v1/badge-previews", body, token)
            took = time.monotonic() - started
            with lock:
                if status == 200:
                    seconds.append(took)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=client, args=(index, token)) for index, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kind = "PNG 150 dpi" if output == "png" else "PDF (on-site printing)"
    return summary(f"one badge as {kind}, {len(tokens)} client(s)", seconds, failures[0])


def measure(label: str, repo: Path, base: str, env: dict[str, str], runs: int) -> list[dict[str, Any]]:
    tokens = [account(repo, base, env) for _ in range(8)]
    # Warm-up: the first request of a process pays for imports and connections.
    request(base, "POST", "/api/v1/badge-previews", {"attendees": [{"name": "x"}]}, tokens[0])
    results = [one_row_job(base, tokens[0], runs)]
    for output in ("png", "pdf"):
        results.append(previews(base, tokens[:1], output, runs * 2))
        results.append(previews(base, tokens, output, max(5, runs // 2)))
    for row in results:
        row["server"] = label
    return results


def run_embedded(repo: Path, label: str, folder: Path, runs: int) -> list[dict[str, Any]]:
    env = {**os.environ, **RATE_LIMITS, "INSTANCE_PATH": str(folder / "instance"), "PYTHONPATH": str(repo)}
    for key in ("DATABASE_URL", "APP_ENV", "CELERY_BROKER_URL", "JOBS_RUNNER", "STORAGE_DIR"):
        env.pop(key, None)
    manage(repo, env, "db", "upgrade")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "embedded.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [PYTHON, "manage.py", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=repo,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(base, server, log)
        return measure(f"{label}: make run (SQLite)", repo, base, env, runs)
    finally:
        stop(server)


def run_gunicorn(repo: Path, label: str, folder: Path, runs: int, postgres_url: str) -> list[dict[str, Any]]:
    import psycopg2

    name = f"bench_runtime_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        **RATE_LIMITS,
        "DATABASE_URL": postgres_url.rsplit("/", 1)[0] + f"/{name}",
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "FRONTEND_URL": "https://badges.example.org",
        "CORS_ORIGINS": "https://badges.example.org",
        "INSTANCE_PATH": str(folder / "gunicorn-instance"),
        "PYTHONPATH": str(repo),
    }
    for key in ("JOBS_RUNNER", "CELERY_BROKER_URL", "STORAGE_DIR"):
        env.pop(key, None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "gunicorn.log"
    server = None
    try:
        manage(repo, env, "db", "upgrade")
        flags = re.search(r"exec gunicorn (.*?) 'api\.app:create_app\(\)'", (repo / "Dockerfile").read_text())
        assert flags, "the Dockerfile's gunicorn command changed; update bench_runtime.py"
        options = flags.group(1).replace("--bind 0.0.0.0:8000", f"--bind 127.0.0.1:{port}").split()
        command = [str(Path(PYTHON).with_name("gunicorn")), *options, "api.app:create_app()"]
        with log.open("wb") as output:
            server = subprocess.Popen(command, cwd=repo, env=env, stdout=output, stderr=subprocess.STDOUT)
        wait_until_up(base, server, log)
        time.sleep(2)  # every gunicorn worker up and its render pool warm
        return measure(f"{label}: gunicorn + PostgreSQL", repo, base, env, runs)
    finally:
        if server is not None:
            stop(server)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| server | measurement | n | median | p95 | max | failed |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        if not row["n"]:
            lines.append(f"| {row['server']} | {row['measurement']} | 0 | - | - | - | {row['failures']} |")
            continue
        lines.append(
            f"| {row['server']} | {row['measurement']} | {row['n']} | {row['median_ms']:.1f} ms"
            f" | {row['p95_ms']:.1f} ms | {row['max_ms']:.1f} ms | {row['failures']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-repo", type=Path, default=None)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    repos = [("now", REPO)]
    if args.baseline_repo:
        repos.insert(0, ("before", args.baseline_repo.resolve()))
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-runtime-") as scratch:
        for label, repo in repos:
            folder = Path(scratch) / label
            folder.mkdir()
            results += run_embedded(repo, label, folder, args.runs)
            if not args.no_postgres:
                results += run_gunicorn(repo, label, folder, args.runs, args.postgres_url)
    print(time.strftime("Measured %Y-%m-%d %H:%M UTC", time.gmtime()), f"on {os.cpu_count()} cores")
    print(table(results))


if __name__ == "__main__":
    main()
