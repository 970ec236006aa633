"""Big jobs (issue 15, items 3 and 4): the row limit is configurable up to 100,000, its refusals
are 413 problems, and a list past the old limit of 10,000 rows is taken (intake only: the suite
does not render 10,001 badges)."""

from __future__ import annotations

import json

import pytest

from api.core.storage import storage
from api.render.attendees import PackedRows
from tests.support.badge_jobs import download, get_job, job_count, logs, pdf_pages, post_job
from tests.support.problems import PROBLEM_KEYS


def assert_problem(response, status: int, code: str) -> dict:
    """The one problem-details shape: type, title, status, detail, code (and `errors` naming the
    field, for a limit of the list's own)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_KEYS <= set(body) <= PROBLEM_KEYS | {"errors"}
    assert (body["status"], body["code"]) == (status, code)
    return dict(body)


OPTIONS = json.dumps({"name": "Summit", "sheet": "a4-2x2"})


def csv_of(count: int) -> bytes:
    lines = [b"name,organization,role,email,ticket"]
    lines += [f"Person {n},Org {n % 97},Attendee,p{n}@example.org,Attendee".encode() for n in range(count)]
    return b"\r\n".join(lines) + b"\r\n"


def post_csv(client, headers, data: bytes):
    # The body made here, not by the test client: past 500 KB it would spool the body to a
    # temporary file it never closes.
    boundary = "big-jobs-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attendees"; filename="people.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n"
    ).encode()
    body += data + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n'.encode()
    body += OPTIONS.encode() + f"\r\n--{boundary}--\r\n".encode()
    return post_job(client, headers, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_list_past_the_old_limit_of_10000_rows_is_queued_whole(client, auth_headers, app):
    assert app.config["BADGE_JOB_MAX_ROWS"] == 100_000

    response = post_csv(client, auth_headers, csv_of(10_001))

    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["progress"]["total"] == 10_001
    bundle = json.loads(storage().read_bytes(f"jobs/{job['id']}/input.json"))
    rows = PackedRows(bundle["columns"], storage().read_bytes(f"jobs/{job['id']}/rows.jsonl"))
    assert len(rows) == 10_001
    assert rows[-1] == {
        "name": "Person 10000",
        "organization": "Org 9",
        "role": "Attendee",
        "email": "p10000@example.org",
        "ticket": "Attendee",
    }
    assert bundle["row_numbers"][-1] == 10_002  # the header is row 1


@pytest.mark.parametrize("shape", ["csv", "json"])
def test_rows_over_the_configured_limit_are_a_413_problem(client, auth_headers, app, monkeypatch, shape):
    monkeypatch.setitem(app.config, "BADGE_JOB_MAX_ROWS", 20)
    if shape == "csv":
        response = post_csv(client, auth_headers, csv_of(21))
    else:
        people = [{"name": f"Person {n}"} for n in range(21)]
        response = post_job(client, auth_headers, {"attendees": people, "options": {}})

    problem = assert_problem(response, 413, "limit_exceeded")
    assert "max_rows=20" in problem["detail"]
    assert job_count() == 0


def test_a_csv_over_its_byte_limit_is_a_413_problem_naming_the_setting(
    client, auth_headers, app, monkeypatch
):
    monkeypatch.setitem(app.config, "BADGE_JOB_CSV_MAX_BYTES", 1000)

    response = post_csv(client, auth_headers, csv_of(40))

    problem = assert_problem(response, 413, "limit_exceeded")
    assert "BADGE_JOB_CSV_MAX_BYTES" in problem["detail"]
    assert job_count() == 0


def test_a_json_list_over_its_byte_limit_is_a_413_problem(client, auth_headers, app, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_JOB_JSON_MAX_BYTES", 2000)
    people = [{"name": f"Person {n}", "email": f"p{n}@example.org"} for n in range(100)]

    problem = assert_problem(post_job(client, auth_headers, {"attendees": people}), 413, "payload_too_large")

    assert "BADGE_JOB_JSON_MAX_BYTES" in problem["detail"]


def test_a_job_body_may_be_larger_than_max_content_length_but_not_its_own_limit(
    client, auth_headers, app, monkeypatch
):
    # MAX_CONTENT_LENGTH bounds every other request; a badge job's body is bounded by its own
    # limits (the list's, the background's and the photos'), which a 100,000-row list needs.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    monkeypatch.setitem(app.config, "BADGE_JOB_CSV_MAX_BYTES", 20_000)
    monkeypatch.setitem(app.config, "BADGE_BACKGROUND_MAX_BYTES", 1000)
    monkeypatch.setitem(app.config, "BADGE_PHOTOS_MAX_BYTES", 0)
    monkeypatch.setitem(app.config, "BADGE_JOB_JSON_MAX_BYTES", 1000)
    monkeypatch.setattr("api.badges.intake.MULTIPART_ROOM", 1000)

    assert post_csv(client, auth_headers, csv_of(100)).status_code == 202  # about 6 KB

    problem = assert_problem(post_csv(client, auth_headers, csv_of(600)), 413, "payload_too_large")
    assert "22000 bytes" in problem["detail"]


def test_a_long_list_is_rendered_in_several_processes_into_one_pdf(
    client, auth_headers, app, jobs, monkeypatch, tmp_path
):
    """Issue 15: a job of 2,000 badges or more renders in parts side by side (BADGE_RENDER_PROCESSES),
    joined into one PDF whose pages and progress read as if one process had made them."""
    monkeypatch.setitem(app.config, "BADGE_RENDER_PROCESSES", 2)
    # Every 500th name too long for its box: wrapped, so the report names badges in both parts.
    data = csv_of(2_400).replace(b"Person 1999,", b"Person 1999 " + b"Verylongsurname " * 6 + b",")
    job = post_csv(client, auth_headers, data).get_json()

    jobs.run_pending()
    done = get_job(client, auth_headers, job["id"])

    assert done["status"] == "succeeded", done
    assert done["progress"] == {"done": 2_400, "total": 2_400}
    assert (done["result"]["badges"], done["result"]["pages"]) == (2_400, 600)
    messages = [line["message"] for line in logs(client, auth_headers, job["id"])]
    assert any("rendered in 2 processes side by side" in message for message in messages), messages
    response = download(client, done["result"]["download_url"])
    assert response.status_code == 200
    assert pdf_pages(response.data, tmp_path) == 600
    report = client.get(f"/api/v1/badge-jobs/{job['id']}/report?per_page=100", headers=auth_headers)
    items = report.get_json()["items"]
    # Row 2001 (the 2,000th attendee) is badge 2000: page 500 slot 4, in the second part.
    assert {"row": 2001, "page": 500, "slot": 4} in [
        {key: item[key] for key in ("row", "page", "slot")} for item in items
    ], items
