"""The live build log (`GET /badge-jobs/{id}/log-stream`): Server-Sent Events of a job's lines,
progress and end, resumable, with a heartbeat, behind the bearer token or a signed URL, for a
browser on another origin.

The Flask test client reads the stream to its end, as a thread-per-request server serves it; the
same stream under gunicorn's asgi worker is tested in tests/faults/test_log_stream_gunicorn.py.
"""

from __future__ import annotations

import pytest

from tests.support.accounts import other_headers
from tests.support.badge_jobs import get_job, logs, queued
from tests.support.event_streams import of_kind, parse_events
from tests.support.problems import PROBLEM_KEYS

ALLOWED_ORIGIN = "https://app.example.org"


def stream_path(job_id: str) -> str:
    return f"/api/v1/badge-jobs/{job_id}/log-stream"


def signed_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def quick_streams(app, monkeypatch):
    """Polls and heartbeats in tens of milliseconds, and a stream of an unfinished job that gives up
    after a moment, so a test reads it to its end."""
    monkeypatch.setitem(app.config, "LOG_STREAM_POLL_SECONDS", 0.02)
    monkeypatch.setitem(app.config, "LOG_STREAM_HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setitem(app.config, "LOG_STREAM_MAX_SECONDS", 0.4)


def test_the_stream_sends_every_line_the_progress_and_ends_at_the_final_status(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()

    response = client.get(stream_path(job["id"]), headers={**auth_headers, "Accept-Encoding": "gzip, br"})

    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "Content-Encoding" not in response.headers  # compression would hold events back
    assert "Content-Length" not in response.headers
    events, _ = parse_events(response.get_data(as_text=True))
    lines = logs(client, auth_headers, job["id"])
    assert [event.data for event in of_kind(events, "log")] == lines
    assert [event.id for event in of_kind(events, "log")] == [line["seq"] for line in lines]
    assert of_kind(events, "progress")[-1].data == {"status": "succeeded", "done": 4, "total": 4}
    assert events[-1].kind == "end"
    assert events[-1].data == {"status": "succeeded", "error": None}
    assert events[-1].id is None  # only log lines move the browser's Last-Event-ID


def test_last_event_id_resumes_after_the_last_line_seen(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()
    seqs = [line["seq"] for line in logs(client, auth_headers, job["id"])]
    assert len(seqs) > 5

    def first_line_after(**kwargs) -> int:
        response = client.get(stream_path(job["id"]), **kwargs)
        assert response.status_code == 200
        return of_kind(parse_events(response.get_data(as_text=True))[0], "log")[0].id

    assert first_line_after(headers={**auth_headers, "Last-Event-ID": "3"}) == 4
    assert first_line_after(headers=auth_headers, query_string={"last_event_id": "5"}) == 6
    # A reconnecting EventSource sends the header; it is newer than the URL's parameter.
    assert (
        first_line_after(headers={**auth_headers, "Last-Event-ID": "2"}, query_string={"last_event_id": "5"})
        == 3
    )

    everything_seen = client.get(
        stream_path(job["id"]), headers={**auth_headers, "Last-Event-ID": str(seqs[-1])}
    )
    events, _ = parse_events(everything_seen.get_data(as_text=True))
    assert [event.kind for event in events] == ["progress", "end"]


def test_a_last_event_id_that_is_not_a_line_number_is_a_422(client, auth_headers):
    job = queued(client, auth_headers)

    response = client.get(stream_path(job["id"]), headers={**auth_headers, "Last-Event-ID": "abc"})

    assert response.status_code == 422
    assert "Last-Event-ID" in response.get_json()["errors"]


def test_a_quiet_stream_sends_heartbeat_comments_and_no_end_before_the_job_ends(
    client, auth_headers, quick_streams
):
    job = queued(client, auth_headers)  # the manual runner leaves it queued

    response = client.get(stream_path(job["id"]), headers=auth_headers)

    assert response.status_code == 200
    events, comments = parse_events(response.get_data(as_text=True))
    assert comments.count("heartbeat") >= 3
    assert [event.kind for event in events] == ["log", "progress"]
    assert events[0].data["message"].startswith("Queued:")
    assert events[1].data == {"status": "queued", "done": 0, "total": 4}


def test_cancelling_the_job_ends_the_stream_with_cancelled(client, auth_headers):
    job = queued(client, auth_headers)
    assert client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=auth_headers).status_code == 204

    response = client.get(stream_path(job["id"]), headers=auth_headers)

    events, _ = parse_events(response.get_data(as_text=True))
    assert "Cancelled by its owner." in [event.data["message"] for event in of_kind(events, "log")]
    assert events[-1].kind == "end"
    assert events[-1].data == {"status": "cancelled", "error": "Cancelled by its owner."}


def test_the_signed_url_opens_the_stream_without_an_authorization_header(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["log_stream_url"]
    assert url.startswith(f"http://localhost/api/v1/badge-jobs/{job['id']}/log-stream?token=")

    response = client.get(signed_path(url))

    assert response.status_code == 200
    events, _ = parse_events(response.get_data(as_text=True))
    assert events[-1].data == {"status": "succeeded", "error": None}
    assert len(of_kind(events, "log")) == len(logs(client, auth_headers, job["id"]))


def test_an_expired_signed_url_is_a_401_problem(client, auth_headers, app, monkeypatch):
    job = queued(client, auth_headers)
    monkeypatch.setitem(app.config, "LOG_STREAM_LINK_MAX_AGE", -1)  # links expire as they are made
    url = get_job(client, auth_headers, job["id"])["log_stream_url"]

    response = client.get(signed_path(url))

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()) >= PROBLEM_KEYS
    assert response.get_json()["code"] == "stream_link_expired"


def test_a_forged_token_or_one_for_another_job_is_a_403_problem(client, auth_headers):
    first, second = queued(client, auth_headers), queued(client, auth_headers)
    url = get_job(client, auth_headers, first["id"])["log_stream_url"]
    token = url.split("token=", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    altered = client.get(stream_path(first["id"]), query_string={"token": forged})
    elsewhere = client.get(stream_path(second["id"]), query_string={"token": token})

    for response in (altered, elsewhere):
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "stream_link_invalid"


def test_another_users_job_is_a_404_and_no_credentials_a_401(client, auth_headers):
    job = queued(client, auth_headers)

    others = client.get(stream_path(job["id"]), headers=other_headers(client))
    nobody = client.get(stream_path(job["id"]))

    assert others.status_code == 404
    assert others.mimetype == "application/problem+json"
    assert others.get_json()["code"] == "job_not_found"
    assert nobody.status_code == 401
    assert nobody.mimetype == "application/problem+json"


def test_the_stream_answers_a_browser_on_the_apps_origin(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()
    url = get_job(client, auth_headers, job["id"])["log_stream_url"]

    preflight = client.options(
        stream_path(job["id"]),
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, last-event-id",
        },
    )
    fetched = client.get(stream_path(job["id"]), headers={**auth_headers, "Origin": ALLOWED_ORIGIN})
    event_source = client.get(signed_path(url), headers={"Origin": ALLOWED_ORIGIN, "Last-Event-ID": "1"})

    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    allowed = {name.strip().lower() for name in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "last-event-id"} <= allowed
    for response in (fetched, event_source):
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        assert "Origin" in response.headers["Vary"]
        assert parse_events(response.get_data(as_text=True))[0][-1].kind == "end"


def test_a_stream_for_another_origin_carries_no_cors_headers(client, auth_headers, jobs):
    job = queued(client, auth_headers)
    jobs.run_pending()

    response = client.get(
        stream_path(job["id"]), headers={**auth_headers, "Origin": "https://evil.example.com"}
    )

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
