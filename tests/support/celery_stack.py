"""Live Celery workers for the integration tests: `manage.py worker` in its own process group on a
queue unique to the run, apps that publish to it, a real SMTP server, and the clean-up."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from kombu import Connection
from sqlalchemy import delete

from api.core.db import Base, Database
from api.extensions import db
from tests.smtp import SmtpServer
from tests.support.environment import IN_CI, make_test_app

ROOT = Path(__file__).resolve().parents[2]


REDIS_URL = os.environ.get("TEST_CELERY_REDIS_URL", "redis://127.0.0.1:6379/14")


RUN_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


QUEUE_NUMBERS = itertools.count()


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
        self,
        broker: str,
        *,
        beat: bool,
        tasks_module: str | None = None,
        queue: str | None = None,
        app_settings: dict[str, Any] | None = None,
        **settings: str,
    ) -> tuple[Flask, Worker]:
        """A worker on a new queue of `broker` (or on `queue`, beside the workers already there), and
        an app that publishes there; `settings` go to the worker's environment, `app_settings` to
        the app's configuration."""
        if queue is None:
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
        if tasks_module:
            # The same CLI, after `tasks_module` has registered the test's own tasks.
            entry = ["-c", f"import {tasks_module}; from manage import cli; cli()"]
        options = ["--concurrency", "2", "--loglevel", "info", "--beat" if beat else "--no-beat"]
        worker = Worker(
            [sys.executable, *entry, "worker", *options], env, self.folder / f"worker-{len(self.workers)}.log"
        )
        self.workers.append(worker)
        worker.wait_ready()
        app = make_test_app(
            self.database_url,
            JOBS_RUNNER=None,
            CELERY_BROKER_URL=broker,
            CELERY_QUEUE=queue,
            **(app_settings or {}),
        )
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
