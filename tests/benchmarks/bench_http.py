"""Benchmark: authenticated GETs under wrk, against a bare Flask JSON endpoint on the same server.

    .venv/bin/python tests/benchmarks/bench_http.py [--duration 10] [--connections 16]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--no-postgres]

Two servers, each a separate process started the way a user starts it:
- the embedded default: the threaded Flask server of `manage.py run` (`flask run`), SQLite in a
  fresh instance folder, migrated first with `manage.py db upgrade`;
- gunicorn with the Dockerfile's CMD flags (2 workers x 4 threads, access log on), bound to
  127.0.0.1 and a free port, APP_ENV=production, on a throw-away PostgreSQL database.

Each serves `api.app.create_app()` plus two plain Flask routes that create_benchmarked_app() below
adds: `/bench/bare`, a JSON body about the size of 100 events built per request without the
database, token or schemas (the baseline), and `/bench/sql`, the SQL round trips this process
counted per API path. The account comes from the CLI (`manage.py users create-admin`, which makes
it verified); 100 events are created over HTTP. Then wrk (apt-get install wrk) measures
`GET /api/v1/events?per_page=100`, `GET /api/v1/badge-templates` (with a Bearer token) and the
bare endpoint, after a warm-up each, and a Markdown table is printed. Target: an API endpoint at
least 0.5x the bare endpoint's requests/s. Reported, never asserted: the machines are shared.

SQL round trips per request: statements sent through a cursor plus COMMIT; on PostgreSQL also the
BEGIN psycopg2 sends by itself and the pool's pre-ping `SELECT 1` when a request takes a connection.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.servers import (  # noqa: E402
    RELAXED_RATE_LIMITS,
    call,
    embedded_server,
    gunicorn_server,
    gunicorn_workers,
    sign_in,
)

FACTORY = "tests.benchmarks.bench_http:create_benchmarked_app()"
# gunicorn runs the Dockerfile's asgi worker: the same app behind the ASGI front (api/asgi.py).
ASGI_FACTORY = "tests.benchmarks.bench_http:create_benchmarked_asgi_app()"
API_PATHS = ["/api/v1/events?per_page=100", "/api/v1/badge-templates"]
BARE_PATH = "/bench/bare"

# Prints what the table needs, as JSON, when wrk finishes (latencies are in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "status_errors": %d, '
      .. '"socket_errors": %d, "timeouts": %d, "bytes": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors.status, errors.connect + errors.read + errors.write,
    errors.timeout, summary.bytes))
end
"""


# --- the app the servers run -------------------------------------------------------------------


def bare_items() -> list[dict[str, Any]]:
    """100 dicts shaped like the events the benchmark creates, so both bodies are of a size."""
    return [
        {
            "id": str(uuid.UUID(int=number)),
            "owner_id": str(uuid.UUID(int=10**6)),
            "name": f"Benchmark event {number:03}",
            "description": "Seeded by bench_http.py",
            "starts_at": "2026-03-10T09:00:00+00:00",
            "ends_at": "2026-03-12T18:00:00+00:00",
            "timezone": "Asia/Singapore",
            "location": "Singapore",
            "currency": "SGD",
            "is_public": False,
            "created_at": "2026-01-01T00:00:00.000000+00:00",
            "updated_at": "2026-01-01T00:00:00.000000+00:00",
        }
        for number in range(100)
    ]


def create_benchmarked_asgi_app() -> Any:
    from api.asgi import Front

    return Front(create_benchmarked_app(), threads=4, poll_threads=2)


def create_benchmarked_app() -> Any:
    """The service's own app, plus the bare baseline and the SQL counter (benchmark only)."""
    from flask import g, has_request_context, jsonify, request
    from sqlalchemy import event

    from api.app import create_app
    from api.core.db import Database

    app = create_app()
    items = bare_items()
    counted: dict[str, dict[str, int]] = {}
    # Server threads finish requests at once, and `+=` on a dict item can lose an update.
    counting = threading.Lock()

    def bare() -> Any:
        return jsonify({"items": items, "total": len(items), "page": 1, "per_page": 100})

    def sql_counts() -> Any:
        with counting:
            return jsonify({"pid": os.getpid(), "paths": counted})

    def round_trip(*args: Any) -> None:
        if has_request_context():
            g.sql_round_trips = g.get("sql_round_trips", 0) + 1

    def count_request(response: Any) -> Any:
        if request.path.startswith("/api/"):
            key = f"{request.method} {request.path}"
            with counting:
                totals = counted.setdefault(key, {"requests": 0, "round_trips": 0})
                totals["requests"] += 1
                totals["round_trips"] += g.get("sql_round_trips", 0)
        return response

    engine = Database.state(app).engine
    event.listen(engine, "before_cursor_execute", round_trip)
    event.listen(engine, "commit", round_trip)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "begin", round_trip)  # psycopg2's own BEGIN
        event.listen(engine.pool, "checkout", round_trip)  # pool_pre_ping's SELECT 1
    app.add_url_rule(BARE_PATH, "bench_bare", bare)
    app.add_url_rule("/bench/sql", "bench_sql", sql_counts)
    app.after_request(count_request)
    return app


# --- driving the servers -----------------------------------------------------------------------


def call_json(
    base: str, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    status, answer = call(base, method, path, body, token)
    return status, json.loads(answer or b"null")


def signed_in_with_events(base: str, env: dict[str, str]) -> str:
    """An account made with the CLI (verified), logged in over HTTP; 100 events created over HTTP."""
    token = sign_in(REPO, base, env)
    status, me = call_json(base, "GET", "/api/v1/users/me", token=token)
    assert status == 200, me
    assert me["is_verified"], me
    for number in range(100):
        body = {
            "name": f"Benchmark event {number:03}",
            "description": "Seeded by bench_http.py",
            "starts_at": "2026-03-10T09:00:00+08:00",
            "ends_at": "2026-03-12T18:00:00+08:00",
            "timezone": "Asia/Singapore",
            "location": "Singapore",
            "currency": "SGD",
        }
        status, answer = call_json(base, "POST", "/api/v1/events", body, token=token)
        assert status == 201, answer
    status, page = call_json(base, "GET", API_PATHS[0], token=token)
    assert status == 200, page
    assert (page["total"], len(page["items"])) == (100, 100), page
    return token


def wrk(url: str, token: str | None, seconds: int, connections: int, script: Path) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    report["rps"] = report["requests"] / report["seconds"]
    report["body_bytes"] = report["bytes"] / max(1, report["requests"])  # headers included
    return report


def round_trips(base: str, workers: int) -> dict[str, float]:
    """SQL round trips per request per "METHOD /path", from every worker process that answers."""
    seen: dict[int, dict[str, dict[str, int]]] = {}
    for _ in range(40):
        _, counts = call_json(base, "GET", "/bench/sql")
        seen[counts["pid"]] = counts["paths"]
        if len(seen) == workers:
            break
    totals: dict[str, list[int]] = {}
    for paths in seen.values():
        for path, count in paths.items():
            pair = totals.setdefault(path, [0, 0])
            pair[0] += count["round_trips"]
            pair[1] += count["requests"]
    return {path: trips / requests for path, (trips, requests) in totals.items() if requests}


def measure(name: str, base: str, token: str, args: argparse.Namespace, workers: int) -> list[dict[str, Any]]:
    script = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "report.lua"
    script.write_text(WRK_REPORT)
    results = []
    for path in [BARE_PATH, *API_PATHS]:
        auth = None if path == BARE_PATH else token
        wrk(base + path, auth, args.warmup, args.connections, script)
        result = wrk(base + path, auth, args.duration, args.connections, script)
        result.update(server=name, path=path)
        results.append(result)
        print(f"  {name} {path}: {result['rps']:.0f} requests/s", file=sys.stderr)
    trips = round_trips(base, workers)
    bare_rps = results[0]["rps"]
    for result in results:
        result["ratio"] = result["rps"] / bare_rps
        result["round_trips"] = trips.get("GET " + result["path"].split("?")[0])
    shutil.rmtree(script.parent)
    return results


def run_embedded(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    with embedded_server(REPO, folder, factory=FACTORY, extra=RELAXED_RATE_LIMITS) as (base, env):
        token = signed_in_with_events(base, env)
        return measure("embedded (flask run, SQLite)", base, token, args, workers=1)


def run_gunicorn(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    with gunicorn_server(
        REPO, folder, args.postgres_url, factory=ASGI_FACTORY, extra=RELAXED_RATE_LIMITS
    ) as (
        base,
        env,
    ):
        token = signed_in_with_events(base, env)
        return measure("gunicorn + PostgreSQL", base, token, args, workers=gunicorn_workers(REPO))


def table(results: list[dict[str, Any]]) -> str:
    columns = "server | endpoint | requests/s | p50 ms | p95 ms | x bare | SQL round trips/request"
    lines = [f"| {columns} | bytes/response | errors |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for result in results:
        trips = result["round_trips"]
        errors = result["status_errors"] + result["socket_errors"] + result["timeouts"]
        lines.append(
            f"| {result['server']} | `GET {result['path']}` | {result['rps']:.0f} "
            f"| {result['p50'] / 1000:.1f} | {result['p95'] / 1000:.1f} | {result['ratio']:.2f} "
            f"| {'-' if trips is None else f'{trips:g}'} | {result['body_bytes']:.0f} | {errors} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true", help="only the embedded default")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (or make bench-system-deps)")
    folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
    print(f"logs and the SQLite database: {folder}", file=sys.stderr)
    results = run_embedded(args, folder)
    if not args.no_postgres:
        results += run_gunicorn(args, folder)
    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s, on {os.cpu_count()} CPUs:\n")
    print(table(results))


if __name__ == "__main__":
    main()
