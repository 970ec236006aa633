"""Uploaded fonts: parsed by fontTools, stored renamed to a family name unique to the upload.

Revision ID: f67a29ce8f84
Revises: 0845e309f12f
Create Date: 2026-11-21 01:24:35.827039+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.core.db

revision: str = "f67a29ce8f84"
down_revision: str | None = "0845e309f12f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fonts",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("family", sa.String(length=200), nullable=False),
        sa.Column("style", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("italic", sa.Boolean(), nullable=False),
        sa.Column("internal_family", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("scripts", sa.JSON(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("licence_url", sa.String(length=500), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_fonts_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fonts")),
        sa.UniqueConstraint("internal_family", name=op.f("uq_fonts_internal_family")),
        sa.UniqueConstraint("owner_id", "sha256", name=op.f("uq_fonts_owner_id_sha256")),
    )
    with op.batch_alter_table("fonts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fonts_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fonts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fonts_owner_id"))

    op.drop_table("fonts")
