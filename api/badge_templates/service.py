"""Badge templates: the built-in designs and the SVGs users upload. No HTTP here.

An upload is compiled by the engine in a render worker (api.rendering.check_template) before
anything is stored. Nothing is compiled or drawn here: previews and jobs hand the stored SVG and
its sha256 to the workers, which keep compiled templates in caches of their own.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from api import rendering
from api.badge_templates.models import BadgeTemplate
from api.core.pagination import PageRequest
from api.errors import NotFoundError, PayloadTooLargeError, PermissionDeniedError, ValidationError
from api.render.builtin import BUILT_IN
from api.render.svgcheck import SvgLimits
from api.render.tasks import TemplateSource
from api.users.models import User

MM_PER_POINT = 25.4 / 72
# The engine's own limit: a bigger SVG would be refused by it anyway, so refuse it before a worker.
MAX_SVG_BYTES = SvgLimits().max_bytes
MAX_NAME_LENGTH = 200

# Well-known binary formats, to tell someone who picked the wrong file what they picked.
_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a WebP image (or another RIFF file)"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
)


@dataclass(frozen=True)
class TemplateInfo:
    """What the API shows of a template, built-in or uploaded alike."""

    id: str
    name: str
    source: str  # "built-in" or "uploaded"
    width: float  # points
    height: float
    fields: tuple[str, ...]
    has_qr: bool
    sha256: str
    created_at: datetime | None
    has_back: bool = False
    bleed: float = 0.0  # points past the trim on every side (data-bleed)
    # What the upload's check found that the organiser should look at (static text past an edge);
    # in the upload's answer only: the template is stored as it was sent.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateChoice:
    """The template a job or a badge preview names in `options.template`, ready to send to a worker.

    `source.svg` is None for a built-in template: workers compile those from their own copy.
    """

    ref: str
    source: TemplateSource
    name: str
    fields: tuple[str, ...]

    @property
    def svg(self) -> bytes | None:
        return self.source.svg


def template_not_found() -> NotFoundError:
    return NotFoundError("No badge template with this id.", code="template_not_found")


@lru_cache(maxsize=len(BUILT_IN))
def built_in_info(template_id: str) -> TemplateInfo:
    spec = BUILT_IN[template_id]
    facts = rendering.built_in_facts(template_id)
    return TemplateInfo(
        id=template_id,
        name=spec.title,
        source="built-in",
        width=facts["width"],
        height=facts["height"],
        fields=tuple(facts["fields"]),
        has_qr=facts["has_qr"],
        sha256=hashlib.sha256(spec.path.read_bytes()).hexdigest(),
        created_at=None,
        has_back=facts["has_back"],
        bleed=facts["bleed"],
    )


def uploaded_info(template: BadgeTemplate) -> TemplateInfo:
    return TemplateInfo(
        id=str(template.id),
        name=template.name,
        source="uploaded",
        width=template.width,
        height=template.height,
        fields=tuple(template.fields),
        has_qr=template.has_qr,
        sha256=template.sha256,
        created_at=template.created_at,
        has_back=template.has_back,
        bleed=template.bleed,
    )


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def find_uploaded(session: Session, template_id: str, owner: User | None = None) -> BadgeTemplate | None:
    """An uploaded template by its id (of `owner` when given), without its SVG until it is read."""
    template_uuid = _as_uuid(template_id)
    if template_uuid is None:
        return None
    query = (
        select(BadgeTemplate)
        .where(BadgeTemplate.id == template_uuid)
        .options(defer(BadgeTemplate.svg), defer(BadgeTemplate.back_svg))
    )
    if owner is not None:
        query = query.where(BadgeTemplate.owner_id == owner.id)
    return session.scalar(query)


def _owned(session: Session, actor: User, template_id: str) -> BadgeTemplate:
    """The actor's uploaded template; another user's answers 404, as if it did not exist."""
    template = find_uploaded(session, template_id, owner=actor)
    if template is None:
        raise template_not_found()
    return template


def list_templates(session: Session, *, actor: User, page: PageRequest) -> tuple[list[TemplateInfo], int]:
    """The built-in templates first, then the actor's uploads, newest first."""
    built_ins = [built_in_info(template_id) for template_id in BUILT_IN]
    own = BadgeTemplate.owner_id == actor.id
    uploaded = session.scalar(select(func.count()).select_from(BadgeTemplate).where(own)) or 0
    items = built_ins[page.offset : page.offset + page.per_page]
    room = page.per_page - len(items)
    if room > 0 and uploaded:
        query = (
            select(BadgeTemplate)
            .where(own)
            .options(
                defer(BadgeTemplate.svg), defer(BadgeTemplate.back_svg)
            )  # up to 2 MB each; a list needs neither
            .order_by(BadgeTemplate.created_at.desc(), BadgeTemplate.id.desc())
            .limit(room)
            .offset(max(0, page.offset - len(built_ins)))
        )
        items += [uploaded_info(template) for template in session.scalars(query)]
    return items, len(built_ins) + uploaded


def get_template(session: Session, *, actor: User, template_id: str) -> TemplateInfo:
    if template_id in BUILT_IN:
        return built_in_info(template_id)
    return uploaded_info(_owned(session, actor, template_id))


def max_templates_per_user() -> int:
    return int(current_app.config["BADGE_TEMPLATES_MAX_PER_USER"])


def name_from_filename(filename: str | None) -> str:
    """The upload's file name without folders and extension, as a one-line name; else "Untitled"."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    # Control characters and unpaired surrogates can come in a file name but not go in a badge list.
    cleaned = "".join(ch for ch in stem if unicodedata.category(ch) not in ("Cc", "Cs"))
    name = " ".join(cleaned.split())[:MAX_NAME_LENGTH].strip()
    return name or "Untitled"


def create_template(
    session: Session, *, actor: User, svg: bytes, name: str, back: bytes | None = None
) -> TemplateInfo:
    """Check an uploaded SVG (and its back side, a second SVG) in a render worker, then store it;
    nothing is stored on a refusal."""
    _check_bytes(svg)
    if back is not None:
        _check_bytes(back, part="back")
    limit = max_templates_per_user()
    _check_room(session, actor, limit)
    # The check takes milliseconds and may take up to its wall-clock limit (40 s) for a
    # hostile file; end the transaction first so that no pooled connection idles in it meanwhile.
    session.commit()
    summary = rendering.check_template(svg, user=str(actor.id), back=back)
    if not summary["fields"]:
        raise ValidationError(
            {
                "file": [
                    "The template has no {{field}} placeholder. A badge template needs at least one,"
                    " such as {{name}} inside a <text> element."
                ]
            },
            detail="The template has no {{field}} placeholder, so every badge would be the same.",
            code="no_placeholders",
        )
    # Counted again under the owner's row lock: two uploads at once must not both take the last place.
    session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    _check_room(session, actor, limit)
    template = BadgeTemplate(
        owner_id=actor.id,
        name=name,
        svg=svg,
        sha256=hashlib.sha256(svg).hexdigest(),
        width=float(summary["width"]),
        height=float(summary["height"]),
        fields=list(summary["fields"]),
        has_qr=bool(summary["has_qr"]),
        back_svg=back,
        has_back=bool(summary["has_back"]),
        bleed=float(summary["bleed"]),
    )
    session.add(template)
    session.flush()
    return replace(uploaded_info(template), warnings=tuple(summary.get("warnings", ())))


def _check_bytes(svg: bytes, part: str = "file") -> None:
    if len(svg) > MAX_SVG_BYTES:
        side = " (the back side)" if part == "back" else ""
        raise PayloadTooLargeError(
            f"The SVG{side} is larger than the limit of {MAX_SVG_BYTES} bytes for a badge template."
        )
    if not svg.strip():
        raise ValidationError({part: ["The file is empty."]})
    for signature, kind in _BINARY_SIGNATURES:
        if svg.startswith(signature):
            raise ValidationError(
                {part: [f"This file is {kind}, not an SVG. Upload the template as an .svg file."]},
                code="invalid_template",
            )


def _check_room(session: Session, actor: User, limit: int) -> None:
    count = (
        session.scalar(
            select(func.count()).select_from(BadgeTemplate).where(BadgeTemplate.owner_id == actor.id)
        )
        or 0
    )
    if count >= limit:
        message = (
            f"You have {count} uploaded templates, the most allowed (BADGE_TEMPLATES_MAX_PER_USER is"
            f" {limit}); delete one before uploading another."
        )
        raise ValidationError({"file": [message]}, detail=message, code="too_many_templates")


def delete_template(session: Session, *, actor: User, template_id: str) -> None:
    """Delete an upload; jobs already queued keep their own copy of the SVG."""
    if template_id in BUILT_IN:
        raise PermissionDeniedError(
            "Built-in templates belong to the service and cannot be deleted.", code="built_in_template"
        )
    session.delete(_owned(session, actor, template_id))
    session.flush()


def resolve_template(session: Session, *, actor: User, ref: str) -> TemplateChoice:
    """The template named by `options.template`: a built-in id, or the id of one of the actor's uploads.

    Another user's id or an unknown UUID is a 404 `template_not_found`; anything else is a 422.
    """
    if isinstance(ref, str) and ref in BUILT_IN:
        info = built_in_info(ref)
        return TemplateChoice(
            ref=ref, source=TemplateSource(built_in=ref), name=info.name, fields=info.fields
        )
    if not isinstance(ref, str) or _as_uuid(ref) is None:
        shown = ref[:57] + "..." if isinstance(ref, str) and len(ref) > 60 else ref
        raise ValidationError(
            {
                "options.template": [
                    f"Unknown template {shown!r}; built-in ones are {', '.join(BUILT_IN)},"
                    " or use an uploaded template's id."
                ]
            }
        )
    template = _owned(session, actor, ref)
    return TemplateChoice(
        ref=str(template.id),
        source=TemplateSource(svg=template.svg, sha256=template.sha256, back_svg=template.back_svg),
        name=template.name,
        fields=tuple(template.fields),
    )
