from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey

TICKET_TYPES = ("free", "paid", "donation")


class Ticket(UUIDPrimaryKey, Timestamps, Base):
    """A ticket type of an event. Positions are exactly 0..n-1 within an event."""

    __tablename__ = "tickets"
    __table_args__ = (
        # Deferred to commit on PostgreSQL, so moves and swaps may pass through duplicates.
        UniqueConstraint("event_id", "position", deferrable=True, initially="DEFERRED"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("type IN ('free', 'paid', 'donation')", name="type_known"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16), default="free")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    quantity: Mapped[int | None]
    is_hidden: Mapped[bool] = mapped_column(default=False)
    sales_starts_at: Mapped[datetime | None]
    sales_ends_at: Mapped[datetime | None]
    badge_color: Mapped[str | None] = mapped_column(String(7))
    position: Mapped[int]
