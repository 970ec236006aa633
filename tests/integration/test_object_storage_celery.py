"""Several machines, played by processes: the API (this test's app) and two Celery workers, each with
its own empty local folder, sharing only the database, Redis and the object store (moto_server on
loopback, standing in for S3 or MinIO).

A job end to end with its download through the signed link (with Range) and the retention sweep
deleting its objects; a worker killed mid-job and the job finished by the other; and the same job on
object storage and on a local directory, timed. The job size is OBJECT_STORAGE_TEST_ROWS (1,000 by
default; the README's figures are from a run with 10,000).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from api.badges.models import BadgeJob
from api.core.db import utcnow
from api.extensions import db
from tests.integration.test_celery_badge_jobs import (
    ATTENDEES_CSV,
    FINISHED,
    RENDER_SUCCEEDED,
    get_job,
    pdf_pages,
    process_group,
    wait_for_job,
)
from tests.support.accounts import signed_in
from tests.support.badge_jobs import multipart
from tests.support.celery_stack import REDIS_URL, require_broker, wait_until
from tests.support.object_store import ObjectStore, files_under

pytestmark = pytest.mark.live

ROWS = int(os.environ.get("OBJECT_STORAGE_TEST_ROWS", "1000"))
MIB = 1024**2
# The sweep every half second; a job silent for 5 s is presumed orphaned (as in
# test_celery_badge_jobs: the timeout outlasts a render's quiet start on a busy machine).
RECOVERY = {"JOBS_SWEEP_INTERVAL": "0.5", "JOB_HEARTBEAT_TIMEOUT": "5", "JOB_REQUEUE_AFTER": "2"}


def first_rows(count: int) -> bytes:
    """The first `count` attendees of the 10,000-row list, as a CSV file."""
    with ATTENDEES_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        output = io.StringIO()
        writer = csv.writer(output)
        for _, row in zip(range(count + 1), reader, strict=False):  # the header, then the rows
            writer.writerow(row)
    return output.getvalue().encode()


def object_settings(bucket: str, folder: Path) -> dict[str, str]:
    # Parts of 5 MiB (S3's smallest): the PDFs of these jobs go up in several.
    return {
        "STORAGE_URL": f"s3://{bucket}/badges",
        "STORAGE_DIR": str(folder),
        "STORAGE_MULTIPART_THRESHOLD": str(5 * MIB),
    }


def app_object_settings(bucket: str, folder: Path) -> dict[str, Any]:
    """The same for the app in this process: configuration values, not environment strings."""
    return {**object_settings(bucket, folder), "STORAGE_MULTIPART_THRESHOLD": 5 * MIB}


def post_job(client: Any, headers: dict[str, str], rows: int, options: dict[str, Any]) -> str:
    body, content_type = multipart(first_rows(rows), json.dumps(options))
    response = client.post("/api/v1/badge-jobs", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 202, response.get_json()
    return str(response.get_json()["id"])


def fetch(client: Any, url: str, **headers: str) -> Any:
    """The signed link as a browser follows it: no Authorization header."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path, headers=headers)
    response.get_data()
    response.close()
    return response


def test_the_api_and_two_workers_share_only_the_database_the_broker_and_the_store(
    celery_stack, s3_environment: ObjectStore, tmp_path
):
    require_broker(REDIS_URL)
    bucket = s3_environment.new_bucket()
    folders = {name: tmp_path / name for name in ("api", "worker-a", "worker-b")}
    app, worker_a = celery_stack.start(
        REDIS_URL,
        beat=True,
        app_settings=app_object_settings(bucket, folders["api"]),
        **object_settings(bucket, folders["worker-a"]),
        **RECOVERY,
    )
    queue = celery_stack.queues[-1][1]
    _, worker_b = celery_stack.start(
        REDIS_URL, beat=True, queue=queue, **object_settings(bucket, folders["worker-b"]), **RECOVERY
    )
    client, headers = app.test_client(), signed_in(app)
    started = time.monotonic()

    job_id = post_job(client, headers, ROWS, {"template": "classic", "sheet": "a4-2x2"})

    done = wait_for_job(
        client, headers, job_id, lambda job: job["status"] in FINISHED, "the job to finish", timeout=600
    )
    print(f"{ROWS:,} badges through two workers on object storage in {time.monotonic() - started:.1f} s")
    assert done["status"] == "succeeded", done
    result = done["result"]
    pages = -(-ROWS // 4)
    assert (result["badges"], result["pages"]) == (ROWS, pages)
    prefix = f"badges/jobs/{job_id}/"
    keys = s3_environment.keys(bucket, prefix)
    assert {
        f"{prefix}badges.pdf",
        f"{prefix}input.json",
        f"{prefix}rows.jsonl",
        f"{prefix}report.jsonl",
    } <= set(keys), keys
    # Nobody's local folder holds anything of the job: the input went from the API to the bucket,
    # the worker rendered in its scratch folder, uploaded, and emptied it.
    for name, folder in folders.items():
        assert files_under(folder) == [], f"{name} kept files: {files_under(folder)}"
    wait_until(
        lambda: any(RENDER_SUCCEEDED.search(w.output()) for w in (worker_a, worker_b)), "a worker's log"
    )

    # The download through the signed link, streamed from the bucket by the API.
    whole = fetch(client, result["download_url"])
    assert whole.status_code == 200
    assert len(whole.data) == result["bytes"]
    pdf = tmp_path / "badges.pdf"
    pdf.write_bytes(whole.data)
    assert pdf_pages(pdf) == pages
    tail = fetch(client, result["download_url"], Range="bytes=-1024")
    assert tail.status_code == 206
    assert tail.data == whole.data[-1024:]
    assert b"%%EOF" in tail.data
    middle = fetch(
        client, result["download_url"], Range=f"bytes={len(whole.data) // 2}-{len(whole.data) // 2 + 99}"
    )
    assert middle.status_code == 206
    assert middle.data == whole.data[len(whole.data) // 2 : len(whole.data) // 2 + 100]
    assert (
        fetch(client, result["download_url"], **{"If-None-Match": whole.headers["ETag"]}).status_code == 304
    )

    # Retention: once the job's files expire, a worker's sweep deletes its objects from the bucket.
    with app.app_context():
        db.session.execute(
            update(BadgeJob)
            .where(BadgeJob.id == uuid.UUID(job_id))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    wait_until(
        lambda: not s3_environment.keys(bucket, prefix), "the sweep to delete the job's objects", timeout=60
    )
    gone = fetch(client, result["download_url"])
    assert gone.status_code == 410
    assert gone.get_json()["code"] == "file_deleted"


def test_a_job_whose_worker_is_killed_is_finished_by_the_other_from_the_store(
    celery_stack, s3_environment: ObjectStore, tmp_path
):
    require_broker(REDIS_URL)
    bucket = s3_environment.new_bucket()
    # Both run the sweep (beat), so whichever one gets the job and dies, the other notices; a
    # deployment has one beat worker, restarted by its supervisor when it dies (deploy/compose.yaml).
    app, first = celery_stack.start(
        REDIS_URL,
        beat=True,
        app_settings=app_object_settings(bucket, tmp_path / "api"),
        **object_settings(bucket, tmp_path / "worker-a"),
        **RECOVERY,
    )
    queue = celery_stack.queues[-1][1]
    _, second = celery_stack.start(
        REDIS_URL, beat=True, queue=queue, **object_settings(bucket, tmp_path / "worker-b"), **RECOVERY
    )
    client, headers = app.test_client(), signed_in(app)
    # 10,000 one-page badges: seconds of rendering, time enough to see the job running and kill
    # the worker that has it (as in test_celery_badge_jobs).
    job_id = post_job(client, headers, 10_000, {"template": "classic", "sheet": "one-per-page"})
    running = wait_for_job(
        client,
        headers,
        job_id,
        lambda job: job["status"] == "running" and job["progress"]["done"] > 0,
        "the job to be rendering",
        timeout=180,
    )
    assert running["attempts"] == 1
    # Both workers keep warm render processes; the one with the job is the one that took its message.
    holders = [worker for worker in (first, second) if "Task service.badges.render[" in worker.output()]
    assert len(holders) == 1, [worker.output()[-2000:] for worker in (first, second)]
    victim = holders[0]
    survivor = second if victim is first else first

    # The worker with the job dies at once (kill -9 of the whole group: main process, beat, pool).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait(timeout=10)
    wait_until(lambda: not process_group(victim.process.pid), "every process of the killed worker to be gone")

    done = wait_for_job(
        client, headers, job_id, lambda job: job["status"] in FINISHED, "the job to finish", timeout=600
    )
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    assert (done["result"]["badges"], done["result"]["pages"]) == (10_000, 10_000)
    wait_until(lambda: RENDER_SUCCEEDED.search(survivor.output()), "the other worker to log the task's end")
    assert not RENDER_SUCCEEDED.search(victim.output())
    # The survivor read the input from the bucket and wrote the PDF there; the API serves it.
    assert f"badges/jobs/{job_id}/badges.pdf" in s3_environment.keys(bucket, f"badges/jobs/{job_id}/")
    head = fetch(client, done["result"]["download_url"], Range="bytes=0-7")
    assert head.status_code == 206
    assert head.data.startswith(b"%PDF-")
    assert head.headers["Content-Range"].startswith("bytes 0-7/")
    assert files_under(tmp_path / "api") == []
    assert files_under(tmp_path / "worker-b" if victim is first else tmp_path / "worker-a") == []


def test_the_same_job_on_object_storage_and_on_a_local_directory(
    celery_stack, s3_environment: ObjectStore, tmp_path
):
    """Timed from the POST to succeeded, then the download; printed for the README's figures."""
    require_broker(REDIS_URL)
    bucket = s3_environment.new_bucket()
    local = {"STORAGE_DIR": str(tmp_path / "shared-disk")}  # API and worker on one disk, as before
    setups = {
        "object storage": celery_stack.start(
            REDIS_URL,
            beat=False,
            app_settings=app_object_settings(bucket, tmp_path / "api"),
            **object_settings(bucket, tmp_path / "worker"),
        )[0],
        "local directory": celery_stack.start(REDIS_URL, beat=False, app_settings=local, **local)[0],
    }
    options = {"template": "classic", "sheet": "a4-2x2"}
    measured: dict[str, tuple[float, float, dict[str, Any]]] = {}
    for name, app in setups.items():
        client, headers = app.test_client(), signed_in(app)
        started = time.monotonic()
        job_id = post_job(client, headers, ROWS, options)
        done = wait_for_job(
            client, headers, job_id, lambda job: job["status"] in FINISHED, "the job to finish", timeout=900
        )
        rendered = time.monotonic() - started
        assert done["status"] == "succeeded", (name, done)
        started = time.monotonic()
        downloaded = fetch(client, done["result"]["download_url"])
        fetched = time.monotonic() - started
        assert downloaded.status_code == 200
        assert len(downloaded.data) == done["result"]["bytes"]
        measured[name] = (rendered, fetched, get_job(client, headers, job_id)["result"])
        print(
            f"{name}: {ROWS:,} badges, POST to succeeded {rendered:.1f} s, download of"
            f" {done['result']['bytes'] / 1e6:.1f} MB {fetched:.2f} s"
        )
    results = [result for _, _, result in measured.values()]
    assert results[0]["pages"] == results[1]["pages"] == -(-ROWS // 4)
    assert results[0]["badges"] == results[1]["badges"] == ROWS
