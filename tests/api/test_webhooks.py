"""Webhooks over HTTP: registering endpoints, the targets refused, and signed job events delivered
to a real receiver on loopback, verified with the Standard Webhooks specification's own library."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api.core.db import utcnow
from api.extensions import db
from api.webhooks.models import WebhookDelivery
from api.webhooks.outbox import sweep_deliveries
from tests.smtp import free_port
from tests.support.accounts import other_headers
from tests.support.badge_jobs import download, get_job, queued
from tests.support.webhooks import LOOPBACK, Receiver, deliveries, register


@pytest.fixture
def loopback_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", LOOPBACK)


@pytest.fixture
def receiver(loopback_allowed):
    server = Receiver().start()
    yield server
    server.stop()


def make_retry_due() -> None:
    """The backoff has passed: every waiting delivery is due now (the test moves the clock, not sleeps)."""
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def run_sweep(jobs) -> int:
    handed = sweep_deliveries()
    jobs.run_pending()
    return handed


def test_a_new_webhook_answers_its_secret_once(client, auth_headers, receiver):
    response = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["job.succeeded"], "description": "Check-in app"},
        headers=auth_headers,
    )

    assert response.status_code == 201
    webhook = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/webhooks/{webhook['id']}"
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]+={0,2}", webhook["secret"])
    assert len(base64.b64decode(webhook["secret"].removeprefix("whsec_"))) == 32
    assert (webhook["url"], webhook["events"], webhook["description"]) == (
        receiver.url,
        ["job.succeeded"],
        "Check-in app",
    )
    shown = client.get(f"/api/v1/webhooks/{webhook['id']}", headers=auth_headers).get_json()
    assert "secret" not in shown
    listed = client.get("/api/v1/webhooks", headers=auth_headers).get_json()
    assert [item["id"] for item in listed["items"]] == [webhook["id"]]
    assert "secret" not in listed["items"][0]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "at least one event"),
        (["job.succeeded", "job.succeeded"], "twice"),
        (["job.started"], "Must be one of"),
    ],
)
def test_events_must_be_known_and_distinct(client, auth_headers, receiver, events, message):
    response = client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": events}, headers=auth_headers
    )

    assert response.status_code == 422
    problem = response.get_json()
    assert any(key.startswith("events") for key in problem["errors"])
    assert message in str(problem["errors"])


REFUSED_ANYWHERE = [
    ("http://10.0.0.7/hook", "10.0.0.7 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fd00::1]/hook", "fd00::1 is a private address"),
    ("http://100.64.0.1/hook", "100.64.0.1 is a non-public address"),
    ("http://0.0.0.0:8080/", "0.0.0.0 is an unspecified address"),
    ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
    ("http://user:secret@hooks.example.org/", "Must not carry a user name or password."),
    ("ftp://hooks.example.org/", "Must be an http:// or https:// URL."),
    ("http://hooks.example.org/#top", "Must not have a #fragment"),
    ("http://hooks.example.org:99999/", "port"),
]
REFUSED_WITHOUT_LOOPBACK = [
    ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"),
    ("http://[::1]:8080/hook", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:8080/hook", "::ffff:127.0.0.1 is a loopback address"),
    ("http://2130706433/hook", "2130706433 resolves to 127.0.0.1, which is a loopback address"),
    ("http://localhost:8080/hook", "localhost resolves to"),
]


def refused(client, headers, url) -> str:
    response = client.post("/api/v1/webhooks", json={"url": url, "events": ["job.failed"]}, headers=headers)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert list(problem["errors"]) == ["url"]
    return problem["errors"]["url"][0]


@pytest.mark.parametrize(("url", "reason"), REFUSED_ANYWHERE + REFUSED_WITHOUT_LOOPBACK)
def test_refused_targets_are_422s_naming_url(client, auth_headers, url, reason):
    assert reason in refused(client, auth_headers, url)
    assert client.get("/api/v1/webhooks", headers=auth_headers).get_json()["total"] == 0


@pytest.mark.parametrize(("url", "reason"), REFUSED_ANYWHERE)
def test_allowing_loopback_admits_loopback_only(client, auth_headers, loopback_allowed, url, reason):
    assert reason in refused(client, auth_headers, url)


def test_loopback_by_any_spelling_is_admitted_by_the_allowed_network(client, auth_headers, loopback_allowed):
    for url in ("http://127.0.0.1:9/a", "http://[::ffff:127.0.0.1]:9/b", "http://2130706433:9/c"):
        register(client, auth_headers, url)

    assert client.get("/api/v1/webhooks", headers=auth_headers).get_json()["total"] == 3
    # IPv6's loopback is not in 127.0.0.0/8.
    assert "::1 is a loopback address" in refused(client, auth_headers, "http://[::1]:9/d")


def test_production_takes_https_only(client, auth_headers, app, monkeypatch, loopback_allowed):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")

    assert refused(client, auth_headers, "http://127.0.0.1:8080/hook") == "Must be an https:// URL."
    register(client, auth_headers, "https://127.0.0.1:8443/hook")


def test_a_user_has_at_most_the_configured_number_of_webhooks(
    client, auth_headers, app, monkeypatch, receiver
):
    monkeypatch.setitem(app.config, "WEBHOOKS_MAX_PER_USER", 2)
    register(client, auth_headers, receiver.url)
    register(client, auth_headers, receiver.url)

    response = client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["job.failed"]}, headers=auth_headers
    )

    assert response.status_code == 422
    assert response.get_json()["code"] == "too_many_webhooks"


def test_a_url_longer_than_the_limit_is_refused(client, auth_headers, receiver):
    long_url = receiver.url + "?" + "a" * 2000
    response = client.post(
        "/api/v1/webhooks", json={"url": long_url, "events": ["job.failed"]}, headers=auth_headers
    )

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["url"]


def test_another_users_webhook_is_404_everywhere(client, auth_headers, receiver):
    webhook = register(client, auth_headers, receiver.url)
    other = other_headers(client)
    path = f"/api/v1/webhooks/{webhook['id']}"

    assert client.get(path, headers=other).status_code == 404
    assert client.patch(path, json={"description": "mine"}, headers=other).status_code == 404
    assert client.delete(path, headers=other).status_code == 404
    assert client.post(f"{path}/secret", headers=other).status_code == 404
    assert client.get(f"{path}/deliveries", headers=other).status_code == 404
    assert client.get("/api/v1/webhooks", headers=other).get_json()["total"] == 0
    assert client.get(path, headers=auth_headers).get_json()["description"] == ""


def test_a_patch_checks_a_new_url_and_changes_events(client, auth_headers, receiver):
    webhook = register(client, auth_headers, receiver.url)
    path = f"/api/v1/webhooks/{webhook['id']}"

    bad = client.patch(path, json={"url": "http://10.1.2.3/"}, headers=auth_headers)
    changed = client.patch(path, json={"events": ["job.failed"]}, headers=auth_headers)

    assert bad.status_code == 422
    assert list(bad.get_json()["errors"]) == ["url"]
    assert changed.status_code == 200
    assert changed.get_json()["events"] == ["job.failed"]
    assert changed.get_json()["url"] == receiver.url


def test_a_job_that_succeeds_sends_one_signed_job_succeeded(client, auth_headers, jobs, receiver):
    webhook = register(client, auth_headers, receiver.url)
    job = queued(client, auth_headers)

    jobs.run_pending()

    [request] = receiver.wait_for(1)
    event = request.verified(webhook["secret"])
    assert event["type"] == "job.succeeded"
    assert request.path == "/hooks/badges"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"].startswith("msg_")
    data = event["data"]
    assert (data["id"], data["status"], data["name"], data["badges"], data["pages"]) == (
        job["id"],
        "succeeded",
        "Summit 2026",
        4,
        1,
    )
    assert data["links"]["job"] == f"http://localhost/api/v1/badge-jobs/{job['id']}"
    pdf = download(client, data["download_url"])
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    assert get_job(client, auth_headers, job["id"])["status"] == "succeeded"
    [delivery] = deliveries(client, auth_headers, webhook["id"])
    assert delivery["event_id"] == request.headers["webhook-id"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 204)
    assert delivery["next_attempt_at"] is None
    assert run_sweep(jobs) == 0
    assert len(receiver.received) == 1


def test_only_the_events_an_endpoint_asked_for_are_sent(client, auth_headers, jobs, receiver):
    register(client, auth_headers, receiver.url, events=["job.failed"])
    queued(client, auth_headers)

    jobs.run_pending()

    assert receiver.received == []
    assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_a_job_that_fails_sends_job_failed_with_its_error(
    client, auth_headers, jobs, app, monkeypatch, receiver
):
    webhook = register(client, auth_headers, receiver.url)
    # 3,000 badges take a warm render worker well over 50 ms on any machine, however fast.
    monkeypatch.setitem(app.config, "BADGE_RENDER_WALL_SECONDS", 0.05)
    many = [{"name": f"Attendee {number}", "organization": "FOSSASIA"} for number in range(3000)]
    job = queued(client, auth_headers, {"attendees": many, "options": {"name": "Summit 2026"}})

    jobs.run_pending()

    [request] = receiver.wait_for(1)
    event = request.verified(webhook["secret"])
    assert event["type"] == "job.failed"
    assert event["data"]["id"] == job["id"]
    assert "longer than" in event["data"]["error"]
    assert "download_url" not in event["data"]


def test_a_cancelled_job_sends_job_cancelled(client, auth_headers, jobs, receiver):
    webhook = register(client, auth_headers, receiver.url)
    job = queued(client, auth_headers)

    assert client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=auth_headers).status_code == 204
    jobs.run_pending()

    [request] = receiver.wait_for(1)
    event = request.verified(webhook["secret"])
    assert (event["type"], event["data"]["status"]) == ("job.cancelled", "cancelled")
    assert event["data"]["error"] == "Cancelled by its owner."
    # Cancelling again changes nothing and announces nothing.
    assert client.delete(f"/api/v1/badge-jobs/{job['id']}", headers=auth_headers).status_code == 204
    jobs.run_pending()
    assert len(receiver.received) == 1


def test_a_receiver_that_is_down_then_up_gets_the_event_once(client, auth_headers, jobs, loopback_allowed):
    port = free_port()
    webhook = register(client, auth_headers, f"http://127.0.0.1:{port}/hooks/badges")
    queued(client, auth_headers)

    jobs.run_pending()  # renders; the first attempt finds the port closed

    [delivery] = deliveries(client, auth_headers, webhook["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert delivery["last_error"] == "Connection refused."
    assert delivery["last_status_code"] is None
    waited = db.session.scalar(select(WebhookDelivery.next_attempt_at)) - db.session.scalar(
        select(WebhookDelivery.last_attempt_at)
    )
    assert timedelta(seconds=29) < waited < timedelta(seconds=31)  # WEBHOOK_BACKOFF_SECONDS
    assert run_sweep(jobs) == 0  # not due yet

    receiver = Receiver(port).start()
    try:
        make_retry_due()
        assert run_sweep(jobs) == 1
        [request] = receiver.wait_for(1)
        assert request.verified(webhook["secret"])["type"] == "job.succeeded"
        assert request.headers["webhook-id"] == delivery["event_id"]
        make_retry_due()
        assert run_sweep(jobs) == 0
        assert len(receiver.received) == 1
    finally:
        receiver.stop()
    [delivered] = deliveries(client, auth_headers, webhook["id"])
    assert (delivered["status"], delivered["attempts"], delivered["last_error"]) == ("delivered", 2, None)


def test_a_receiver_answering_500_is_retried_with_the_same_id_and_its_answer_is_cut(
    client, auth_headers, jobs, receiver
):
    webhook = register(client, auth_headers, receiver.url)
    receiver.status, receiver.body = 500, b"x" * 150 + "é".encode() * 400
    queued(client, auth_headers)
    jobs.run_pending()

    [failed] = deliveries(client, auth_headers, webhook["id"])
    assert (failed["status"], failed["attempts"], failed["last_status_code"]) == ("pending", 1, 500)
    assert failed["last_error"] == "The receiver answered 500 Internal Server Error."
    assert len(failed["response_excerpt"].encode()) <= 200 + 3  # 200 bytes; a cut character shows as U+FFFD
    assert failed["response_excerpt"].startswith("x" * 150 + "é")

    receiver.status, receiver.body = 200, b"thanks"
    make_retry_due()
    run_sweep(jobs)

    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert second.verified(webhook["secret"])["type"] == "job.succeeded"
    [delivered] = deliveries(client, auth_headers, webhook["id"])
    assert (delivered["status"], delivered["attempts"], delivered["response_excerpt"]) == (
        "delivered",
        2,
        "thanks",
    )


def test_a_redirect_is_not_followed(client, auth_headers, jobs, receiver):
    elsewhere = Receiver().start()
    try:
        webhook = register(client, auth_headers, receiver.url)
        receiver.status, receiver.location = 302, elsewhere.url
        queued(client, auth_headers)
        jobs.run_pending()

        receiver.wait_for(1)
        assert elsewhere.received == []
        [delivery] = deliveries(client, auth_headers, webhook["id"])
        assert (delivery["status"], delivery["last_status_code"]) == ("pending", 302)
        assert delivery["last_error"] == f"Redirect 302 to {elsewhere.url} not followed."
    finally:
        elsewhere.stop()


def test_after_the_last_attempt_a_delivery_is_failed(
    client, auth_headers, jobs, app, monkeypatch, loopback_allowed
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    webhook = register(client, auth_headers, f"http://127.0.0.1:{free_port()}/")
    queued(client, auth_headers)
    jobs.run_pending()
    make_retry_due()
    run_sweep(jobs)

    [delivery] = deliveries(client, auth_headers, webhook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt_at"]) == ("failed", 2, None)
    make_retry_due()
    assert run_sweep(jobs) == 0


def test_the_target_is_checked_again_at_delivery(client, auth_headers, jobs, app, monkeypatch, receiver):
    webhook = register(client, auth_headers, receiver.url)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")
    queued(client, auth_headers)

    jobs.run_pending()

    assert receiver.received == []
    [delivery] = deliveries(client, auth_headers, webhook["id"])
    assert delivery["status"] == "pending"
    assert delivery["last_error"].startswith("Target refused: 127.0.0.1 is a loopback address")


def test_a_rotated_secret_signs_the_next_delivery_beside_the_old_one_for_the_overlap(
    client, auth_headers, jobs, app, monkeypatch, receiver
):
    webhook = register(client, auth_headers, receiver.url)
    rotated = client.post(f"/api/v1/webhooks/{webhook['id']}/secret", headers=auth_headers)
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != webhook["secret"]
    assert rotated.get_json()["previous_secret_until"] is not None

    queued(client, auth_headers)
    jobs.run_pending()

    [request] = receiver.wait_for(1)
    assert request.verified(new_secret)["type"] == "job.succeeded"
    assert request.verifies_with(webhook["secret"])  # the overlap: two signatures
    assert len(request.headers["webhook-signature"].split(" ")) == 2

    monkeypatch.setitem(app.config, "WEBHOOK_SECRET_OVERLAP_SECONDS", 0)
    newest = client.post(f"/api/v1/webhooks/{webhook['id']}/secret", headers=auth_headers).get_json()
    assert newest["previous_secret_until"] is None
    queued(client, auth_headers)
    jobs.run_pending()
    _, second = receiver.wait_for(2)
    assert second.verifies_with(newest["secret"])
    assert not second.verifies_with(new_secret)
    assert not second.verifies_with(webhook["secret"])


def test_a_deleted_webhook_takes_its_deliveries_and_sends_nothing_more(client, auth_headers, jobs, receiver):
    webhook = register(client, auth_headers, receiver.url)
    queued(client, auth_headers)
    jobs.run_pending()
    receiver.wait_for(1)

    assert client.delete(f"/api/v1/webhooks/{webhook['id']}", headers=auth_headers).status_code == 204
    queued(client, auth_headers)
    jobs.run_pending()

    assert len(receiver.received) == 1
    assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert client.get(f"/api/v1/webhooks/{webhook['id']}", headers=auth_headers).status_code == 404


def test_finished_deliveries_are_deleted_after_their_retention(client, auth_headers, jobs, receiver):
    webhook = register(client, auth_headers, receiver.url)
    queued(client, auth_headers)
    jobs.run_pending()
    assert [row["status"] for row in deliveries(client, auth_headers, webhook["id"])] == ["delivered"]

    run_sweep(jobs)
    assert len(deliveries(client, auth_headers, webhook["id"])) == 1  # within its 30 days
    db.session.execute(update(WebhookDelivery).values(updated_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    run_sweep(jobs)

    assert deliveries(client, auth_headers, webhook["id"]) == []


def test_a_failed_delivery_retried_by_its_owner_gets_one_more_attempt(
    client, auth_headers, jobs, app, monkeypatch, receiver
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 1)
    webhook = register(client, auth_headers, receiver.url)
    receiver.status = 503
    queued(client, auth_headers)
    jobs.run_pending()
    [failed] = deliveries(client, auth_headers, webhook["id"])
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    path = f"/api/v1/webhooks/{webhook['id']}/deliveries/{failed['id']}/retry"

    assert client.post(path, headers=other_headers(client)).status_code == 404
    receiver.status = 204
    response = client.post(path, headers=auth_headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "pending"
    jobs.run_pending()

    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.verifies_with(webhook["secret"])
    [delivered] = deliveries(client, auth_headers, webhook["id"])
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)
    unknown = client.post(
        f"/api/v1/webhooks/{webhook['id']}/deliveries/{webhook['id']}/retry", headers=auth_headers
    )
    assert unknown.status_code == 404
    assert unknown.get_json()["code"] == "delivery_not_found"
