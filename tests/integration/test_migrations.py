"""Migrations on the real PostgreSQL: up, down to nothing, up again, and no drift from the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import api.models  # noqa: F401
from api.cli import alembic_config
from api.core.db import Base, make_engine
from tests.support.environment import require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_postgres_url(postgres_databases) -> str:
    require_postgres()
    return postgres_databases.create("migrations")


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_postgres_url):
    config = alembic_config(empty_postgres_url)

    command.upgrade(config, "head")
    assert table_names(empty_postgres_url) == set(Base.metadata.tables)
    command.downgrade(config, "base")
    assert table_names(empty_postgres_url) == set()
    command.upgrade(config, "head")
    assert table_names(empty_postgres_url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(empty_postgres_url):
    command.upgrade(alembic_config(empty_postgres_url), "head")
    engine = make_engine(empty_postgres_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    assert diff == []


def test_the_email_index_is_unique_whatever_the_case(empty_postgres_url):
    command.upgrade(alembic_config(empty_postgres_url), "head")
    engine = make_engine(empty_postgres_url)
    try:
        indexes = {index["name"]: index for index in inspect(engine).get_indexes("users")}
    finally:
        engine.dispose()

    assert indexes["uq_users_email_lower"]["unique"]
    assert "lower" in str(indexes["uq_users_email_lower"].get("expressions"))


def test_migration_file_names_are_dated():
    from api.cli import MIGRATIONS_DIR

    names = [path.name for path in (MIGRATIONS_DIR / "versions").glob("*.py")]
    assert names
    for name in names:
        assert name[:8].isdigit()
        assert name[8] == "_"


def test_ticket_positions_are_backfilled_in_creation_order(empty_postgres_url):
    """Tickets that existed before positions get 0..n-1 per event, oldest first, ties by id."""
    import uuid as uuid_module
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    config = alembic_config(empty_postgres_url)
    command.upgrade(config, "ae5b9792254c")
    engine = make_engine(empty_postgres_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    user, events = uuid_module.uuid4(), [uuid_module.uuid4(), uuid_module.uuid4()]
    created = {}
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users VALUES (:id, 'a@example.org', 'A', 'x', false, NULL, :now, :now)"),
            {"id": user, "now": now},
        )
        for event_id in events:
            connection.execute(
                text(
                    "INSERT INTO events VALUES"
                    " (:id, :owner, 'E', '', :now, :now, 'UTC', '', 'EUR', false, :now, :now)"
                ),
                {"id": event_id, "owner": user, "now": now},
            )
        # Inserted out of creation order, to show the backfill sorts by created_at.
        for name, event_id, minutes in [
            ("third", 0, 30),
            ("first", 0, 10),
            ("second", 0, 20),
            ("only", 1, 5),
        ]:
            ticket_id = uuid_module.uuid4()
            created[name] = ticket_id
            connection.execute(
                text(
                    "INSERT INTO tickets (id, event_id, name, description, type, price, quantity,"
                    " is_hidden, created_at, updated_at)"
                    " VALUES (:id, :event, :name, '', 'free', 0, NULL, false, :at, :at)"
                ),
                {
                    "id": ticket_id,
                    "event": events[event_id],
                    "name": name,
                    "at": now + timedelta(minutes=minutes),
                },
            )

    command.upgrade(config, "head")

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT name, position FROM tickets ORDER BY event_id, position")
        ).all()
    engine.dispose()
    by_name = dict(rows)
    assert (by_name["first"], by_name["second"], by_name["third"], by_name["only"]) == (0, 1, 2, 0)
    command.downgrade(config, "ae5b9792254c")
    assert "tickets" in table_names(empty_postgres_url)
