"""Badge jobs over HTTP: checked before queueing, rendered by the runner, logged, downloaded, mailed."""

from __future__ import annotations

import io
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update

from api.badges.models import BadgeJob
from api.core.db import utcnow
from api.core.storage import storage
from api.extensions import db
from api.mail.models import OutboundEmail
from tests.smtp import body_text
from tests.support.accounts import other_headers
from tests.support.badge_jobs import (
    PEOPLE,
    download,
    get_job,
    job_body,
    job_count,
    logs,
    pdf_pages,
    post_job,
    queued,
)
from tests.support.events import create_event

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_json_job_is_queued_rendered_logged_and_downloadable_without_a_token(
    client, auth_headers, jobs, tmp_path
):
    response = post_job(client, auth_headers, job_body())

    assert response.status_code == 202
    job = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/badge-jobs/{job['id']}"
    assert job["status"] == "queued"
    assert job["progress"] == {"done": 0, "total": 4}
    assert job["result"] is None

    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])

    assert done["status"] == "succeeded", done
    assert done["progress"] == {"done": 4, "total": 4}
    assert done["started_at"]
    assert done["finished_at"]
    result = done["result"]
    assert (result["badges"], result["pages"]) == (4, 1)
    lines = logs(client, auth_headers, job["id"])
    messages = [line["message"] for line in lines]
    steps = ["Queued", "Intake", "Template", "Joining", "Storing", "Done"]
    firsts = [next(i for i, m in enumerate(messages) if m.startswith(step)) for step in steps]
    assert firsts == sorted(firsts), messages
    assert lines[-1]["type"] == "SUCCESS"
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert logs(client, auth_headers, job["id"], after=lines[-2]["seq"]) == lines[-1:]

    pdf = download(client, result["download_url"])  # no Authorization header
    assert pdf.status_code == 200
    # The downloadBadges operation's token parameter, for generated clients: the same file.
    assert result["download_url"] == f"http://localhost/api/v1/downloads/{result['download_token']}"
    assert pdf.mimetype == "application/pdf"
    assert int(pdf.headers["Content-Length"]) == result["bytes"]
    assert pdf_pages(pdf.data, tmp_path) == 1
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "out.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    assert all(" yes yes " in line for line in fonts), fonts  # embedded, subset


def test_a_csv_upload_with_a_background_image_makes_one_pdf(client, auth_headers, jobs, tmp_path):
    image = io.BytesIO()
    Image.new("RGB", (600, 800), (20, 120, 200)).save(image, "JPEG")
    data = {
        "attendees": (io.BytesIO((DATA / "attendees-utf16-tab.txt").read_bytes()), "people.txt"),
        "options": '{"template": "classic", "sheet": "a4-2x2", "background": {"fit": "cover"}}',
        "background": (io.BytesIO(image.getvalue()), "photo.jpg"),
    }
    response = client.post("/api/v1/badge-jobs", data=data, headers=auth_headers)
    assert response.status_code == 202, response.get_json()

    jobs.run_pending()
    result = get_job(client, auth_headers, response.get_json()["id"])["result"]

    assert (result["badges"], result["pages"]) == (20, 5)
    pdf = tmp_path / "photo.pdf"
    pdf.write_bytes(download(client, result["download_url"]).data)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    photos = [line.split() for line in images.stdout.splitlines()[2:] if line.split()[3:5] == ["600", "800"]]
    assert len(photos) == 20  # drawn under every badge...
    assert len({photo[10] for photo in photos}) == 1  # ...from one image object


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"options": {}}, "attendees"),
        ({"attendees": []}, "attendees"),
        ({"attendees": [{"name": "A"}], "options": {"template": "nope"}}, "options.template"),
        ({"attendees": [{"name": "A"}], "options": {"colour": "red"}}, "options.colour"),
        ({"attendees": [{"name": "A"}], "options": {"sheet": "a9-99x99"}}, "options.sheet"),
        ({"attendees": [{"name": "A"}], "options": {"sheet": {"margin_mm": 60}}}, "options.sheet.margin_mm"),
        (
            {"attendees": [{"name": "A"}], "options": {"fields": {"name": {"size": 2}}}},
            "options.fields.name.size",
        ),
        (
            {"attendees": [{"name": "A"}], "options": {"fields": {"name": {"bold": 1}}}},
            "options.fields.name.bold",
        ),
        (
            {"attendees": [{"name": "A"}], "options": {"qr": {"field": "name", "kind": "x"}}},
            "options.qr.kind",
        ),
        ({"attendees": [{"name": "A"}], "options": {"sort": 42}}, "options.sort"),
        ({"attendees": [{"name": "A"}], "options": []}, "options"),
        ({"attendees": [{"name": "A"}], "options": {"sort": ["shoe size"]}}, "options.sort"),
        ({"attendees": [{"name": "A"}], "options": {"event_id": "not-a-uuid"}}, "options.event_id"),
        ({"attendees": [{"fullname": "A"}]}, "columns"),
        ({"attendees": [{"name": {"first": "A"}}]}, "attendee 1, field 'name'"),
        ({"attendees": [{"name": "A"}], "options": [], "x": 1}, "x"),
    ],
)
def test_problems_are_422s_that_name_the_place_and_store_nothing(client, auth_headers, body, field):
    response = post_job(client, auth_headers, body)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert job_count() == 0


def test_a_bad_csv_names_its_row_and_column(client, auth_headers):
    csv = b"name,organization\nAda,Engines\nBob,Nowhere,Extra\n"
    response = client.post(
        "/api/v1/badge-jobs", data={"attendees": (io.BytesIO(csv), "a.csv")}, headers=auth_headers
    )

    assert response.status_code == 422
    assert "row 3" in " ".join(response.get_json()["errors"]), response.get_json()


def test_options_that_are_not_json_and_a_missing_file_are_422(client, auth_headers):
    no_file = client.post(
        "/api/v1/badge-jobs", data={"options": "{}"}, headers=auth_headers, content_type="multipart/form-data"
    )
    bad_options = client.post(
        "/api/v1/badge-jobs",
        data={"attendees": (io.BytesIO(b"name\nAda\n"), "a.csv"), "options": "{template: classic"},
        headers=auth_headers,
    )

    assert no_file.status_code == 422
    assert "attendees" in no_file.get_json()["errors"]
    assert bad_options.status_code == 422
    assert "options" in bad_options.get_json()["errors"]


def test_too_many_rows_is_a_413_naming_the_limit(client, auth_headers, app, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_JOB_MAX_ROWS", 3)

    response = post_job(client, auth_headers, job_body())

    assert response.status_code == 413
    assert "max_rows=3" in response.get_json()["detail"]
    assert job_count() == 0


def test_too_many_queued_jobs_is_a_429(client, auth_headers, app, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_JOBS_MAX_QUEUED_PER_USER", 2)
    queued(client, auth_headers)
    queued(client, auth_headers)

    response = post_job(client, auth_headers, job_body())

    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_jobs"
    assert response.headers["Retry-After"]


def test_an_idempotency_key_returns_the_same_job_and_refuses_a_different_body(client, auth_headers):
    headers = {**auth_headers, "Idempotency-Key": "order-2026-0001"}
    first = post_job(client, headers, job_body())
    again = post_job(client, headers, job_body())
    changed = post_job(client, headers, job_body(name="Another name"))

    assert first.status_code == again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert changed.status_code == 422
    assert changed.get_json()["code"] == "idempotency_key_reused"
    assert job_count() == 1


def test_the_same_upload_with_another_multipart_boundary_is_the_same_request(client, auth_headers):
    headers = {**auth_headers, "Idempotency-Key": "upload-1"}
    ids = set()
    for _ in range(2):
        data = {"attendees": (io.BytesIO(b"name\nAda\nGrace\n"), "a.csv"), "options": '{"sheet": "a4-2x2"}'}
        response = client.post("/api/v1/badge-jobs", data=data, headers=headers)
        assert response.status_code == 202, response.get_json()
        ids.add(response.get_json()["id"])

    assert len(ids) == 1


def test_a_bad_idempotency_key_is_a_422(client, auth_headers):
    response = post_job(client, {**auth_headers, "Idempotency-Key": "has space"}, job_body())

    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]


def test_jobs_are_listed_newest_first_and_only_the_owners(client, auth_headers):
    first = queued(client, auth_headers)
    second = queued(client, auth_headers)
    queued(client, other_headers(client), job_body())

    listed = client.get("/api/v1/badge-jobs", headers=auth_headers).get_json()

    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]
    assert listed["total"] == 2


def test_another_users_job_logs_and_cancel_are_404(client, auth_headers):
    job = queued(client, auth_headers)
    stranger = other_headers(client)

    for response in (
        client.get(f"/api/v1/badge-jobs/{job['id']}", headers=stranger),
        client.get(f"/api/v1/badge-jobs/{job['id']}/logs", headers=stranger),
        client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=stranger),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "job_not_found"
    assert get_job(client, auth_headers, job["id"])["status"] == "queued"


def test_cancelling_a_queued_job_means_it_never_runs(client, auth_headers, jobs):
    job = queued(client, auth_headers)

    assert client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=auth_headers).status_code == 204
    jobs.run_pending()

    after = get_job(client, auth_headers, job["id"])
    assert after["status"] == "cancelled"
    assert after["result"] is None
    assert not storage().exists(f"jobs/{job['id']}/input.json")
    assert logs(client, auth_headers, job["id"])[-2]["message"] == "Cancelled by its owner."


def test_deleting_a_finished_job_removes_its_file_and_its_links_answer_410(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["result"]["download_url"]

    assert client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=auth_headers).status_code == 204

    gone = download(client, url)
    assert gone.status_code == 410
    assert gone.get_json()["code"] == "file_deleted"
    after = get_job(client, auth_headers, job["id"])
    assert after["status"] == "succeeded"
    assert after["result"]["download_url"] is None
    assert after["result"]["download_token"] is None
    assert after["result"]["file_deleted"] is True


def test_a_tampered_or_moved_download_token_is_404(client, auth_headers, jobs):
    first, second = queued(client, auth_headers), queued(client, auth_headers, job_body(name="Two"))
    jobs.run_pending()
    url = get_job(client, auth_headers, first["id"])["result"]["download_url"]
    token = url.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    assert download(client, url.replace(token, tampered)).status_code == 404
    assert download(client, url.replace(token, "not-a-token")).status_code == 404
    # The other job's id cannot be swapped in without breaking the signature.
    other_payload = payload.replace(payload[:4], "eyJq")
    assert download(client, url.replace(token, f"{other_payload}.{rest}")).status_code == 404
    assert second["id"] not in url


def test_an_expired_link_is_410(client, auth_headers, jobs, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOWNLOAD_LINK_MAX_AGE", -1)
    job = queued(client, auth_headers)
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["result"]["download_url"]

    response = download(client, url)

    assert response.status_code == 410
    assert response.get_json()["code"] == "link_expired"


def test_downloads_support_range_etag_and_a_unicode_file_name(client, auth_headers, jobs):
    job = queued(client, auth_headers, job_body(name="Café Summit 2026 / Día 1"))
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["result"]["download_url"]

    whole = download(client, url)
    part = download(client, url, Range="bytes=0-7")
    cached = download(client, url, **{"If-None-Match": whole.headers["ETag"]})

    disposition = whole.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Caf%C3%A9%20Summit%202026%20D%C3%ADa%201%20badges.pdf" in disposition
    assert part.status_code == 206
    assert part.data == whole.data[:8] == b"%PDF-1.7"[:8] or part.data == whole.data[:8]
    assert part.headers["Content-Range"].startswith("bytes 0-7/")
    assert cached.status_code == 304


def test_a_job_that_fails_while_rendering_says_why_and_mails_the_reason(
    client, auth_headers, jobs, app, monkeypatch
):
    # 3,000 badges take a warm render worker well over 50 ms on any machine, however fast.
    monkeypatch.setitem(app.config, "BADGE_RENDER_WALL_SECONDS", 0.05)
    many = [{"name": f"Attendee {number}", "organization": "FOSSASIA"} for number in range(3000)]
    job = queued(client, auth_headers, {"attendees": many, "options": {"name": "Summit 2026"}})

    jobs.run_pending()

    failed = get_job(client, auth_headers, job["id"])
    assert failed["status"] == "failed"
    assert "longer than" in failed["error"]
    last = logs(client, auth_headers, job["id"])[-1]
    assert last["type"] == "ERROR"
    assert last["detail"] == "render"
    mail = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.created_at.desc())).first()
    assert mail is not None
    assert mail.template == "badges_failed"
    assert "longer than" in mail.text_body


def test_the_completion_mail_carries_the_link_and_the_pdf(client, auth_headers, jobs, smtp_server):
    job = queued(client, auth_headers)

    jobs.run_pending()  # renders, then delivers the mail it queued

    message = smtp_server.inbox.wait_for(1)[-1]
    assert message["Subject"] == 'Your badges are ready: "Summit 2026"'
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["application/pdf"].get_payload(decode=True).startswith(b"%PDF")
    text = parts["text/plain"].get_payload(decode=True).decode()
    link = next(line for line in text.splitlines() if "/api/v1/downloads/" in line).strip()
    assert download(client, link).status_code == 200
    assert get_job(client, auth_headers, job["id"])["status"] == "succeeded"


def test_a_pdf_over_the_attachment_limit_is_mailed_as_a_link_only(
    client, auth_headers, jobs, smtp_server, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_ATTACHMENT_MAX_BYTES", 100)
    queued(client, auth_headers)

    jobs.run_pending()

    message = smtp_server.inbox.wait_for(1)[-1]
    assert "application/pdf" not in {part.get_content_type() for part in message.walk()}
    assert "/api/v1/downloads/" in body_text(message)


def test_the_per_user_running_limit_defers_a_job_until_one_finishes(
    client, auth_headers, jobs, app, monkeypatch
):
    monkeypatch.setitem(app.config, "BADGE_JOBS_MAX_RUNNING_PER_USER", 1)
    first, second = queued(client, auth_headers), queued(client, auth_headers, job_body(name="Two"))
    db.session.execute(update(BadgeJob).where(BadgeJob.id == uuid.UUID(first["id"])).values(status="running"))
    jobs.pending = [item for item in jobs.pending if item[1].get("job_id") != first["id"]]

    jobs.run_pending()
    assert get_job(client, auth_headers, second["id"])["status"] == "queued"

    db.session.execute(update(BadgeJob).where(BadgeJob.id == uuid.UUID(first["id"])).values(status="failed"))
    monkeypatch.setitem(app.config, "JOB_REQUEUE_AFTER", -1)
    jobs.enqueue("badges.sweep", {})
    jobs.run_pending()
    assert get_job(client, auth_headers, second["id"])["status"] == "succeeded"


def test_the_sweep_requeues_a_job_whose_worker_died_then_fails_it_after_the_last_attempt(
    client, auth_headers, jobs, app, monkeypatch
):
    job = queued(client, auth_headers)
    jobs.pending.clear()
    job_id = uuid.UUID(job["id"])
    long_ago = utcnow() - timedelta(hours=1)

    def die_while_running(attempts: int) -> None:
        db.session.execute(
            update(BadgeJob)
            .where(BadgeJob.id == job_id)
            .values(status="running", attempts=attempts, heartbeat_at=long_ago)
        )

    die_while_running(1)
    jobs.enqueue("badges.sweep", {})
    jobs.run_pending()  # the sweep re-queues it and the new message renders it
    assert get_job(client, auth_headers, job["id"])["status"] == "succeeded"
    assert any("worker stopped" in line["message"] for line in logs(client, auth_headers, job["id"]))

    die_while_running(3)
    jobs.enqueue("badges.sweep", {})
    jobs.run_pending()
    failed = get_job(client, auth_headers, job["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "The worker stopped 3 times while rendering this job."


def test_the_sweep_deletes_files_past_their_retention(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["result"]["download_url"]
    db.session.execute(
        update(BadgeJob)
        .where(BadgeJob.id == uuid.UUID(job["id"]))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )

    jobs.enqueue("badges.sweep", {})
    jobs.run_pending()

    assert download(client, url).status_code == 410
    assert not storage().exists(f"jobs/{job['id']}/badges.pdf")


# Events and tickets ----------------------------------------------------------------------------


@pytest.fixture
def event_with_tickets(client, auth_headers):
    event = create_event(client, auth_headers)
    response = client.post(
        f"/api/v1/events/{event['id']}/tickets",
        json=[
            {"name": "Attendee", "badge_color": "#0000ff"},
            {"name": "Speaker", "badge_color": "#ff0000"},
        ],
        headers=auth_headers,
    )
    assert response.status_code == 201, response.get_json()
    return event


def test_an_unknown_ticket_name_is_a_422_naming_the_attendee(client, auth_headers, event_with_tickets):
    people = [*PEOPLE, {"name": "Zed", "ticket": "Volunteer"}]
    body = {"attendees": people, "options": {"event_id": event_with_tickets["id"]}}

    response = post_job(client, auth_headers, body)

    assert response.status_code == 422
    assert "attendee 5, column 'ticket'" in response.get_json()["errors"], response.get_json()


def test_another_users_event_is_404_in_job_options(client, auth_headers):
    stranger = other_headers(client)
    event = create_event(client, stranger)

    response = post_job(client, auth_headers, {"attendees": PEOPLE, "options": {"event_id": event["id"]}})

    assert response.status_code == 404
    assert response.get_json()["code"] == "event_not_found"


def test_badges_sort_by_ticket_position_then_name(client, auth_headers, jobs, event_with_tickets, tmp_path):
    people = [
        {"name": "Zoe Adams", "ticket": "Attendee"},
        {"name": "Ben Cole", "ticket": "Speaker"},
        {"name": "Ana Díaz", "ticket": "attendee"},
        {"name": "Émile Zola", "ticket": "Speaker"},
        {"name": "adam Smith", "ticket": "Attendee"},
    ]
    options = {"event_id": event_with_tickets["id"], "sort": ["ticket", "name"], "sheet": "one-per-page"}
    options["template"] = "card"
    job = queued(client, auth_headers, {"attendees": people, "options": options})
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["result"]["download_url"]
    pdf = tmp_path / "sorted.pdf"
    pdf.write_bytes(download(client, url).data)

    pages = []
    for page in range(1, 6):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pages.append(next(p["name"] for p in people if p["name"] in text))

    # Attendee (position 0) before Speaker (1); by name within each ticket, ignoring case and accents.
    assert pages == ["adam Smith", "Ana Díaz", "Zoe Adams", "Ben Cole", "Émile Zola"]


def band_color(png: bytes) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    # classic.svg's ticket band: the bottom 16 of 148 mm, full width.
    return image.getpixel((5, int(image.height * 0.97)))


def test_a_preview_is_a_png_coloured_by_the_attendees_ticket(client, auth_headers, event_with_tickets):
    body = {"attendees": PEOPLE, "options": {"event_id": event_with_tickets["id"]}, "row": 0, "dpi": 72}
    speaker = client.post("/api/v1/badge-previews", json=body, headers=auth_headers)
    attendee = client.post("/api/v1/badge-previews", json={**body, "row": 1}, headers=auth_headers)

    assert speaker.status_code == 200
    assert speaker.mimetype == "image/png"
    assert band_color(speaker.data) == (255, 0, 0)
    assert band_color(attendee.data) == (0, 0, 255)


def test_preview_problems_are_422_415_and_404(client, auth_headers):
    stranger_template = str(uuid.uuid4())
    out_of_range = client.post(
        "/api/v1/badge-previews", json={"attendees": PEOPLE, "row": 4}, headers=auth_headers
    )
    multipart = client.post(
        "/api/v1/badge-previews",
        data={"attendees": (io.BytesIO(b"name\nA\n"), "a.csv")},
        headers=auth_headers,
    )
    unknown_template = client.post(
        "/api/v1/badge-previews",
        json={"attendees": PEOPLE, "options": {"template": stranger_template}},
        headers=auth_headers,
    )

    assert out_of_range.status_code == 422
    assert "row" in out_of_range.get_json()["errors"]
    assert multipart.status_code == 415
    assert unknown_template.status_code == 404
    assert unknown_template.get_json()["code"] == "template_not_found"


def test_jobs_need_a_token(client):
    assert client.post("/api/v1/badge-jobs", json=job_body()).status_code == 401
    assert client.post("/api/v1/badge-previews", json=job_body()).status_code == 401


def test_a_list_with_only_names_makes_badges_and_the_log_says_what_was_left_empty(client, auth_headers, jobs):
    job = queued(client, auth_headers, {"attendees": [{"name": "Ada"}, {"name": "Grace"}]})

    jobs.run_pending()

    assert get_job(client, auth_headers, job["id"])["status"] == "succeeded"
    warnings = [
        line["message"] for line in logs(client, auth_headers, job["id"]) if line["type"] == "WARNING"
    ]
    assert warnings == [
        "The attendee list has no column for {{organization}}; it is left empty.",
        "The attendee list has no column for {{role}}; it is left empty.",
    ]


UTF16_TEMPLATE = (
    '<?xml version="1.0" encoding="UTF-16"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">'
    '<rect width="90" height="55" fill="#fff"/>'
    '<text x="45" y="30" font-size="8" text-anchor="middle">{{name}} — Zürich</text></svg>'
).encode("utf-16")


def test_a_job_keeps_its_uploaded_template_even_if_it_is_deleted_before_running(client, auth_headers, jobs):
    upload = client.post(
        "/api/v1/badge-templates",
        data={"file": (io.BytesIO(UTF16_TEMPLATE), "utf16.svg")},
        headers=auth_headers,
    )
    assert upload.status_code == 201, upload.get_json()
    template_id = upload.get_json()["id"]
    job = queued(client, auth_headers, {"attendees": PEOPLE, "options": {"template": template_id}})
    deleted = client.delete(f"/api/v1/badge-templates/{template_id}", headers=auth_headers)
    assert deleted.status_code == 204

    jobs.run_pending()

    done = get_job(client, auth_headers, job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["badges"] == 4


def test_a_file_missing_from_storage_is_410_not_an_error(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["result"]["download_url"]
    storage().delete(f"jobs/{job['id']}/badges.pdf")

    response = download(client, url)

    assert response.status_code == 410
    assert response.get_json()["code"] == "file_deleted"


@pytest.mark.parametrize("query", ["after=-1", "after=%C2%B2", "after=" + "9" * 5000, "limit=0", "limit=501"])
def test_bad_log_queries_are_422(client, auth_headers, query):
    job = queued(client, auth_headers)

    response = client.get(f"/api/v1/badge-jobs/{job['id']}/logs?{query}", headers=auth_headers)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) <= {"after", "limit"}


def test_the_mail_link_starts_with_the_address_the_job_was_asked_at(
    client, auth_headers, jobs, smtp_server, app, monkeypatch
):
    # No PUBLIC_API_URL (as under `make run`): the worker has no request of its own, so the link
    # must come from the job's request, not from a default address.
    monkeypatch.setitem(app.config, "PUBLIC_API_URL", "")
    response = post_job(client, auth_headers, job_body(), base_url="http://badges.internal:8080")
    assert response.status_code == 202, response.get_json()

    jobs.run_pending()

    text = body_text(smtp_server.inbox.wait_for(1)[-1])
    link = next(line for line in text.splitlines() if "/api/v1/downloads/" in line).strip()
    assert link.startswith("http://badges.internal:8080/api/v1/downloads/"), link
