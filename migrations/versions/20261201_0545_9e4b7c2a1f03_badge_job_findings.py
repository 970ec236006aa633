"""Badge jobs keep their proof report's counts: findings by kind and how many badges need a look.

The report itself (every badge's findings) and the proof sheet are files beside the PDF; the row
holds what a job's answer shows without reading them. Jobs made before this have neither (null).

Revision ID: 9e4b7c2a1f03
Revises: 5d1e7a9c3b20
Create Date: 2026-12-01 05:45:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4b7c2a1f03"
down_revision: str | None = "5d1e7a9c3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("badge_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finding_counts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("flagged_badges", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("badge_jobs", schema=None) as batch_op:
        batch_op.drop_column("flagged_badges")
        batch_op.drop_column("finding_counts")
