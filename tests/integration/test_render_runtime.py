"""The render runtime seen from the API: nothing is drawn or decoded in the web process, an expensive
preview is stopped at its limit without holding up anyone else, and a badge prints as a PDF at once.

These run against a live app (real commits, the real pool of render workers) on the suite's
database, SQLite or PostgreSQL, with requests issued from threads at the same moment.
"""

from __future__ import annotations

import base64
import io
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from api.render import runtime
from tests.factories import UserFactory
from tests.support.accounts import bearer, login

pytestmark = pytest.mark.live

# Cheap to check at 96 dpi (about 0.3 s here), several seconds at 300 dpi: each group with an
# opacity is composited through a full-size intermediate surface, so the cost grows with pixels.
LAYERS = "".join(
    f'<g opacity="0.5"><rect x="{n % 7}" y="{n % 5}" width="100" height="140" fill="#{n % 256:02x}8040"/></g>'
    for n in range(1000)
)
EXPENSIVE_AT_300_DPI = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">'
    f'{LAYERS}<text x="10" y="20" font-size="8">{{{{name}}}}</text></svg>'
).encode()


def signed_in(app: Any) -> dict[str, str]:
    with app.app_context():
        user = UserFactory(verified=True)
        from api.extensions import db

        db.session.commit()
        email = user.email
    return bearer(login(app.test_client(), email)["access_token"])


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def at_once(*calls: Callable[[], Any]) -> list[tuple[Any, float]]:
    """Run the calls in threads released together; each one's result and seconds taken."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[Any, float]] = [(None, 0.0)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        started = time.monotonic()
        results[index] = (call(), time.monotonic() - started)

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def preview(client: Any, headers: dict[str, str], template: str = "classic", **extra: Any) -> Any:
    body = {"attendees": [{"name": "Ada Lovelace"}], "options": {"template": template}, **extra}
    return client.post("/api/v1/badge-previews", json=body, headers=headers)


@pytest.fixture
def app(make_live_app):
    # A preview may use one second of CPU here; checking an upload keeps its own, larger limit.
    live = make_live_app(RENDER_PREVIEW_CPU_SECONDS=1, RENDER_PREVIEW_WALL_SECONDS=10)
    runtime.pool().wait_ready()
    return live


def test_an_expensive_preview_is_stopped_while_another_users_preview_answers_at_once(app):
    attacker, other = signed_in(app), signed_in(app)
    client = app.test_client()
    upload = client.post(
        "/api/v1/badge-templates",
        data={"file": (io.BytesIO(EXPENSIVE_AT_300_DPI), "layers.svg")},
        headers=attacker,
    )
    assert upload.status_code == 201, upload.get_json()
    template_id = upload.get_json()["id"]

    (expensive, expensive_seconds), (cheap, cheap_seconds) = at_once(
        lambda: preview(app.test_client(), attacker, template_id, dpi=300),
        lambda: preview(app.test_client(), other),
    )

    assert expensive.status_code == 422, expensive.get_json()
    assert expensive.get_json()["code"] == "template_too_complex"
    assert "CPU" in expensive.get_json()["detail"]
    assert expensive_seconds < 8  # one second of CPU, and the worker is killed
    assert cheap.status_code == 200
    assert cheap.mimetype == "image/png"
    assert cheap_seconds < 1.0, cheap_seconds
    # The killed worker was replaced: the next preview of the same user works.
    assert preview(client, attacker).status_code == 200


def test_no_transaction_is_open_while_a_worker_draws(app):
    """While one user's preview renders for a while, another user's write goes through at once."""
    slow_user, writer = signed_in(app), signed_in(app)
    client = app.test_client()
    upload = client.post(
        "/api/v1/badge-templates",
        data={"file": (io.BytesIO(EXPENSIVE_AT_300_DPI), "layers.svg")},
        headers=slow_user,
    )
    template_id = upload.get_json()["id"]
    event = {
        "name": "Summit",
        "starts_at": "2026-03-10T09:00:00+00:00",
        "ends_at": "2026-03-11T09:00:00+00:00",
    }

    def write_soon() -> Any:
        time.sleep(0.3)  # the preview has started drawing by then
        return app.test_client().post("/api/v1/events", json=event, headers=writer)

    (slow, slow_seconds), (written, write_seconds) = at_once(
        lambda: preview(app.test_client(), slow_user, template_id, dpi=300), write_soon
    )

    assert slow.status_code == 422  # drawn until its one second of CPU ran out
    assert slow_seconds > 0.8  # so it really was drawing while the write happened
    assert written.status_code == 201, written.get_json()
    assert write_seconds < 0.5, write_seconds


def big_png(side: int, color: tuple[int, int, int]) -> str:
    data = io.BytesIO()
    Image.new("RGB", (side, side), color).save(data, "PNG")
    return base64.b64encode(data.getvalue()).decode()


def test_a_template_full_of_large_images_does_not_grow_the_web_process(app):
    headers = signed_in(app)
    client = app.test_client()
    # Three 4000 x 4000 images: 192 MB once decoded, about 100 KB as an upload.
    images = "".join(
        f'<image x="{n * 30}" y="0" width="30" height="30"'
        f' href="data:image/png;base64,{big_png(4000, color)}"/>'
        for n, color in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)])
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">'
        f'{images}<text x="5" y="45" font-size="6">{{{{name}}}}</text></svg>'
    ).encode()
    before = resident_bytes()

    upload = client.post(
        "/api/v1/badge-templates", data={"file": (io.BytesIO(svg), "photos.svg")}, headers=headers
    )
    assert upload.status_code == 201, upload.get_json()
    template = upload.get_json()
    assert client.get(template["preview_url"], headers=headers).status_code == 200
    assert preview(client, headers, template["id"]).status_code == 200
    assert client.delete(f"/api/v1/badge-templates/{template['id']}", headers=headers).status_code == 204

    grown = resident_bytes() - before
    assert grown < 60 * 1024**2, f"the web process grew by {grown / 1024**2:.0f} MB"


def test_a_large_background_is_probed_in_a_worker_not_in_the_web_process(app):
    headers = signed_in(app)
    photo = io.BytesIO()
    Image.new("RGB", (5000, 5000), (90, 120, 200)).save(photo, "JPEG", quality=60)
    before = resident_bytes()

    response = app.test_client().post(
        "/api/v1/badge-jobs",
        data={
            "attendees": (io.BytesIO(b"name\nAda Lovelace\n"), "people.csv"),
            "options": '{"template": "classic"}',
            "background": (io.BytesIO(photo.getvalue()), "photo.jpg"),
        },
        headers=headers,
    )

    assert response.status_code == 202, response.get_json()
    grown = resident_bytes() - before
    # Decoded, the photo is 100 MB; the web process only passed its bytes on.
    assert grown < 40 * 1024**2, f"the web process grew by {grown / 1024**2:.0f} MB"


def test_a_broken_background_is_refused_before_the_job_is_queued(app):
    headers = signed_in(app)
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 200)).save(photo, "JPEG")
    truncated = photo.getvalue()[: len(photo.getvalue()) // 3]

    response = app.test_client().post(
        "/api/v1/badge-jobs",
        data={
            "attendees": (io.BytesIO(b"name\nAda Lovelace\n"), "people.csv"),
            "background": (io.BytesIO(truncated), "photo.jpg"),
        },
        headers=headers,
    )

    assert response.status_code == 422, response.get_json()
    assert "background" in response.get_json()["errors"]


@pytest.mark.parametrize("ask", [{"format": "pdf"}, {"accept": "application/pdf"}])
def test_one_badge_prints_as_a_pdf_at_the_badges_size(app, tmp_path, ask):
    headers = signed_in(app)
    if "accept" in ask:
        headers = {**headers, "Accept": ask["accept"]}
    body = {
        "attendees": [{"name": "Ada Lovelace", "organization": "Analytical Engines"}],
        # A sheet layout is for batches; one badge at the desk prints at its own size.
        "options": {"template": "classic", "sheet": "a4-2x2"},
        **({"format": ask["format"]} if "format" in ask else {}),
    }

    response = app.test_client().post("/api/v1/badge-previews", json=body, headers=headers)

    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="badge.pdf"'
    pdf = tmp_path / "badge.pdf"
    pdf.write_bytes(response.get_data())
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    # Classic is A6: 105 x 148 mm, 297.6 x 419.5 pt.
    assert "Page size:       297.638 x 419.528 pts" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ada Lovelace" in text


def test_the_pool_replaces_a_worker_killed_from_outside(app):
    headers = signed_in(app)
    pool = runtime.pool()
    victim = pool.stats()["lanes"]["interactive"]["idle_pids"][0]

    subprocess.run(["kill", "-9", str(victim)], check=True)

    # The dead worker is noticed before it is given a task: no request fails because of it.
    for _ in range(3):
        assert preview(app.test_client(), headers).status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(pool.stats()["lanes"]["interactive"]["idle_pids"]) < 2:
        time.sleep(0.1)
    pids = pool.stats()["lanes"]["interactive"]["idle_pids"]
    assert len(pids) == 2
    assert victim not in pids
