"""Uploaded templates keep their bleed: how far the artwork runs past the trim (data-bleed).

Read from the SVG by the upload's check in a render worker, so the template's answer shows it
without compiling anything. Templates uploaded before had no data-bleed to honour: 0.

Revision ID: b7d41e2c9a58
Revises: 9e4b7c2a1f03
Create Date: 2026-12-02 07:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d41e2c9a58"
down_revision: str | None = "9e4b7c2a1f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("badge_templates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bleed", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("badge_templates", schema=None) as batch_op:
        batch_op.drop_column("bleed")
