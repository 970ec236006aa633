"""A busy or unreachable database answers 503 with Retry-After; reads go on beside a writer.

On SQLite a transaction that may write takes the write lock at BEGIN (BEGIN IMMEDIATE), waiting at
most SQLITE_BUSY_TIMEOUT_SECONDS for it; read-only ones (GET, HEAD, OPTIONS, `@read_only`) begin
deferred and read a WAL snapshot without waiting (tests/api/test_read_only_requests.py covers the
marking). Each test here holds the lock for real from a second connection, or points an app at a
port nobody listens on: no mocks.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from flask_jwt_extended import create_access_token
from sqlalchemy.exc import OperationalError

from api.cli import alembic_config
from api.core.db import Database
from api.errors import PROBLEM_MIMETYPE, database_outage
from api.extensions import db
from api.users.models import User
from tests.smtp import free_port
from tests.support.accounts import bearer
from tests.support.environment import make_test_app

pytestmark = pytest.mark.live

BUSY_TIMEOUT = 0.3
PASSWORD = "busy-database-password"
EVENT = {
    "name": "Busy Summit",
    "starts_at": "2026-03-10T09:00:00+00:00",
    "ends_at": "2026-03-11T18:00:00+00:00",
    "timezone": "UTC",
    "currency": "EUR",
}


@pytest.fixture(scope="module")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file of its own, whichever database the rest of the suite runs on."""
    path = tmp_path_factory.mktemp("busy") / "badges.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


@pytest.fixture
def sqlite_app(sqlite_path: Path) -> Iterator[Flask]:
    app = make_test_app(f"sqlite:///{sqlite_path}", SQLITE_BUSY_TIMEOUT_SECONDS=BUSY_TIMEOUT)
    yield app
    Database.state(app).engine.dispose()


def sign_up(app: Flask) -> dict[str, str]:
    client = app.test_client()
    email = f"{uuid.uuid4().hex}@example.org"
    registered = client.post("/api/v1/users", json={"email": email, "password": PASSWORD, "name": "B"})
    assert registered.status_code == 201
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).get_json()
    return bearer(tokens["access_token"])


def assert_retry_later(response, code: str) -> None:
    assert response.status_code == 503
    assert response.mimetype == PROBLEM_MIMETYPE
    problem = response.get_json()
    assert problem["code"] == code
    assert problem["status"] == 503
    assert int(response.headers["Retry-After"]) >= 1
    # The driver's words ("database is locked", "Connection refused", SQL) stay in the log.
    for internal in ("locked", "refused", "SELECT", "sqlite", "psycopg2", "127.0.0.1"):
        assert internal not in problem["detail"]


def test_a_write_waits_out_the_busy_timeout_then_answers_503_while_reads_go_on(sqlite_app, sqlite_path):
    client = sqlite_app.test_client()
    headers = sign_up(sqlite_app)
    created = client.post("/api/v1/events", json=EVENT, headers=headers)
    assert created.status_code == 201
    event_id = created.get_json()["id"]

    # Another process's transaction takes the write lock and changes the event without committing.
    blocker = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        blocker.execute("UPDATE events SET name = 'uncommitted'")

        started = time.monotonic()
        write = client.post("/api/v1/events", json=EVENT, headers=headers)
        waited = time.monotonic() - started
        read = client.get("/api/v1/events", headers=headers)
        one = client.get(f"/api/v1/events/{event_id}", headers=headers)
    finally:
        blocker.rollback()
        blocker.close()

    assert_retry_later(write, "database_busy")
    # It waited for the lock as configured, and no longer: the old 30 s would blow far past this.
    assert BUSY_TIMEOUT <= waited < BUSY_TIMEOUT + 3
    # The reads (token check included) took no lock: a lock they waited for would have been a 503.
    assert read.status_code == 200
    assert [item["name"] for item in read.get_json()["items"]] == ["Busy Summit"]
    assert one.status_code == 200
    assert one.get_json()["name"] == "Busy Summit"
    # With the lock released the same write goes through, and the refused one left nothing behind.
    assert client.post("/api/v1/events", json=EVENT, headers=headers).status_code == 201
    assert client.get("/api/v1/events", headers=headers).get_json()["total"] == 2


def test_a_lock_held_past_the_timeout_is_a_busy_database(sqlite_app, sqlite_path):
    """The classification the 503 rests on, with the error SQLite really raises."""
    blocker = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with sqlite_app.app_context():
            db.session.add(User(email=f"{uuid.uuid4().hex}@example.org", name="W", password_hash="x"))
            with pytest.raises(OperationalError) as busy:
                db.session.flush()
    finally:
        blocker.rollback()
        blocker.close()
    assert database_outage(busy.value) == "database_busy"


@pytest.fixture
def unreachable_postgres_app() -> Iterator[Flask]:
    # A loopback port that was free a moment ago: connecting is refused at once, no server needed.
    app = make_test_app(f"postgresql://postgres@127.0.0.1:{free_port()}/badges")
    yield app
    Database.state(app).engine.dispose()


def test_an_unreachable_postgres_answers_503_with_retry_after(unreachable_postgres_app):
    app = unreachable_postgres_app
    client = app.test_client()
    with app.app_context():
        token = create_access_token(identity=str(uuid.uuid4()), additional_claims={"sid": str(uuid.uuid4())})

    login = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": PASSWORD})
    listing = client.get("/api/v1/events", headers=bearer(token))

    assert_retry_later(login, "database_unavailable")
    assert_retry_later(listing, "database_unavailable")


def test_health_keeps_its_own_answer_when_postgres_is_unreachable(unreachable_postgres_app):
    response = unreachable_postgres_app.test_client().get("/api/v1/health")

    assert response.status_code == 503
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "down", "error": "OperationalError"}
