from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey


class BadgeTemplate(UUIDPrimaryKey, Timestamps, Base):
    """An uploaded SVG template, stored only after a render worker compiled it under limits.

    The SVG lives in the database (templates are capped at a few MB), so every worker, on any
    machine, reads the same bytes; jobs copy it when they are queued, so deleting a template never
    breaks a job that uses it.
    """

    __tablename__ = "badge_templates"

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    svg: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[float]  # points
    height: Mapped[float]
    fields: Mapped[list[Any]] = mapped_column(JSON)
    has_qr: Mapped[bool] = mapped_column(default=False)
    # The back side, for double-sided badges: a second uploaded SVG (back_svg), or data-side
    # groups in `svg` itself; has_back says whether there is one either way.
    back_svg: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    has_back: Mapped[bool] = mapped_column(default=False)
    # How far the artwork runs past the trim (data-bleed), in points; read by the upload's check.
    bleed: Mapped[float] = mapped_column(default=0.0, server_default="0")
