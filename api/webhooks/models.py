from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey, utcnow

# The events an endpoint can ask for: how a badge job ended.
EVENT_TYPES = ("job.succeeded", "job.failed", "job.cancelled")


class DeliveryStatus(StrEnum):
    """Where one event is on its way to one endpoint; the column stores the value."""

    PENDING = "pending"  # waiting for its first attempt, or for a retry after a failed one
    SENDING = "sending"  # an attempt is under way (claimed by one worker)
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt failed; no more are made


class Webhook(UUIDPrimaryKey, Timestamps, Base):
    """An owner's endpoint: where job events are sent, and the secret they are signed with."""

    __tablename__ = "webhooks"

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(500), default="")
    # The signing secret in its `whsec_<base64>` form. Kept as is: HMAC needs the key itself (a
    # hash, as for passwords, could not sign), and the secret is only ever shown in the answers
    # that create or rotate it.
    secret: Mapped[str] = mapped_column(String(64))
    # The secret before the last rotation: it signs too (a second signature) until this time.
    previous_secret: Mapped[str | None] = mapped_column(String(64))
    previous_secret_until: Mapped[datetime | None]


class WebhookDelivery(UUIDPrimaryKey, Timestamps, Base):
    """One event for one endpoint: written in the transaction that caused it, sent after commit."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(status.value) for status in DeliveryStatus)})", name="status_known"
        ),
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_id_created_at", "webhook_id", "created_at"),
    )

    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    # `webhook-id` of every attempt: a receiver that drops ids it has seen gets the event once.
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(32))
    # The JSON body, fixed when the event happened, so every attempt sends the same bytes.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The start of the receiver's last answer (RESPONSE_EXCERPT_BYTES at most), for the owner to see why.
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
