from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Timestamps, UUIDPrimaryKey


class Font(UUIDPrimaryKey, Timestamps, Base):
    """A user's uploaded font, stored only after fontTools parsed all of it.

    `data` is the font as plain TrueType/OpenType (WOFF and WOFF2 unpacked) renamed to
    `internal_family`, unique to this upload, so it can never shadow a system font or another
    user's font in fontconfig; `family` is the name the font gives itself, shown to its owner.
    The same file uploaded twice by one user is one font (unique sha256 per owner).
    """

    __tablename__ = "fonts"
    __table_args__ = (UniqueConstraint("owner_id", "sha256"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(200))
    style: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int]
    italic: Mapped[bool] = mapped_column(default=False)
    internal_family: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    scripts: Mapped[list[Any]] = mapped_column(JSON)
    licence: Mapped[str | None] = mapped_column(Text)
    licence_url: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[bytes] = mapped_column(LargeBinary)
