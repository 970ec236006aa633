"""Webhooks on the real thread runner with real commits: a receiver on loopback gets each event once,
one that is down gets it once it is up, one that hangs holds neither the job nor the render worker,
and two workers handed the same delivery send it once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api.core.db import utcnow
from api.extensions import db
from api.webhooks.models import Webhook, WebhookDelivery
from api.webhooks.outbox import deliver, queue_event, sweep_deliveries
from tests.smtp import free_port
from tests.support.accounts import signed_in
from tests.support.badge_jobs import queued
from tests.support.webhooks import LOOPBACK, Receiver, deliveries, register

pytestmark = pytest.mark.live


def live(make_live_app, **overrides):
    app = make_live_app(WEBHOOK_ALLOWED_NETWORKS=LOOPBACK, **overrides)
    return app, app.test_client(), signed_in(app)


def wait_for_job(client, headers, job_id, status, timeout=60.0) -> float:
    """Seconds until the job reached `status`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if client.get(f"/api/v1/badge-jobs/{job_id}", headers=headers).get_json()["status"] == status:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never became {status}")


def make_retry_due(app) -> None:
    with app.app_context():
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def sweep(app) -> int:
    with app.app_context():
        handed = sweep_deliveries()
    app.extensions["jobs"].wait_idle(timeout=30)
    return handed


def test_a_job_through_the_api_sends_exactly_one_signed_event(make_live_app):
    app, client, headers = live(make_live_app)
    receiver = Receiver().start()
    try:
        webhook = register(client, headers, receiver.url)
        job = queued(client, headers)

        [request] = receiver.wait_for(1)
        app.extensions["jobs"].wait_idle(timeout=30)
        make_retry_due(app)
        assert sweep(app) == 0
        time.sleep(0.2)  # room for a duplicate to arrive, if one were sent

        assert len(receiver.received) == 1
        event = request.verified(webhook["secret"])
        assert (event["type"], event["data"]["id"]) == ("job.succeeded", job["id"])
        [delivery] = deliveries(client, headers, webhook["id"])
        assert (delivery["status"], delivery["attempts"]) == ("delivered", 1)
    finally:
        receiver.stop()


def test_a_receiver_that_hangs_holds_neither_the_job_nor_the_render_worker(make_live_app):
    # The delivery is its own task, after the job's commit: the job is succeeded while the receiver
    # still holds the request, a second job renders meanwhile, and every attempt gives up at
    # WEBHOOK_TIMEOUT rather than when the receiver answers (6 s).
    app, client, headers = live(make_live_app, WEBHOOK_TIMEOUT=1.5)
    receiver = Receiver(delay=6.0).start()
    try:
        webhook = register(client, headers, receiver.url)
        first = queued(client, headers)
        assert wait_for_job(client, headers, first["id"], "succeeded") < 30
        receiver.wait_for(1)  # the receiver now sits on the request
        assert (
            client.get(f"/api/v1/badge-jobs/{first['id']}", headers=headers).get_json()["status"]
            == "succeeded"
        )
        started = time.monotonic()
        second = queued(client, headers)
        waited = wait_for_job(client, headers, second["id"], "succeeded")
        app.extensions["jobs"].wait_idle(timeout=30)
        all_done = time.monotonic() - started

        assert waited < 6.0  # the second job did not wait for the hanging receiver
        assert all_done < 6.0  # every attempt gave up at WEBHOOK_TIMEOUT, well before the receiver answered
        rows = deliveries(client, headers, webhook["id"])
        assert [row["status"] for row in rows] == ["pending", "pending"]
        assert all(row["last_error"] == "Timeout: no complete answer within 1.5 s." for row in rows)
        assert all(row["last_status_code"] is None for row in rows)
    finally:
        receiver.stop()


def test_a_receiver_down_then_up_gets_the_event_once_after_the_sweep(make_live_app):
    app, client, headers = live(make_live_app)
    port = free_port()
    webhook = register(client, headers, f"http://127.0.0.1:{port}/hooks")
    job = queued(client, headers)
    wait_for_job(client, headers, job["id"], "succeeded")
    app.extensions["jobs"].wait_idle(timeout=30)
    [delivery] = deliveries(client, headers, webhook["id"])
    assert (delivery["status"], delivery["last_error"]) == ("pending", "Connection refused.")

    receiver = Receiver(port).start()
    try:
        assert sweep(app) == 0  # the backoff has not passed
        make_retry_due(app)
        assert sweep(app) == 1
        make_retry_due(app)
        assert sweep(app) == 0

        [request] = receiver.wait_for(1)
        assert len(receiver.received) == 1
        assert request.headers["webhook-id"] == delivery["event_id"]
        assert request.verified(webhook["secret"])["data"]["id"] == job["id"]
    finally:
        receiver.stop()


def test_two_workers_handed_the_same_delivery_send_it_once(make_live_app):
    app, client, headers = live(make_live_app, JOBS_RUNNER="manual")
    receiver = Receiver(delay=0.3).start()
    try:
        webhook = register(client, headers, receiver.url, events=["job.failed"])
        with app.app_context():
            owner_id = db.session.scalar(select(Webhook.owner_id))
            queue_event(
                db.session(),
                owner_id=owner_id,
                event_type="job.failed",
                data={"id": "x"},
                occurred_at=utcnow(),
            )
            db.session.commit()
            delivery_id = str(db.session.scalar(select(WebhookDelivery.id)))
        results: list[bool] = []
        barrier = threading.Barrier(4)

        def worker() -> None:
            with app.app_context():
                barrier.wait()
                results.append(deliver(delivery_id))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert sorted(results) == [False, False, False, True]
        assert len(receiver.received) == 1
        assert receiver.received[0].verifies_with(webhook["secret"])
    finally:
        receiver.stop()
