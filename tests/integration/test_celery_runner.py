"""Jobs through a real Celery worker: `manage.py worker` as a subprocess, Redis and RabbitMQ on loopback,
the registration mail arriving at a real SMTP server.

Each worker consumes a queue whose name is unique to this test run (and Redis database 14 unless
TEST_CELERY_REDIS_URL says otherwise), so a parallel or stale run can never take these jobs. The
worker shares the test's database: the suite's SQLite file, or a throw-away PostgreSQL database.
Without Redis or RabbitMQ the tests that need them skip on a laptop and fail when CI=true.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from api.core.db import Database, utcnow
from api.extensions import db, jobs
from api.jobs import JobsUnavailableError, register_task
from api.mail.models import OutboundEmail
from tests.smtp import body_text
from tests.support.celery_stack import REDIS_URL, CeleryStack, Worker, require_broker, wait_until
from tests.support.environment import make_test_app

pytestmark = pytest.mark.live

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused
REGISTRATION = {"email": "ada@example.org", "password": "analytical-engine", "name": "Ada Lovelace"}


# Tasks for the worker started by `start(..., tasks_module=__name__)`, which imports this module first.


def render_in_child(marker: str) -> None:
    """What a badge job does: run code in a render worker of this pool process's own render pool."""
    from api.render import runtime
    from api.render.limits import RenderLimits
    from api.render.pool import BATCH

    child_pid = runtime.pool().run(_own_pid, limits=RenderLimits(wall_seconds=60), lane=BATCH)
    Path(marker).write_text(f"{os.getpid()} {child_pid}")


register_task("tests.render_in_child", render_in_child)


def _own_pid(report: Callable[[int], None]) -> int:
    return os.getpid()


def overrun(marker: str) -> None:
    """Ignore the soft time limit, so only the hard one can stop this job."""
    from celery.exceptions import SoftTimeLimitExceeded

    try:
        time.sleep(60)
    except SoftTimeLimitExceeded:
        Path(marker).write_text("soft limit reached")
        time.sleep(60)


register_task("tests.overrun", overrun)


def outbox_rows(app: Flask) -> list[OutboundEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboundEmail)))


def register_and_receive_the_mail(stack: CeleryStack, app: Flask, worker: Worker) -> None:
    with app.app_context():
        health = jobs.health()
    assert (health["runner"], health["ok"], health["queue"]) == ("celery", True, app.config["CELERY_QUEUE"])

    response = app.test_client().post("/api/v1/users", json=REGISTRATION)

    assert response.status_code == 201
    [message] = stack.smtp.inbox.wait_for(1, timeout=30)
    assert message["To"] == REGISTRATION["email"]
    assert "/verify-email?token=" in body_text(message)
    # The web process published the delivery job and the worker took it; exactly one attempt sent the
    # mail (possibly the worker's sweep: see the note above the registration tests).
    wait_until(lambda: "Task service.mail.deliver[" in worker.output(), "the worker to receive the job")
    row = wait_until(
        lambda: next((row for row in outbox_rows(app) if row.status == "sent"), None), "the row marked sent"
    )
    assert (row.attempts, row.message_id) == (1, message["Message-ID"])
    assert len(stack.smtp.inbox.messages) == 1


# The registration tests run the worker with its beat, as the first worker of a deployment does.


def test_a_registration_mail_is_delivered_by_the_worker_through_redis(celery_stack):
    require_broker(REDIS_URL)
    app, worker = celery_stack.start(REDIS_URL, beat=True, OUTBOX_SWEEP_INTERVAL="1")

    register_and_receive_the_mail(celery_stack, app, worker)


def test_a_registration_mail_is_delivered_by_the_worker_through_rabbitmq(celery_stack):
    require_broker(RABBITMQ_URL)
    app, worker = celery_stack.start(RABBITMQ_URL, beat=True, OUTBOX_SWEEP_INTERVAL="1")

    register_and_receive_the_mail(celery_stack, app, worker)


def test_the_beat_in_the_worker_runs_the_outbox_sweep(celery_stack):
    require_broker(REDIS_URL)
    app, worker = celery_stack.start(REDIS_URL, beat=True, OUTBOX_SWEEP_INTERVAL="0.5")
    with app.app_context():
        # A due row nobody queued a job for (its publish failed, say): only the sweep can send it.
        email_id = uuid.uuid4()
        db.session.add(
            OutboundEmail(
                id=email_id,
                message_id=f"<{email_id.hex}@badges.localhost>",
                template="verify_email",
                to_address="swept@example.org",
                subject="Hello",
                text_body="Hello",
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
        db.session.commit()

    [message] = celery_stack.smtp.inbox.wait_for(1, timeout=30)

    assert message["Message-ID"] == f"<{email_id.hex}@badges.localhost>"
    assert "Sending due task mail.sweep (service.mail.sweep)" in worker.output()
    assert "Task service.mail.deliver[" not in worker.output()


def test_a_job_in_the_worker_can_start_a_child_process_and_time_limits_stop_an_overrun(
    celery_stack, tmp_path
):
    require_broker(REDIS_URL)
    # --no-beat: no periodic job runs in this worker.
    # The limits cover render_in_child too, whose first run starts and warms this pool process's
    # render workers (a second or two, more on a busy two-core machine): they must leave it room.
    app, worker = celery_stack.start(
        REDIS_URL, beat=False, tasks_module=__name__, JOBS_SOFT_TIME_LIMIT="10", JOBS_TIME_LIMIT="14"
    )
    assert "beat: Starting" not in worker.output()
    rendered, overran = tmp_path / "rendered", tmp_path / "overran"

    with app.app_context():
        jobs.enqueue("tests.overrun", marker=str(overran))
        jobs.enqueue("tests.render_in_child", marker=str(rendered))

    # The job ran in a render worker of the pool process, not in the pool process itself.
    text = wait_until(lambda: rendered.exists() and rendered.read_text(), "the job's child process")
    job_pid, child_pid = map(int, text.split())
    assert child_pid != job_pid
    # The soft limit raised inside the job; the job ignored it, and the hard limit killed its process.
    assert (
        wait_until(lambda: overran.exists() and overran.read_text(), "the soft limit") == "soft limit reached"
    )
    hard_limit_line = "Hard time limit (14s) exceeded for service.tests.overrun"
    wait_until(lambda: hard_limit_line in worker.output(), "the hard limit")
    # The pool replaced the killed process: the worker still runs jobs.
    rendered.unlink()
    with app.app_context():
        jobs.enqueue("tests.render_in_child", marker=str(rendered))
    wait_until(rendered.exists, "a job after the hard limit")


def test_enqueue_fails_fast_with_a_clear_error_when_the_broker_is_unreachable(jobs_database_url):
    app = make_test_app(jobs_database_url, JOBS_RUNNER=None, CELERY_BROKER_URL=UNREACHABLE_BROKER)
    try:
        with app.app_context():
            started = time.monotonic()
            with pytest.raises(JobsUnavailableError) as raised:
                jobs.enqueue("mail.deliver", email_id=str(uuid.uuid4()))
            enqueue_seconds = time.monotonic() - started

            started = time.monotonic()
            health = jobs.health()
            health_seconds = time.monotonic() - started
    finally:
        app.extensions["jobs"].shutdown()
        Database.state(app).engine.dispose()

    assert enqueue_seconds < 3, "a request must not hang on a dead broker"
    assert raised.value.status == 503
    assert raised.value.code == "jobs_unavailable"
    assert health_seconds < 3
    assert (health["runner"], health["ok"]) == ("celery", False)
    assert "127.0.0.1:1" in health["broker"]
    assert "refused" in health["reason"].lower()
