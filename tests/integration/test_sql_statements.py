"""The SQL statements an authenticated GET sends: every request pays for each one.

Counted on a live app (real BEGIN and COMMIT, not the suite's per-test savepoints) with a
before_cursor_execute listener, plus the engine's commit event, because COMMIT goes through the
driver rather than a cursor. What neither sees, on PostgreSQL only: psycopg2 sends its own BEGIN
before the first statement of a transaction, and the pool's pre-ping sends `SELECT 1` when a
request takes a connection; both are one per request whatever the handler does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import event

from api.cli import alembic_config
from api.core.db import Database
from tests.support.accounts import bearer
from tests.support.environment import make_test_app, require_postgres

pytestmark = pytest.mark.live

PASSWORD = "statement-count-password"
# Every authenticated request: the token's login session is live and its user, in one query.
TOKEN_CHECK = "SELECT auth_sessions users"
EXPECTED = {
    # The token check, then the page of events with the total as a window count: one query.
    "/api/v1/events?per_page=100": [TOKEN_CHECK, "SELECT events"],
    # The token check, then the count of the user's uploads (the built-ins are not in the database;
    # with no uploads there is no page to read).
    "/api/v1/badge-templates": [TOKEN_CHECK, "SELECT badge_templates"],
    # The token check loaded the user, so nothing else.
    "/api/v1/users/me": [TOKEN_CHECK],
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Both backends in every run, whichever one the rest of the suite uses."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('statements') / 'badges.db'}"
    else:
        require_postgres()
        url = request.getfixturevalue("postgres_databases").create("statements")
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="module")
def signed_in(database_url: str) -> Iterator[tuple[Flask, dict[str, str]]]:
    app = make_test_app(database_url)
    client = app.test_client()
    email = f"{uuid.uuid4().hex}@example.org"
    account = {"email": email, "password": PASSWORD, "name": "S"}
    assert client.post("/api/v1/users", json=account).status_code == 201
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).get_json()
    headers = bearer(tokens["access_token"])
    for number in range(3):
        event_body = {
            "name": f"Event {number}",
            "starts_at": "2026-03-10T09:00:00+00:00",
            "ends_at": "2026-03-11T18:00:00+00:00",
        }
        assert client.post("/api/v1/events", json=event_body, headers=headers).status_code == 201
    yield app, headers
    Database.state(app).engine.dispose()


def summary(statement: str) -> str:
    """`SELECT events`: the verb and the tables a statement reads, enough to tell queries apart."""
    verb = statement.split(None, 1)[0].upper()
    tables = dict.fromkeys(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", statement))
    return " ".join([verb, *tables])


def statements_of(app: Flask, path: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(summary(statement))

    def record_commit(conn: Any) -> None:
        sent.append("COMMIT")

    engine = Database.state(app).engine
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", record_commit)
    try:
        response = app.test_client().get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", record_commit)
    return response.status_code, sent


@pytest.mark.parametrize("path", EXPECTED)
def test_an_authenticated_get_sends_one_query_per_thing_it_needs(signed_in, path):
    app, headers = signed_in

    status, sent = statements_of(app, path, headers)

    assert status == 200
    # SQLite: the app begins the transaction itself, deferred because a GET only reads.
    begin = ["BEGIN"] if app.config["DATABASE_URL"].startswith("sqlite") else []
    assert sent == [*begin, *EXPECTED[path], "COMMIT"]


def test_the_events_page_and_its_total_agree_past_one_page(signed_in):
    """The total rides on the page's rows; a page past the end counts separately and still says 3."""
    app, headers = signed_in
    client = app.test_client()

    first = client.get("/api/v1/events?per_page=2", headers=headers).get_json()
    second = client.get("/api/v1/events?per_page=2&page=2", headers=headers).get_json()
    beyond = client.get("/api/v1/events?per_page=2&page=3", headers=headers).get_json()

    assert (first["total"], len(first["items"])) == (3, 2)
    assert (second["total"], len(second["items"])) == (3, 1)
    assert (beyond["total"], beyond["items"]) == (3, [])
