"""Ticket positions: 0..n-1 per event, backfilled in creation order, unique per event.

Open Event added a position that defaulted to 1 for every existing ticket; here existing tickets
get their creation order, ties broken by id, before the column becomes required and unique.

Revision ID: c3f1a2b4d5e6
Revises: ae5b9792254c
Create Date: 2026-11-20 23:30:00+00:00
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "c3f1a2b4d5e6"
down_revision: str | None = "ae5b9792254c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def quiet_reflection() -> Iterator[None]:
    # SQLite's batch mode reflects the users table too, whose lower(email) index it cannot read;
    # that index is not touched here.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
        )
        yield


def upgrade() -> None:
    op.add_column("tickets", sa.Column("position", sa.Integer(), nullable=True))
    # Window functions exist on PostgreSQL and on SQLite 3.25+.
    op.execute(
        """
        UPDATE tickets SET position = ranked.rank - 1
        FROM (
            SELECT id, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY created_at, id) AS rank
            FROM tickets
        ) AS ranked
        WHERE tickets.id = ranked.id
        """
    )
    # Deferred to commit on PostgreSQL, so moves and swaps may pass through duplicates. SQLite
    # has no deferrable UNIQUE; the service writes positions so that it never needs one.
    deferred = (
        {"deferrable": True, "initially": "DEFERRED"} if op.get_bind().dialect.name == "postgresql" else {}
    )
    with quiet_reflection(), op.batch_alter_table("tickets") as batch:
        batch.alter_column("position", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint(op.f("ck_tickets_position_not_negative"), "position >= 0")
        batch.create_unique_constraint(
            op.f("uq_tickets_event_id_position"), ["event_id", "position"], **deferred
        )


def downgrade() -> None:
    with quiet_reflection(), op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f("uq_tickets_event_id_position"), type_="unique")
        batch.drop_constraint(op.f("ck_tickets_position_not_negative"), type_="check")
        batch.drop_column("position")
