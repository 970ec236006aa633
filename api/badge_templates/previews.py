"""Previews of badge templates: the signed URL an <img> loads without a token, and who may read one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from api.badge_templates.models import BadgeTemplate
from api.badge_templates.service import (
    TemplateInfo,
    built_in_info,
    find_uploaded,
    template_not_found,
    uploaded_info,
)
from api.render.builtin import BUILT_IN
from api.render.tasks import TemplateSource
from api.users.models import User

# Part of every preview's ETag: bump it whenever the same SVG would render differently (engine,
# sample values, resolution), so that browsers drop the copies they cached for a day.
PREVIEW_RENDERER_VERSION = "1"


def preview_signature(template_id: str, sha256: str) -> str:
    """The `sig` of an uploaded template's preview URL: it lets an <img src> without a token load it.

    Bound to the template's content, not to a time: the URL stays the same while the template does,
    so browsers can cache the image, and it stops working if the content could ever change.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = f"badge-template-preview\n{template_id}\n{sha256}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class Preview:
    info: TemplateInfo
    stored: BadgeTemplate | None  # None for a built-in; its SVG is loaded only when rendering

    @property
    def etag(self) -> str:
        return f"{self.info.sha256}-r{PREVIEW_RENDERER_VERSION}"

    def source(self) -> TemplateSource:
        """What a worker needs to draw it; reads an upload's SVG from the database."""
        if self.stored is None:
            return TemplateSource(built_in=self.info.id)
        return TemplateSource(svg=self.stored.svg, sha256=self.stored.sha256, back_svg=self.stored.back_svg)

    @property
    def owner(self) -> str:
        """Whose render this is, for the pool's fairness: an upload's owner, or the service."""
        return str(self.stored.owner_id) if self.stored is not None else "built-in"


def readable_preview(
    session: Session, *, template_id: str, signature: str | None, actor: Callable[[], User | None]
) -> Preview:
    """A built-in's preview for anybody; an upload's with a valid `signature` or for its owner.

    `actor` is called only without a valid signature, so a signed URL never looks at a token.
    """
    if template_id in BUILT_IN:
        return Preview(built_in_info(template_id), None)
    template = find_uploaded(session, template_id)
    if template is None:
        raise template_not_found()
    expected = preview_signature(str(template.id), template.sha256)
    if signature is not None and hmac.compare_digest(signature.encode(), expected.encode()):
        return Preview(uploaded_info(template), template)
    user = actor()
    if user is None or user.id != template.owner_id:
        raise template_not_found()
    return Preview(uploaded_info(template), template)
