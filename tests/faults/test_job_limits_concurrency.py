"""Per-user job limits under concurrency: 16 job POSTs per user at the same moment, on SQLite and on
the real PostgreSQL, never queue more than BADGE_JOBS_MAX_QUEUED_PER_USER nor run more than
BADGE_JOBS_MAX_RUNNING_PER_USER jobs of one user.

Each request runs in its own thread with its own pooled connection, released together by a
barrier, against an app that commits for real (the race is between database transactions).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import func, select

from api.badges.models import BadgeJob
from api.badges.worker import _claim
from api.cli import alembic_config
from api.core.db import Database, read_only_transactions
from api.extensions import db
from tests.factories import UserFactory
from tests.support.accounts import bearer, login
from tests.support.environment import make_test_app, require_postgres

pytestmark = pytest.mark.live

POSTS_PER_USER = 16
USERS = 2
MAX_QUEUED = 5
MAX_RUNNING = 2


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url_for_limits(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "postgres":
        require_postgres()
        url = request.getfixturevalue("postgres_databases").create("limits")
    else:
        url = f"sqlite:///{tmp_path / 'limits.db'}"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def make_app(database_url_for_limits: str) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        settings = {
            "BADGE_JOBS_MAX_QUEUED_PER_USER": MAX_QUEUED,
            "BADGE_JOBS_MAX_RUNNING_PER_USER": MAX_RUNNING,
            "DATABASE_POOL_SIZE": USERS * POSTS_PER_USER + 8,
            "RENDER_USER_QUEUE": 4 * POSTS_PER_USER,
            "RENDER_QUEUE_TIMEOUT": 60,
            "SQLITE_BUSY_TIMEOUT_SECONDS": 30,
            **overrides,
        }
        apps.append(make_test_app(database_url_for_limits, **settings))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["jobs"].shutdown()
        Database.state(app).engine.dispose()


def signed_in_users(app: Flask) -> list[tuple[uuid.UUID, dict[str, str]]]:
    with app.app_context():
        users = [UserFactory(verified=True) for _ in range(USERS)]
        db.session.commit()
        found = [(user.id, user.email) for user in users]
    return [(user_id, bearer(login(app.test_client(), email)["access_token"])) for user_id, email in found]


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # reported as the result, so the assertion shows it
            results[index] = error

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def job_body(rows: int = 3) -> dict[str, Any]:
    people = [{"name": f"Attendee {n}", "organization": "Race Conditions Ltd"} for n in range(rows)]
    return {"attendees": people, "options": {"name": "Race", "sheet": "a4-2x2"}}


def post_jobs(app: Flask, users: list[tuple[uuid.UUID, dict[str, str]]], rows: int) -> list[tuple[int, Any]]:
    def post(headers: dict[str, str]) -> Callable[[], tuple[int, Any]]:
        def call() -> tuple[int, Any]:
            response = app.test_client().post("/api/v1/badge-jobs", json=job_body(rows), headers=headers)
            return response.status_code, response.get_json()

        return call

    return at_once([post(headers) for _, headers in users for _ in range(POSTS_PER_USER)])


def counts_by_owner(app: Flask) -> Counter[tuple[uuid.UUID, str]]:
    with app.app_context(), read_only_transactions():
        rows = db.session.execute(
            select(BadgeJob.owner_id, BadgeJob.status, func.count())
            .where(BadgeJob.status.in_(("queued", "running")))
            .group_by(BadgeJob.owner_id, BadgeJob.status)
        ).all()
        db.session.rollback()
    return Counter({(owner_id, status): count for owner_id, status, count in rows})


def drain(app: Flask, timeout: float = 240.0) -> None:
    """Wait for every job: each finished job starts its owner's next, so new tasks keep coming."""
    runner = app.extensions["jobs"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runner.wait_idle(timeout=timeout)
        if runner.health()["pending"] == 0 and not counts_by_owner(app):
            return
    raise AssertionError(f"jobs still waiting or running: {counts_by_owner(app)}")


def test_sixteen_simultaneous_posts_per_user_queue_exactly_the_limit(make_app):
    app = make_app(JOBS_RUNNER="manual")  # nothing starts, so the queue only grows
    users = signed_in_users(app)

    results = post_jobs(app, users, rows=3)

    statuses = Counter(status if isinstance(status, int) else repr(status) for status, _ in results)
    assert statuses == {202: USERS * MAX_QUEUED, 429: USERS * (POSTS_PER_USER - MAX_QUEUED)}, results
    assert all(body["code"] == "too_many_jobs" for status, body in results if status == 429)
    counts = counts_by_owner(app)
    assert {user_id: counts[(user_id, "queued")] for user_id, _ in users} == {
        user_id: MAX_QUEUED for user_id, _ in users
    }


def test_simultaneous_claims_start_exactly_the_running_limit(make_app):
    app = make_app(JOBS_RUNNER="manual")
    users = signed_in_users(app)
    post_jobs(app, users, rows=3)
    with app.app_context():
        queued = db.session.execute(
            select(BadgeJob.id, BadgeJob.owner_id).where(BadgeJob.status == "queued")
        ).all()
        db.session.rollback()
    assert len(queued) == USERS * MAX_QUEUED

    def claim(job_id: uuid.UUID) -> Callable[[], int | None]:
        def call() -> int | None:
            with app.app_context():
                return _claim(db.session(), job_id)

        return call

    attempts = at_once([claim(job_id) for job_id, _ in queued])

    claimed = Counter(
        owner_id for (_, owner_id), attempt in zip(queued, attempts, strict=True) if attempt == 1
    )
    assert not [attempt for attempt in attempts if attempt not in (1, None)], attempts
    assert claimed == {user_id: MAX_RUNNING for user_id, _ in users}
    counts = counts_by_owner(app)
    assert {user_id: counts[(user_id, "running")] for user_id, _ in users} == claimed


def test_jobs_running_on_threads_never_pass_either_limit(make_app):
    # More job threads than one user may use, so only the limit can hold them back.
    app = make_app(JOBS_RUNNER="thread", JOBS_THREADS=2 * MAX_RUNNING + 2, JOB_REQUEUE_AFTER=0.5)
    users = signed_in_users(app)
    highest: Counter[tuple[uuid.UUID, str]] = Counter()
    stop = threading.Event()
    samples = 0

    def sample() -> None:
        nonlocal samples
        while not stop.is_set():
            for key, count in counts_by_owner(app).items():
                highest[key] = max(highest[key], count)
            samples += 1

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        results = post_jobs(app, users, rows=150)
        accepted = [body["id"] for status, body in results if status == 202]
        assert len(accepted) >= USERS * MAX_QUEUED
        drain(app)
    finally:
        stop.set()
        sampler.join(30)

    with app.app_context(), read_only_transactions():
        finished = Counter(db.session.scalars(select(BadgeJob.status)).all())
        db.session.rollback()
    assert samples > 10
    assert finished == {"succeeded": len(accepted)}
    for user_id, _ in users:
        assert highest[(user_id, "queued")] <= MAX_QUEUED
        assert highest[(user_id, "running")] <= MAX_RUNNING
    print(f"accepted {len(accepted)} jobs; highest counts {dict(highest)} over {samples} samples")
