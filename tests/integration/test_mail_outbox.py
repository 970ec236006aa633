"""The registration mail, end to end: real commits, the thread runner, a real SMTP server on loopback."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from api.core.db import utcnow
from api.extensions import db
from api.mail.models import OutboundEmail
from api.mail.service import deliver_email, sweep_outbox
from api.users.service import register_user
from tests.smtp import SilentServer, SmtpServer, body_text, free_port

pytestmark = pytest.mark.live

REGISTRATION = {"email": "grace@example.org", "password": "cobol-compiler", "name": "Grace Hopper"}


def outbox_rows(app) -> list[OutboundEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.created_at)))


def point_mail_at(app, port: int, **extra) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, **extra)


def sweep_until_sent(app, expected: int, attempts: int = 100) -> None:
    """Run the sweep until `expected` rows are sent; retries are due after a 50 ms backoff."""
    for _ in range(attempts):
        with app.app_context():
            sweep_outbox()
            sent = db.session.scalar(
                select(func.count()).select_from(OutboundEmail).where(OutboundEmail.status == "sent")
            )
        if sent >= expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {sent} of {expected} messages sent")


def test_one_registration_sends_exactly_one_mail_whose_token_verifies(live_app):
    server = SmtpServer().start()
    try:
        point_mail_at(live_app, server.port)
        client = live_app.test_client()

        response = client.post("/api/v1/users", json=REGISTRATION)
        assert response.status_code == 201
        [message] = server.inbox.wait_for(1)
        live_app.extensions["jobs"].wait_idle()
        with live_app.app_context():
            assert sweep_outbox() == 0  # nothing left to send: no second copy

        assert len(server.inbox.messages) == 1
        token = body_text(message).split("token=")[1].split()[0]
        verified = client.post("/api/v1/users/verify", json={"token": token})
        assert verified.status_code == 200
        assert verified.get_json()["is_verified"] is True
        [row] = outbox_rows(live_app)
        assert (row.status, row.attempts, row.message_id) == ("sent", 1, message["Message-ID"])
    finally:
        server.stop()


def test_registration_rolled_back_after_the_insert_sends_nothing(live_app):
    server = SmtpServer().start()
    try:
        point_mail_at(live_app, server.port)
        with live_app.app_context():
            session = db.session()
            register_user(session, **REGISTRATION)
            pending = session.scalar(select(func.count()).select_from(OutboundEmail))
            assert pending == 1  # the hook wrote its row inside the transaction...
            session.rollback()  # ...and it goes with the transaction
        live_app.extensions["jobs"].wait_idle()
        with live_app.app_context():
            assert sweep_outbox() == 0

        assert outbox_rows(live_app) == []
        assert server.inbox.messages == []
    finally:
        server.stop()


def test_smtp_down_registration_answers_201_and_the_mail_arrives_once_it_is_back(live_app):
    port = free_port()
    point_mail_at(live_app, port)  # nothing listens there yet
    client = live_app.test_client()

    response = client.post("/api/v1/users", json=REGISTRATION)

    assert response.status_code == 201
    live_app.extensions["jobs"].wait_idle()
    [row] = outbox_rows(live_app)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "Connection" in (row.last_error or "")

    server = SmtpServer(port).start()
    try:
        sweep_until_sent(live_app, expected=1)
        [message] = server.inbox.wait_for(1)
        assert message["To"] == REGISTRATION["email"]
        with live_app.app_context():
            assert sweep_outbox() == 0
        assert len(server.inbox.messages) == 1
        [row] = outbox_rows(live_app)
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    finally:
        server.stop()


def test_a_silent_smtp_server_cannot_hang_a_worker(live_app):
    silent = SilentServer()
    point_mail_at(live_app, silent.port, MAIL_TIMEOUT=0.5)
    try:
        with live_app.app_context():
            register_user(db.session(), **REGISTRATION)
            db.session.commit()
        finished = threading.Event()
        live_app.extensions["jobs"].executor.submit(finished.set)
        # The delivery was queued first on the same pool; it must give up on its own timeout.
        live_app.extensions["jobs"].wait_idle(timeout=30)
        assert finished.is_set()
        [row] = outbox_rows(live_app)
        assert row.status == "failed"
        assert "timed out" in (row.last_error or "").lower()
    finally:
        silent.close()


def test_concurrent_deliveries_of_one_row_send_it_once(live_app):
    server = SmtpServer().start()
    try:
        live_app.config["MAIL_SERVER"] = None  # queue only; deliver by hand below
        with live_app.app_context():
            register_user(db.session(), **REGISTRATION)
            db.session.commit()
        live_app.extensions["jobs"].wait_idle()
        [row] = outbox_rows(live_app)
        with live_app.app_context():
            db.session.execute(update(OutboundEmail).values(status="pending", attempts=0, sent_at=None))
            db.session.commit()
        point_mail_at(live_app, server.port)
        results: list[bool] = []

        def deliver() -> None:
            with live_app.app_context():
                results.append(deliver_email(str(row.id)))

        threads = [threading.Thread(target=deliver) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(results) == [False] * 5 + [True]
        server.inbox.wait_for(1)
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()


def test_a_row_left_sending_by_a_dead_worker_is_sent_by_the_sweep(live_app):
    server = SmtpServer().start()
    try:
        point_mail_at(live_app, server.port)
        stale = utcnow() - timedelta(hours=1)
        with live_app.app_context():
            email_id = uuid.uuid4()
            db.session.add(
                OutboundEmail(
                    id=email_id,
                    message_id=f"<{email_id.hex}@badges.localhost>",
                    template="verify_email",
                    to_address="late@example.org",
                    subject="Hello",
                    text_body="Hello",
                    status="sending",
                    attempts=1,
                    updated_at=stale,
                    next_attempt_at=stale,
                )
            )
            db.session.commit()
            assert sweep_outbox() == 1

        [message] = server.inbox.wait_for(1)
        assert message["Message-ID"] == f"<{email_id.hex}@badges.localhost>"
    finally:
        server.stop()


def test_delivery_gives_up_after_the_attempt_limit(live_app):
    point_mail_at(live_app, free_port(), OUTBOX_MAX_ATTEMPTS=2)
    live_app.test_client().post("/api/v1/users", json=REGISTRATION)
    live_app.extensions["jobs"].wait_idle()

    for _ in range(40):
        with live_app.app_context():
            sweep_outbox()
        if outbox_rows(live_app)[0].attempts >= 2:
            break
        time.sleep(0.05)
    with live_app.app_context():
        assert sweep_outbox() == 0

    [row] = outbox_rows(live_app)
    assert (row.status, row.attempts) == ("failed", 2)


def test_without_a_mail_server_the_message_is_written_to_the_log(live_app, caplog):
    caplog.set_level("INFO", logger="api.mail.service")
    response = live_app.test_client().post("/api/v1/users", json=REGISTRATION)
    live_app.extensions["jobs"].wait_idle()

    assert response.status_code == 201
    assert "/verify-email?token=" in caplog.text
    assert outbox_rows(live_app)[0].status == "sent"


def test_the_periodic_sweep_delivers_once_the_server_is_back_without_anyone_asking(make_live_app):
    app = make_live_app(OUTBOX_SWEEP_INTERVAL=0.1)
    port = free_port()
    point_mail_at(app, port)
    server = SmtpServer(port)
    try:
        # The first request starts the sweep timer; the delivery after commit fails (nothing listens).
        assert app.test_client().post("/api/v1/users", json=REGISTRATION).status_code == 201
        app.extensions["jobs"].wait_idle()
        assert outbox_rows(app)[0].status == "failed"

        server.start()
        [message] = server.inbox.wait_for(1, timeout=20)

        assert message["To"] == REGISTRATION["email"]
    finally:
        server.stop()
