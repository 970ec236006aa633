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
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.servers import (  # noqa: E402
    RELAXED_RATE_LIMITS,
    call,
    embedded_server,
    gunicorn_server,
    sign_in,
)

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
        status, answer = call(base, "POST", "/api/v1/badge-jobs", body, token)
        if status != 202:
            failures += 1
            continue
        job_id = json.loads(answer)["id"]
        while True:
            status, answer = call(base, "GET", f"/api/v1/badge-jobs/{job_id}", token=token)
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
            status, _ = call(base, "POST", "/api/v1/badge-previews", body, token)
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
    tokens = [sign_in(repo, base, env) for _ in range(8)]
    # Warm-up: the first request of a process pays for imports and connections.
    call(base, "POST", "/api/v1/badge-previews", {"attendees": [{"name": "x"}]}, tokens[0])
    results = [one_row_job(base, tokens[0], runs)]
    for output in ("png", "pdf"):
        results.append(previews(base, tokens[:1], output, runs * 2))
        results.append(previews(base, tokens, output, max(5, runs // 2)))
    for row in results:
        row["server"] = label
    return results


def run_embedded(repo: Path, label: str, folder: Path, runs: int) -> list[dict[str, Any]]:
    with embedded_server(repo, folder, extra=RELAXED_RATE_LIMITS) as (base, env):
        return measure(f"{label}: make run (SQLite)", repo, base, env, runs)


def run_gunicorn(repo: Path, label: str, folder: Path, runs: int, postgres_url: str) -> list[dict[str, Any]]:
    with gunicorn_server(repo, folder, postgres_url, extra=RELAXED_RATE_LIMITS) as (base, env):
        time.sleep(2)  # every gunicorn worker up and its render pool warm
        return measure(f"{label}: gunicorn + PostgreSQL", repo, base, env, runs)


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
