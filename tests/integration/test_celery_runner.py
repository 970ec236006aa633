"""Jobs through a real Celery worker: `manage.py worker` as a subprocess, Redis and RabbitMQ on loopback,
the registration mail arriving at a real SMTP server.

Each worker consumes a queue whose name is unique to this test run (and Redis database 14 unless
TEST_CELERY_REDIS_URL says otherwise), so a parallel or stale run can never take these jobs. The
worker shares the test's database: the suite's SQLite file, or a throw-away PostgreSQL database.
Without Redis or RabbitMQ the tests that need them skip on a laptop and fail when CI=true.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from alembic import command
from flask import Flask
from kombu import Connection
from sqlalchemy import delete, select

from api.cli import alembic_config
from api.core.db import Base, Database, utcnow
from api.extensions import db, jobs
from api.jobs import JobsUnavailableError, register_task
from api.mail.models import OutboundEmail
from tests.conftest import IN_CI, TEST_DATABASE, make_test_app, require_postgres
from tests.smtp import SmtpServer, body_text

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_CELERY_REDIS_URL", "redis://127.0.0.1:6379/14")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused
RUN_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
QUEUE_NUMBERS = itertools.count()

REGISTRATION = {"email": "ada@example.org", "password": "analytical-engine", "name": "Ada Lovelace"}


# Tasks for the worker started by `start(..., with_test_tasks=True)`, which imports this module first.


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


def require_broker(url: str) -> None:
    """Skip on a laptop without this broker; in CI a missing broker is a failure."""
    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=0)
    except Exception as error:
        message = f"no broker at {url} ({error})"
        if IN_CI:
            pytest.fail(f"{message} and CI=true")
        pytest.skip(message)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class Worker:
    """`manage.py worker` in its own process group, its output in a file (a pipe could fill and stall it)."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.output():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited with {self.process.returncode}")
            time.sleep(0.1)
        raise AssertionError(f"the worker was not ready after {timeout:g} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: running jobs finish first
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        # The pool processes and the beat share the worker's process group; leave none behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class CeleryStack:
    """Live apps publishing to a broker, the workers consuming from it, and a real SMTP server."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.smtp = SmtpServer().start()
        self.apps: list[Flask] = []
        self.workers: list[Worker] = []
        self.queues: list[tuple[str, str]] = []

    def start(
        self, broker: str, *, beat: bool, with_test_tasks: bool = False, **settings: str
    ) -> tuple[Flask, Worker]:
        """A worker on a new queue of `broker`, and an app that publishes there; `settings` go to the
        worker's environment."""
        queue = f"badges-test-{RUN_ID}-{next(QUEUE_NUMBERS)}"
        self.queues.append((broker, queue))
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JOBS_", "CELERY_", "MAIL_", "OUTBOX_"))
        }
        env.update(
            APP_ENV="development",
            INSTANCE_PATH=str(self.folder / "instance"),
            DATABASE_URL=self.database_url,
            CELERY_BROKER_URL=broker,  # JOBS_RUNNER is unset: the broker URL alone selects Celery
            CELERY_QUEUE=queue,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(self.smtp.port),
            MAIL_TIMEOUT="5",
            PYTHONUNBUFFERED="1",
            **settings,
        )
        entry = ["manage.py"]
        if with_test_tasks:
            # The same CLI, after this module has registered its test tasks.
            entry = ["-c", f"import {__name__}; from manage import cli; cli()"]
        options = ["--concurrency", "2", "--loglevel", "info", "--beat" if beat else "--no-beat"]
        worker = Worker(
            [sys.executable, *entry, "worker", *options], env, self.folder / f"worker-{len(self.workers)}.log"
        )
        self.workers.append(worker)
        worker.wait_ready()
        app = make_test_app(self.database_url, JOBS_RUNNER=None, CELERY_BROKER_URL=broker, CELERY_QUEUE=queue)
        self.apps.append(app)
        return app, worker

    def close(self, show_output: Callable[[str, str], None] | None) -> None:
        for index, worker in enumerate(self.workers):
            worker.stop()
            if show_output is not None:
                show_output(f"worker {index} output ({worker.log})", worker.output())
        self.smtp.stop()
        for broker, queue in self.queues:
            delete_queue(broker, queue)
        for app in self.apps:
            app.extensions["jobs"].shutdown()
        if self.apps:
            with self.apps[0].app_context():
                for table in reversed(Base.metadata.sorted_tables):
                    db.session.execute(delete(table))
                db.session.commit()
        for app in self.apps:
            Database.state(app).engine.dispose()


def delete_queue(broker: str, queue: str) -> None:
    """Remove this run's queue (and its exchange, which Celery names after it) from the broker."""
    if broker.startswith("redis://"):
        # kombu keeps a queue's bindings in keys named after it, and a fresh connection's
        # queue_delete does not know them; the name is unique to this run, so delete by name.
        client = redis.Redis.from_url(broker, socket_connect_timeout=3)
        try:
            keys = list(client.scan_iter(match=f"*{queue}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()
        return
    with Connection(broker, connect_timeout=3) as connection:
        errors = (*connection.connection_errors, *connection.channel_errors)
        with contextlib.suppress(*errors):
            channel = connection.default_channel
            channel.queue_delete(queue)
            channel.exchange_delete(queue)


@pytest.fixture(scope="module")
def jobs_database_url(request: pytest.FixtureRequest) -> str:
    """The database the test's app and the worker share: on PostgreSQL a database of their own."""
    if TEST_DATABASE == "postgres":
        require_postgres()
        url = request.getfixturevalue("postgres_databases").create("celery")
        command.upgrade(alembic_config(url), "head")
        return url
    return request.getfixturevalue("database_url")


@pytest.fixture
def celery_stack(
    request: pytest.FixtureRequest, jobs_database_url: str, tmp_path: Path
) -> Iterator[CeleryStack]:
    stack = CeleryStack(jobs_database_url, tmp_path)
    failures_before = request.session.testsfailed
    yield stack
    show_output = None
    if request.session.testsfailed > failures_before:
        # The test has failed by now: show what the workers said, past pytest's output capture.
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")

        def show_output(title: str, text: str) -> None:
            if reporter is None:
                print(f"--- {title}\n{text}", file=sys.stderr)
            else:
                reporter.write_sep("-", title)
                reporter.write_line(text)

    stack.close(show_output)


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
        REDIS_URL, beat=False, with_test_tasks=True, JOBS_SOFT_TIME_LIMIT="10", JOBS_TIME_LIMIT="14"
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
