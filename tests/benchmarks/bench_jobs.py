"""Benchmark: badge jobs end to end, and preview latency, as a client sees them.

    .venv/bin/python tests/benchmarks/bench_jobs.py [--runs 3] [--celery redis://127.0.0.1:6379/15]
    .venv/bin/python tests/benchmarks/bench_jobs.py --big 10000,100000 [--runs 3]

- 10,000 rows (tests/data/attendees-10k.csv, classic template, a4-2x2) from POST /badge-jobs to
  `succeeded`, polled every 20 ms: on the in-process thread runner, and with --celery on a real
  Celery worker (`manage.py worker`) against that broker. Targets: under 15 s on 2 cores.
- 50 POST /badge-previews of the same request while the name changes (as while typing):
  median and 95th percentile. Target: median under 150 ms.

The service runs in this process (Flask test client, a SQLite file), so HTTP parsing is included
but not the network. Reported, never asserted: these machines are shared and noisy.

--big (issue 15, items 3 and 4): big jobs with flat memory. For each size, a realistic list of
unique attendees (bench_peers.attendee_rows(count, "issue15"): name, organization, role, email,
plus a ticket column) as CSV, POSTed over HTTP to a running service (`manage.py run`, the
embedded default: SQLite, in-process jobs; tests/benchmarks/servers.py), timed from POST to
`succeeded` (polled every 50 ms). Peak RSS of the web process and of the render worker that ran
the job: each process's high-water mark (VmHWM) is reset (/proc/PID/clear_refs) before the job
and read after it; and the peak of the render worker with the part processes it forks for a long
list, as summed PSS sampled every 0.1 s (pages a fork shares counted once). The longest time
the job's progress stood still while running is reported too.
Sizes run interleaved, --runs rounds; medians. CSVs are cached under $TMPDIR/bench-jobs-lists.
"""

from __future__ import annotations

import argparse
import contextlib
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


# Big jobs (--big) ---------------------------------------------------------------------------------

TICKETS = ("Attendee", "Speaker", "Volunteer", "Sponsor", "Press", "Organizer")


def big_list(count: int) -> Path:
    """The issue-15 list of `count` unique attendees with a ticket column, as CSV (cached)."""
    import csv

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_peers import attendee_rows

    cache = Path(tempfile.gettempdir()) / "bench-jobs-lists"
    cache.mkdir(exist_ok=True)
    path = cache / f"issue15-{count}.csv"
    if not path.exists():
        rows = attendee_rows(count, "issue15")
        for number, row in enumerate(rows):
            row["ticket"] = TICKETS[number * 7 % len(TICKETS)] if number % 5 else TICKETS[0]
        partial = path.with_suffix(".partial")
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["name", "organization", "role", "email", "ticket"])
            writer.writeheader()
            writer.writerows(rows)
        partial.rename(path)
    return path


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _status(pid: int, field: str) -> int:
    """A field of /proc/PID/status in KiB (VmHWM, VmRSS); 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kib(pid: int) -> int:
    """The process's proportional set size (shared pages split among their sharers), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the memory of a process's descendants (render workers and the part processes a
    job forks) every 0.1 s, as PSS: pages a fork shares with its parent are split between them,
    so a sum counts them once. `peak_mb(pid)`: the highest sum over `pid` and its descendants."""

    def __init__(self, root: int) -> None:
        import threading

        self.root = root
        self.samples: list[dict[int, tuple[int, int]]] = []  # pid -> (parent pid, PSS KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            sample = {}
            for pid in _descendants(self.root):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
                    sample[pid] = (parent, _pss_kib(pid))
            self.samples.append(sample)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self, pid: int) -> float:
        peak = 0
        for sample in self.samples:
            total, family = 0, {pid}
            for child, (parent, pss) in sorted(sample.items()):  # forked children have larger pids
                if child in family or parent in family:
                    family.add(child)
                    total += pss
            peak = max(peak, total)
        return peak * 1024 / 1e6


def _reset_peak(pid: int) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def _server_pid(port: int) -> int:
    """The process listening on 127.0.0.1:`port` (the benchmark's own server)."""
    wanted = f"0100007F:{port:04X}"
    inodes = {
        line.split()[9]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1] == wanted and line.split()[3] == "0A"
    }
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return int(entry.name)
    raise SystemExit(f"no process listens on port {port}")


def _post_csv(base: str, token: str, csv_bytes: bytes) -> dict[str, Any]:
    import json
    import urllib.request

    body, content_type = multipart(csv_bytes, '{"template": "classic", "sheet": "a4-2x2", "name": "Summit"}')
    request = urllib.request.Request(  # noqa: S310 (our own server on 127.0.0.1)
        base + "/api/v1/badge-jobs",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        assert response.status == 202, response.status
        return dict(json.loads(response.read()))


def big_job(base: str, token: str, server: int, path: Path) -> dict[str, float]:
    """One job: seconds from POST to succeeded, peak RSS (MB) of web process and render worker."""
    import json

    from servers import call

    workers = _descendants(server)
    for pid in (server, *workers):
        _reset_peak(pid)
    ticks = {pid: _cpu_ticks(pid) for pid in workers}
    csv_bytes = path.read_bytes()
    count = csv_bytes.count(b"\n") - 1
    memory = TreeMemory(server)
    started = time.perf_counter()
    job = _post_csv(base, token, csv_bytes)
    del csv_bytes
    accepted = time.perf_counter() - started
    last_done, last_change, longest_still = -1, time.perf_counter(), 0.0
    while True:
        status, raw = call(base, "GET", f"/api/v1/badge-jobs/{job['id']}", token=token)
        now = time.perf_counter()
        assert status == 200, raw
        job = json.loads(raw)
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            break
        done = job["progress"]["done"]
        if job["status"] == "running" and done != last_done:
            if last_done >= 0:
                longest_still = max(longest_still, now - last_change)
            last_done, last_change = done, now
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    memory.stop()
    assert job["status"] == "succeeded", job
    assert job["result"]["badges"] == count, (job["result"], count)
    used = {pid: _cpu_ticks(pid) - before for pid, before in ticks.items()}
    worker = max(used, key=lambda pid: used[pid]) if used else 0
    status, raw = call(base, "GET", f"/api/v1/badge-jobs/{job['id']}/report?per_page=100", token=token)
    assert status == 200, raw
    return {
        "seconds": elapsed,
        "accepted_seconds": accepted,
        "web_mb": _status(server, "VmHWM") * 1024 / 1e6,
        "worker_mb": _status(worker, "VmHWM") * 1024 / 1e6 if worker else float("nan"),
        "job_mb": memory.peak_mb(worker) if worker else float("nan"),
        "still_seconds": longest_still,
        "flagged": float((job["result"].get("findings") or {}).get("flagged", 0)),
        "report_items": float(json.loads(raw)["total"]),
    }


def big_jobs(sizes: list[int], runs: int) -> None:
    from servers import RELAXED_RATE_LIMITS, embedded_server
    from servers import sign_in as sign_in_cli

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    lists = {size: big_list(size) for size in sizes}
    folder = Path(tempfile.mkdtemp(prefix="bench-big-jobs-"))
    extra = {**RELAXED_RATE_LIMITS, "BADGE_JOB_MAX_ROWS": str(max(sizes)), "MAIL_BUDGET_PER_HOUR": "1000"}
    results: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    # A fresh server per job: Python keeps the memory a big job took, so a second job in the same
    # process would start from the first one's high-water mark.
    for round_number in range(runs):
        for size in sizes:
            place = folder / f"{round_number}-{size}"
            place.mkdir()
            with embedded_server(REPO, place, extra=extra) as (base, env):
                server = _server_pid(int(base.rsplit(":", 1)[1]))
                token = sign_in_cli(REPO, base, env)
                result = big_job(base, token, server, lists[size])
            results[size].append(result)
            print(
                f"round {round_number + 1}, {size:,} badges: {result['seconds']:.2f} s"
                f" (202 after {result['accepted_seconds']:.2f} s), web peak {result['web_mb']:.0f} MB,"
                f" worker peak {result['worker_mb']:.0f} MB,"
                f" with its part processes (PSS) {result['job_mb']:.0f} MB, progress still at most"
                f" {result['still_seconds']:.2f} s, {result['flagged']:.0f} flagged,"
                f" {result['report_items']:.0f} badges in the report",
                flush=True,
            )
    print(f"commit {_commit()}; {os.cpu_count()} cores; medians of {runs}:")
    for size in sizes:
        rows = results[size]

        def median(key: str, rows: list[dict[str, float]] = rows) -> float:
            return statistics.median(row[key] for row in rows)

        print(
            f"  {size:>7,} badges: POST to succeeded {median('seconds'):.2f} s;"
            f" peak RSS web {median('web_mb'):.0f} MB, render worker {median('worker_mb'):.0f} MB;"
            f" with its part processes (PSS) {median('job_mb'):.0f} MB;"
            f" progress still at most {median('still_seconds'):.2f} s"
        )


def _commit() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--celery", help="a broker URL, e.g. redis://127.0.0.1:6379/15")
    parser.add_argument("--big", help="sizes of the big-job benchmark, e.g. 10000,100000 (only that runs)")
    args = parser.parse_args()
    if args.big:
        big_jobs([int(size) for size in args.big.split(",")], args.runs)
        return
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
