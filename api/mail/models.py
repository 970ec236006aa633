from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey, utcnow


class EmailStatus(StrEnum):
    """Where a message is on its way out; the column stores the value."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# Waiting for a (first or next) delivery attempt.
DUE_STATUSES = (EmailStatus.PENDING, EmailStatus.FAILED)


class OutboundEmail(UUIDPrimaryKey, Timestamps, Base):
    """A message written in the same transaction as the change that caused it, delivered after commit."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(status.value) for status in EmailStatus)})", name="status_known"
        ),
        Index("ix_outbound_emails_status_next_attempt_at", "status", "next_attempt_at"),
        # The per-account mail budget counts an address's messages of the last hour.
        Index("ix_outbound_emails_to_address_created_at", "to_address", "created_at"),
    )

    # Stable across retries, so a receiving server can drop a duplicate of a retried message.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    template: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # A stored file (api.core.storage key) attached when the message is sent, not copied here.
    attachment_key: Mapped[str | None] = mapped_column(String(255))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
