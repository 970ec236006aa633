"""Outbox rows by recipient and time: the per-account mail budget counts an address's last hour.

Revision ID: 5d1e7a9c3b20
Revises: f67a29ce8f84
Create Date: 2026-12-01 04:15:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d1e7a9c3b20"
down_revision: str | None = "f67a29ce8f84"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbound_emails_to_address_created_at", ["to_address", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_emails_to_address_created_at")
