"""A full disk under STORAGE_DIR: a 2 MB tmpfs the test mounts (CI runs as root) and fills.

A request that stores a job's input answers 503 `storage_full` and leaves no job row and no file;
a job whose PDF fills the disk fails with "storage is full"; /health says storage is down; the
sweep deletes partial and orphaned files; and once space is back the next job succeeds, with no
restart. One test at the end stands in a stub for the disk (named so) where mounting is impossible.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from api.badges.models import BadgeJob
from api.badges.sweep import sweep_jobs
from api.core.storage import LocalStorage
from api.extensions import db

PEOPLE = [{"name": f"Attendee {n}", "organization": "Full Disks Inc."} for n in range(200)]


def job_body(name: str = "Full disk") -> dict:
    return {"attendees": PEOPLE, "options": {"name": name, "sheet": "a4-2x2"}}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "storage"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(root)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


@pytest.fixture
def disk_storage(app, small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app stores everything on the small disk for this test."""
    monkeypatch.setitem(app.extensions, "storage", LocalStorage(small_disk))
    return small_disk


def fill(root: Path, leave: int = 0) -> Path:
    """Write a file until the disk is full, then give back `leave` bytes."""
    filler = root / "filler"
    chunk = b"\0" * 65536
    full: OSError | None = None
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as error:
            full = error
    assert full is not None
    assert full.errno == errno.ENOSPC
    if leave:
        os.truncate(filler, max(filler.stat().st_size - leave, 0))
    return filler


def files_besides(root: Path, *kept: Path) -> list[str]:
    found = (path for path in root.rglob("*") if path.is_file() and path not in kept)
    return sorted(str(path.relative_to(root)) for path in found)


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(BadgeJob)) or 0


def assert_storage_full_problem(response) -> None:
    assert response.status_code == 503, response.get_json()
    problem = response.get_json()
    assert problem["code"] == "storage_full"
    assert "storage is full" in problem["detail"]
    assert response.headers["Retry-After"].isdigit()


def test_a_json_job_on_a_full_disk_is_503_and_leaves_nothing(client, auth_headers, disk_storage):
    filler = fill(disk_storage)
    before = job_count()

    response = client.post("/api/v1/badge-jobs", json=job_body(), headers=auth_headers)

    assert_storage_full_problem(response)
    assert job_count() == before
    assert files_besides(disk_storage, filler) == []


def test_a_multipart_job_with_a_background_on_a_full_disk_is_503_and_leaves_nothing(
    client, auth_headers, disk_storage
):
    image = io.BytesIO()
    Image.new("RGB", (600, 800), (20, 120, 200)).save(image, "JPEG")
    # Room for the start of the background, not all of it: the write fails half-way.
    filler = fill(disk_storage, leave=8192)
    before = job_count()
    data = {
        "attendees": (io.BytesIO(b"name\nAda Lovelace\nGrace Hopper\n"), "people.csv"),
        "options": '{"template": "classic", "background": {"fit": "cover"}}',
        "background": (io.BytesIO(image.getvalue()), "photo.jpg"),
    }

    response = client.post("/api/v1/badge-jobs", data=data, headers=auth_headers)

    assert_storage_full_problem(response)
    assert job_count() == before
    assert files_besides(disk_storage, filler) == []


def test_a_job_whose_pdf_fills_the_disk_fails_with_the_true_reason_then_the_next_one_succeeds(
    client, auth_headers, jobs, disk_storage
):
    queued = client.post("/api/v1/badge-jobs", json=job_body(), headers=auth_headers)
    assert queued.status_code == 202, queued.get_json()
    filler = fill(disk_storage, leave=8192)  # the input is stored; the PDF will not fit

    jobs.run_pending()

    failed = client.get(f"/api/v1/badge-jobs/{queued.get_json()['id']}", headers=auth_headers).get_json()
    assert failed["status"] == "failed"
    assert "storage is full" in failed["error"]
    assert "grew past" not in failed["error"]
    assert not list((disk_storage / ".scratch").iterdir())  # the partial PDF is gone
    health = client.get("/api/v1/health").get_json()
    assert health["checks"]["storage"]["status"] == "down"
    assert "nearly full" in health["checks"]["storage"]["error"]

    filler.unlink()  # space is back: no restart, the very next job works
    again = client.post("/api/v1/badge-jobs", json=job_body("After"), headers=auth_headers)
    assert again.status_code == 202, again.get_json()
    jobs.run_pending()
    done = client.get(f"/api/v1/badge-jobs/{again.get_json()['id']}", headers=auth_headers).get_json()
    assert done["status"] == "succeeded", done


def test_health_reports_storage_under_the_free_space_mark(client, disk_storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_MIN_FREE_BYTES", 1024 * 1024)
    assert client.get("/api/v1/health").get_json()["checks"]["storage"]["status"] == "ok"

    filler = fill(disk_storage, leave=512 * 1024)
    storage_check = client.get("/api/v1/health").get_json()["checks"]["storage"]
    assert storage_check["status"] == "down"
    assert storage_check["free_bytes"] < 1024 * 1024

    filler.unlink()
    assert client.get("/api/v1/health").get_json()["checks"]["storage"]["status"] == "ok"


def test_the_sweep_deletes_partial_and_orphaned_files_older_than_an_hour(
    client, auth_headers, jobs, disk_storage
):
    kept_job = client.post("/api/v1/badge-jobs", json=job_body(), headers=auth_headers).get_json()
    an_hour_ago = time.time() - 3700
    orphan = disk_storage / "jobs" / str(uuid.uuid4())
    orphan.mkdir(parents=True)
    (orphan / "input.json").write_bytes(b"{}")
    stale_partial = disk_storage / "jobs" / kept_job["id"] / ".partial-stale"
    stale_partial.write_bytes(b"half")
    fresh_partial = disk_storage / "jobs" / kept_job["id"] / ".partial-fresh"
    fresh_partial.write_bytes(b"being written")
    young_orphan = disk_storage / "jobs" / str(uuid.uuid4())
    young_orphan.mkdir()
    for path in (orphan, stale_partial, disk_storage / "jobs" / kept_job["id"]):
        os.utime(path, (an_hour_ago, an_hour_ago))

    counts = sweep_jobs()

    assert counts["leftovers"] == 2
    assert not orphan.exists()
    assert not stale_partial.exists()
    assert fresh_partial.exists()  # a write in progress
    assert young_orphan.exists()  # may be a job whose request has not committed yet
    assert (disk_storage / "jobs" / kept_job["id"] / "input.json").exists()  # its job exists


def test_an_enospc_from_a_storage_stub_is_503_where_no_disk_can_be_mounted(client, auth_headers, monkeypatch):
    """The one mock of this file: a disk that is always full, for machines that cannot mount."""

    def full_disk(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    before = job_count()

    response = client.post("/api/v1/badge-jobs", json=job_body(), headers=auth_headers)

    monkeypatch.undo()
    assert_storage_full_problem(response)
    assert job_count() == before
