"""Badge templates may have a back side: a second uploaded SVG, and whether there is a back at all.

A back comes either as a second SVG (back_svg) or as data-side groups in the template's own SVG;
has_back is true either way. Templates uploaded before this have no back (false).

Revision ID: b7d2e4f6a813
Revises: b7d3e1f4a9c2
Create Date: 2026-12-02 07:31:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e4f6a813"
down_revision: str | None = "b7d3e1f4a9c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, no batch: SQLite (3.35 and later) adds and drops these columns in place, and
# a batch copy would reflect the users table, whose expression index SQLAlchemy cannot reflect.
def upgrade() -> None:
    op.add_column("badge_templates", sa.Column("back_svg", sa.LargeBinary(), nullable=True))
    op.add_column(
        "badge_templates", sa.Column("has_back", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("badge_templates", "has_back")
    op.drop_column("badge_templates", "back_svg")
