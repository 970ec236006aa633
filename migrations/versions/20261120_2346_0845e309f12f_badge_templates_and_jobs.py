"""Badge templates (uploaded SVGs), badge jobs with their build logs, mail attachments.

Job state lives here, not in a broker: the sweep finds running jobs whose worker stopped.

Revision ID: 0845e309f12f
Revises: c3f1a2b4d5e6
Create Date: 2026-11-20 23:46:20.775491+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.core.db

revision: str = "0845e309f12f"
down_revision: str | None = "c3f1a2b4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "badge_templates",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("svg", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Double(), nullable=False),
        sa.Column("height", sa.Double(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("has_qr", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_badge_templates_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_templates")),
    )
    with op.batch_alter_table("badge_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badge_templates_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "badge_jobs",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("template_ref", sa.String(length=64), nullable=False),
        sa.Column("input_key", sa.String(length=255), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("badges", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("file_key", sa.String(length=255), nullable=True),
        sa.Column("file_bytes", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_deleted_at", api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", api.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_sha256", sa.String(length=64), nullable=True),
        sa.Column("log_count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_badge_jobs_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_badge_jobs_event_id_events"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_badge_jobs_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_jobs")),
        sa.UniqueConstraint(
            "owner_id", "idempotency_key", name=op.f("uq_badge_jobs_owner_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("badge_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_badge_jobs_owner_id_created_at", ["owner_id", "created_at"], unique=False)
        batch_op.create_index("ix_badge_jobs_status_heartbeat_at", ["status", "heartbeat_at"], unique=False)

    op.create_table(
        "badge_job_logs",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", api.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('INFO', 'SUCCESS', 'WARNING', 'ERROR')", name=op.f("ck_badge_job_logs_type_known")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["badge_jobs.id"],
            name=op.f("fk_badge_job_logs_job_id_badge_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_badge_job_logs")),
    )

    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_column("attachment_name")
        batch_op.drop_column("attachment_key")
    op.drop_table("badge_job_logs")
    with op.batch_alter_table("badge_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_badge_jobs_status_heartbeat_at")
        batch_op.drop_index("ix_badge_jobs_owner_id_created_at")

    op.drop_table("badge_jobs")
    with op.batch_alter_table("badge_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_templates_owner_id"))

    op.drop_table("badge_templates")
