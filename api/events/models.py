from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey


class Event(UUIDPrimaryKey, Timestamps, Base):
    """An organiser's event; its row is locked for every change to its tickets' order."""

    __tablename__ = "events"

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location: Mapped[str] = mapped_column(String(300), default="")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
