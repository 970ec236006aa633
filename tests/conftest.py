"""Fixtures: the test database, a transaction per test, a spec-checking client, a real SMTP server.

Database: SQLite in a temporary folder by default; PostgreSQL on 127.0.0.1 when CI=true or
TEST_DATABASE=postgres (TEST_POSTGRES_URL names the server). The schema is built by the Alembic
migrations, so every run also proves they apply. Each test runs inside a transaction that is
rolled back at the end; requests commit to savepoints inside it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from api.cli import alembic_config
from api.core.db import Base, Database
from api.extensions import db, limiter
from tests.factories import UserFactory
from tests.openapi_contract import OpenApiContract
from tests.smtp import SmtpServer
from tests.support.accounts import bearer, login
from tests.support.environment import POSTGRES_URL, TEST_DATABASE, make_test_app, require_postgres


class PostgresDatabases:
    """Creates throw-away databases on the PostgreSQL server and drops them afterwards."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def _admin(self) -> Any:
        connection = psycopg2.connect(POSTGRES_URL)
        connection.autocommit = True
        return connection

    def create(self, label: str) -> str:
        name = f"badges_test_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        connection = self._admin()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        self.created.append(name)
        return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop_all(self) -> None:
        connection = self._admin()
        with connection.cursor() as cursor:
            for name in self.created:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases()
    yield databases
    if databases.created:
        databases.drop_all()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    if TEST_DATABASE == "postgres":
        require_postgres()
        url = request.getfixturevalue("postgres_databases").create("suite")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    yield app
    Database.state(app).engine.dispose()


@pytest.fixture(scope="session")
def contract() -> OpenApiContract:
    return OpenApiContract.load()


@pytest.fixture(autouse=True)
def transaction(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Run the test inside one database transaction, rolled back at the end."""
    if request.node.get_closest_marker("live"):
        yield None
        return
    app: Flask = request.getfixturevalue("app")
    state = Database.state(app)
    connection = state.engine.connect()
    outer = connection.begin()
    state.bind = connection
    state.join_transaction_mode = "create_savepoint"
    context = app.app_context()
    context.push()
    try:
        yield connection
    finally:
        db.session.remove()
        app.extensions["jobs"].shutdown()
        limiter.reset()
        context.pop()
        state.bind = state.engine
        state.join_transaction_mode = "conditional_savepoint"
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def jobs(app: Flask) -> Any:
    """The manual job runner: `jobs.run_pending()` runs what the code under test queued."""
    return app.extensions["jobs"]


@pytest.fixture
def user() -> Any:
    return UserFactory(verified=True)


@pytest.fixture
def tokens(client: FlaskClient, user: Any) -> dict[str, Any]:
    return login(client, user.email)


@pytest.fixture
def auth_headers(tokens: dict[str, Any]) -> dict[str, str]:
    return bearer(tokens["access_token"])


@pytest.fixture
def smtp_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; the app is pointed at it for the test."""
    server = SmtpServer().start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def make_live_app(database_url: str) -> Iterator[Any]:
    """Make apps that commit for real and run jobs on their thread pool (for tests marked `live`);
    afterwards their threads stop and every table is emptied."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        settings = {"JOBS_RUNNER": "thread", "OUTBOX_BACKOFF_SECONDS": 0.05, "MAIL_TIMEOUT": 2.0, **overrides}
        apps.append(make_test_app(database_url, **settings))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["jobs"].shutdown()
    if apps:
        with apps[0].app_context():
            for table in reversed(Base.metadata.sorted_tables):
                db.session.execute(delete(table))
            db.session.commit()
    for app in apps:
        Database.state(app).engine.dispose()


@pytest.fixture
def live_app(make_live_app: Any) -> Flask:
    return make_live_app()
