"""Badge jobs on the real thread runner with real commits: progress while running, and cancelling."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from api.core.storage import storage
from tests.support.accounts import signed_in
from tests.support.badge_jobs import multipart

pytestmark = pytest.mark.live

DATA = Path(__file__).resolve().parents[1] / "data"


def post_csv(client, headers, options: str = '{"sheet": "a4-2x2"}'):
    body, content_type = multipart((DATA / "attendees-10k.csv").read_bytes(), options)
    response = client.post("/api/v1/badge-jobs", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def wait_for(client, headers, job_id, condition, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/badge-jobs/{job_id}", headers=headers).get_json()
        if condition(job):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never reached the condition; last seen {job}")


def test_progress_is_visible_while_running_and_cancelling_stops_the_render(make_live_app):
    app = make_live_app()
    client, headers = app.test_client(), signed_in(app)
    job = post_csv(client, headers)

    running = wait_for(
        client, headers, job["id"], lambda j: j["status"] == "running" and j["progress"]["done"]
    )
    assert 0 < running["progress"]["done"] < running["progress"]["total"] == 10_000
    assert client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=headers).status_code == 204
    app.extensions["jobs"].wait_idle(timeout=60)

    after = client.get(f"/api/v1/badge-jobs/{job['id']}", headers=headers).get_json()
    assert after["status"] == "cancelled"
    assert after["progress"]["done"] < 10_000
    with app.app_context():
        assert not storage().exists(f"jobs/{job['id']}/badges.pdf")
        assert not list(storage().scratch_dir().glob(f"{job['id']}*"))


def test_ten_thousand_badges_from_post_to_succeeded(make_live_app):
    app = make_live_app()
    client, headers = app.test_client(), signed_in(app)
    started = time.monotonic()
    job = post_csv(client, headers)

    done = wait_for(client, headers, job["id"], lambda j: j["status"] in {"succeeded", "failed"}, timeout=120)

    assert done["status"] == "succeeded", done
    assert (done["result"]["badges"], done["result"]["pages"]) == (10_000, 2_500)
    logs = client.get(f"/api/v1/badge-jobs/{job['id']}/logs?limit=500", headers=headers).get_json()["items"]
    rendering = [line["message"] for line in logs if line["message"].startswith("Rendering")]
    assert rendering[0] == "Rendering: 1,000 of 10,000 badges."
    assert len(rendering) == 9
    # Reported, not asserted: timing belongs to the benchmark.
    print(f"10,000 badges from POST to succeeded in {time.monotonic() - started:.1f} s")
