"""Fonts: the curated system families and the user's uploads; which font a job's field uses.

No HTTP here. An upload is parsed completely by fontTools (api.fonts.validation) before anything is
stored, and stored renamed to a family unique to it, so it can never stand in for a system font
or another user's font.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from api.errors import NotFoundError, PayloadTooLargeError, ValidationError
from api.fonts.catalogue import SystemFont, system_font, system_fonts
from api.fonts.coverage import cmap_of_bytes, system_cmap
from api.fonts.fontconfig import is_installed_file, shadows_system_family
from api.fonts.models import Font
from api.fonts.validation import TOO_LARGE, FontRejected, as_sfnt, inspect_font, upload_family
from api.render.options import BadgeOptions
from api.users.models import User

MAX_FONTS_PER_USER = 50


def font_not_found() -> NotFoundError:
    return NotFoundError("No font with this id.", code="font_not_found")


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def owned_font(session: Session, *, actor: User, font_id: str, with_data: bool = False) -> Font:
    """The actor's uploaded font; another user's answers 404, as if it did not exist."""
    parsed = _as_uuid(font_id)
    if parsed is None:
        raise font_not_found()
    query = select(Font).where(Font.id == parsed, Font.owner_id == actor.id)
    if not with_data:
        query = query.options(defer(Font.data))
    font = session.scalar(query)
    if font is None:
        raise font_not_found()
    return font


def find_font(session: Session, *, actor: User, font_id: str) -> SystemFont | Font:
    """A curated system font by its id (e.g. "noto-sans"), or one of the actor's uploads."""
    return system_font(font_id) or owned_font(session, actor=actor, font_id=font_id)


def list_uploads(session: Session, *, actor: User) -> list[Font]:
    query = (
        select(Font)
        .where(Font.owner_id == actor.id)
        .options(defer(Font.data))
        .order_by(Font.created_at.desc(), Font.id.desc())
    )
    return list(session.scalars(query))


def upload_font(session: Session, *, actor: User, data: bytes) -> tuple[Font, bool]:
    """Check and store an uploaded font; (font, created). The same file again is the same font."""
    try:
        facts = inspect_font(data)
    except FontRejected as rejected:
        if rejected.code == TOO_LARGE:
            raise PayloadTooLargeError(rejected.message, code=rejected.code) from None
        raise ValidationError(
            {"file": [rejected.message]}, detail=rejected.message, code=rejected.code
        ) from None
    existing = session.scalar(
        select(Font).where(Font.owner_id == actor.id, Font.sha256 == facts.sha256).options(defer(Font.data))
    )
    if existing is not None:
        return existing, False
    if shadows_system_family(facts.family) and not is_installed_file(facts.family, facts.sha256):
        # Stored under its own name it could not shadow anything, but a font that calls itself
        # "DejaVu Sans" and is not that file is a mistake or a spoof. The very file is accepted:
        # it is the font it says it is.
        raise ValidationError(
            {"file": [f"The font calls itself {facts.family!r}, a font this service already has."]},
            detail=f"{facts.family!r} is installed already; pick it from GET /fonts instead.",
            code="font_shadows_system_font",
        )
    count = session.scalar(select(func.count()).select_from(Font).where(Font.owner_id == actor.id)) or 0
    if count >= MAX_FONTS_PER_USER:
        raise ValidationError(
            {"file": [f"You have {count} fonts, the limit; delete one first."]}, code="too_many_fonts"
        )
    font_id = uuid.uuid4()
    internal = upload_family(font_id)
    font = Font(
        id=font_id,
        owner_id=actor.id,
        family=facts.family,
        style=facts.style,
        weight=facts.weight,
        italic=facts.italic,
        internal_family=internal,
        format=str(facts.format),
        sha256=facts.sha256,
        size=facts.size,
        scripts=list(facts.scripts),
        licence=facts.licence,
        licence_url=facts.licence_url,
        data=as_sfnt(data, internal),
    )
    session.add(font)
    session.flush()
    return font, True


def delete_font(session: Session, *, actor: User, font_id: str) -> None:
    """Delete an upload; PDFs already made keep their embedded copy."""
    session.delete(owned_font(session, actor=actor, font_id=font_id))
    session.flush()


@dataclass(frozen=True)
class FieldFonts:
    """Job options with every field's font made a family Pango knows, and the uploads to register."""

    options: BadgeOptions
    uploads: dict[str, bytes]  # internal family -> font bytes
    # field -> (the font's name as the user knows it, its character map), for fields given a font
    chosen: dict[str, tuple[str, frozenset[int]]] = field(default_factory=dict)


def resolve_field_fonts(session: Session, *, actor: User, options: BadgeOptions) -> FieldFonts:
    """`fields.<name>.font` may be a curated font's id or family name, or an uploaded font's id.

    An upload is one face, so its weight becomes the field's weight unless the options set one
    (asking Pango for bold from a regular face would make it fake the bold, unembeddable).
    """
    styles = dict(options.fields)
    uploads: dict[str, bytes] = {}
    chosen: dict[str, tuple[str, frozenset[int]]] = {}
    for name, style in options.fields.items():
        if style.font is None:
            continue
        system = system_font(style.font) or _curated_by_family(style.font)
        if system is not None:
            styles[name] = replace(style, font=system.family)
            chosen[name] = (system.family, system_cmap(system.family))
            continue
        if _as_uuid(style.font) is None:
            known = ", ".join(font.id for font in system_fonts())
            message = f"Unknown font {style.font!r}; use an uploaded font's id or one of {known}."
            raise ValidationError({f"options.fields.{name}.font": [message]})
        font = owned_font(session, actor=actor, font_id=style.font, with_data=True)
        weight = style.weight or min(900, max(100, round(font.weight / 100) * 100))
        styles[name] = replace(style, font=font.internal_family, weight=weight)
        uploads[font.internal_family] = font.data
        chosen[name] = (font.family, cmap_of_bytes(font.data))
    return FieldFonts(replace(options, fields=styles), uploads, chosen)


def _curated_by_family(family: str) -> SystemFont | None:
    wanted = family.casefold()
    return next((font for font in system_fonts() if font.family.casefold() == wanted), None)
