"""Which job runner an app gets, what each runner's health() says, and how the Celery tasks are built.

Nothing here talks to a broker: building a Celery runner connects to nothing, and the retry test
runs the task in this process with `apply()`. The worker and the brokers are in
tests/integration/test_celery_runner.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from api.app import create_app
from api.core.db import Database
from api.errors import AppError, handle_app_error
from api.extensions import jobs
from api.jobs import _TASKS, JobsUnavailableError, ManualRunner, ThreadRunner, runner_kind

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:1/0"  # never contacted in this module


@pytest.fixture
def make_app() -> Iterator[Any]:
    """Apps on an in-memory database, their runners shut down afterwards."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        apps.append(create_app({"ENV_NAME": "testing", "DATABASE_URL": "sqlite://", **overrides}))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["jobs"].shutdown()
        Database.state(app).engine.dispose()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, "thread"),
        ({"JOBS_RUNNER": None, "CELERY_BROKER_URL": None}, "thread"),
        ({"CELERY_BROKER_URL": BROKER}, "celery"),
        ({"CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"}, "celery"),
        ({"JOBS_RUNNER": "thread", "CELERY_BROKER_URL": BROKER}, "thread"),
        ({"JOBS_RUNNER": "manual", "CELERY_BROKER_URL": BROKER}, "manual"),
        ({"JOBS_RUNNER": "celery", "CELERY_BROKER_URL": BROKER}, "celery"),
    ],
)
def test_a_broker_url_selects_celery_unless_a_runner_is_named(config, expected):
    assert runner_kind(config) == expected


def test_an_unknown_runner_is_refused():
    with pytest.raises(RuntimeError, match="JOBS_RUNNER must be one of"):
        runner_kind({"JOBS_RUNNER": "rq"})


def test_the_celery_runner_without_a_broker_is_refused():
    with pytest.raises(RuntimeError, match="CELERY_BROKER_URL"):
        runner_kind({"JOBS_RUNNER": "celery"})


def test_the_app_gets_the_runner_its_config_selects(make_app):
    from api.jobs.celery_runner import CeleryRunner

    celery_app = make_app(JOBS_RUNNER=None, CELERY_BROKER_URL=BROKER)
    thread_app = make_app(JOBS_RUNNER=None)
    testing_app = make_app(CELERY_BROKER_URL=BROKER)  # TestingConfig names "manual" itself

    assert isinstance(celery_app.extensions["jobs"], CeleryRunner)
    assert celery_app.config["JOBS_RUNNER"] == "celery"
    assert isinstance(thread_app.extensions["jobs"], ThreadRunner)
    assert isinstance(testing_app.extensions["jobs"], ManualRunner)


def run_python(code: str, **env: str) -> str:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("JOBS_", "CELERY_"))
    }
    environment.update(APP_ENV="development", DATABASE_URL="sqlite://", **env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_environment_selects_the_runner_when_the_process_starts():
    code = "from api.app import create_app; print(create_app().config['JOBS_RUNNER'])"

    assert run_python(code) == "thread"
    assert run_python(code, CELERY_BROKER_URL=BROKER) == "celery"
    assert run_python(code, CELERY_BROKER_URL=BROKER, JOBS_RUNNER="thread") == "thread"


def test_the_default_mode_never_imports_celery():
    # `make run` without a broker must not pay for importing Celery, nor need it to be reachable.
    # The request matters: the first one starts the thread runner's periodic timers.
    code = (
        "import sys; from api.app import create_app; app = create_app(); app.test_client().get('/'); "
        "print(sorted(name for name in ('celery', 'kombu', 'billiard') if name in sys.modules))"
    )

    assert run_python(code) == "[]"


def test_thread_and_manual_runners_report_pending_jobs(make_app, monkeypatch):
    monkeypatch.setitem(_TASKS, "tests.noop", lambda: None)
    manual = make_app()
    thread = make_app(JOBS_RUNNER="thread")

    with manual.app_context():
        jobs.enqueue("tests.noop")
        assert jobs.health() == {"runner": "manual", "ok": True, "pending": 1}
    with thread.app_context():
        assert jobs.health() == {"runner": "thread", "ok": True, "pending": 0}
    thread.extensions["jobs"].shutdown()
    with thread.app_context():
        assert jobs.health()["ok"] is False  # a stopped pool takes no more work


def test_the_celery_runner_builds_tasks_with_the_agreed_options(make_app):
    app = make_app(
        JOBS_RUNNER=None,
        CELERY_BROKER_URL=BROKER,
        CELERY_QUEUE="badges-unit",
        JOBS_SOFT_TIME_LIMIT=30,
        JOBS_TIME_LIMIT=45,
        JOBS_DB_RETRIES=4,
        OUTBOX_SWEEP_INTERVAL=12.5,
    )
    runner = app.extensions["jobs"]
    runner.register_tasks()
    deliver = runner.celery.tasks["service.mail.deliver"]
    conf = runner.celery.conf

    assert (deliver.acks_late, deliver.reject_on_worker_lost, deliver.ignore_result) == (True, True, True)
    assert (deliver.soft_time_limit, deliver.time_limit, deliver.max_retries) == (30, 45, 4)
    assert (conf.worker_prefetch_multiplier, conf.task_serializer, conf.accept_content) == (
        1,
        "json",
        ["json"],
    )
    assert conf.task_default_queue == "badges-unit"
    assert conf.task_publish_retry_policy["max_retries"] == app.config["JOBS_PUBLISH_RETRIES"]
    assert runner.beat_schedule()["mail.sweep"] == {
        "task": "service.mail.sweep",
        "schedule": 12.5,
        "options": {"expires": 12.5},
    }


def test_a_sweep_interval_of_zero_is_left_out_of_the_beat_schedule(make_app):
    app = make_app(JOBS_RUNNER=None, CELERY_BROKER_URL=BROKER, OUTBOX_SWEEP_INTERVAL=0)

    assert "mail.sweep" not in app.extensions["jobs"].beat_schedule()


def test_a_celery_task_retries_a_transient_database_error_in_an_app_context(make_app, monkeypatch):
    app = make_app(JOBS_RUNNER=None, CELERY_BROKER_URL=BROKER, JOBS_DB_RETRIES=3)
    calls: list[str] = []

    def flaky(fail_times: int) -> None:
        from flask import current_app

        calls.append(current_app.name)
        if len(calls) <= fail_times:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setitem(_TASKS, "tests.flaky", flaky)
    runner = app.extensions["jobs"]
    runner.register_tasks()
    task = runner.celery.tasks["service.tests.flaky"]

    # apply() runs the task here, retries included (without their countdown).
    assert task.apply(kwargs={"fail_times": 2}).state == "SUCCESS"
    assert calls == [app.name] * 3
    calls.clear()
    gave_up = task.apply(kwargs={"fail_times": 100})
    assert gave_up.state == "FAILURE"
    assert isinstance(gave_up.result, OperationalError)
    assert len(calls) == 1 + 3


def test_other_errors_are_not_retried(make_app, monkeypatch):
    app = make_app(JOBS_RUNNER=None, CELERY_BROKER_URL=BROKER)
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("a bug, not a hiccup")

    monkeypatch.setitem(_TASKS, "tests.broken", broken)
    runner = app.extensions["jobs"]
    runner.register_tasks()

    assert runner.celery.tasks["service.tests.broken"].apply().state == "FAILURE"
    assert calls == [1]


def test_jobs_unavailable_is_a_503_problem_with_retry_after(app):
    error = JobsUnavailableError()

    assert isinstance(error, AppError)
    response = handle_app_error(error)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "jobs_unavailable"
    assert response.headers["Retry-After"] == "30"


def test_enqueue_refuses_an_unknown_task(make_app):
    with make_app(JOBS_RUNNER=None, CELERY_BROKER_URL=BROKER).app_context(), pytest.raises(KeyError):
        jobs.enqueue("no.such.task")
