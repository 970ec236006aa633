"""Webhook endpoints: an owner's own, with their secrets and recent deliveries. No HTTP here."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.db import on_commit, utcnow
from api.core.pagination import PageRequest, paginate
from api.errors import ConflictError, NotFoundError, ValidationError
from api.users.models import User
from api.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from api.webhooks.outbox import enqueue_deliveries
from api.webhooks.sending import new_secret
from api.webhooks.targets import TargetRefused, allowed_networks, check_target


def webhook_not_found() -> NotFoundError:
    return NotFoundError("No webhook with this id.", code="webhook_not_found")


def check_url(url: str) -> None:
    """Refuse a target URL (422 under `url`): its form, then every address its host resolves to.

    It looks the host up in DNS: call it with no database transaction open (on SQLite one that
    may write holds the write lock). Delivery checks the URL again, with a fresh lookup.
    """
    config = current_app.config
    try:
        check_target(
            url,
            https_only=config["ENV_NAME"] == "production",
            allowed=allowed_networks(config["WEBHOOK_ALLOWED_NETWORKS"]),
        )
    except TargetRefused as refused:
        raise ValidationError({"url": [str(refused)]}) from None


def owned_webhook(session: Session, *, actor: User, webhook_id: uuid.UUID) -> Webhook:
    """The actor's webhook; another user's answers 404, as if it did not exist."""
    webhook = session.scalar(select(Webhook).where(Webhook.id == webhook_id, Webhook.owner_id == actor.id))
    if webhook is None:
        raise webhook_not_found()
    return webhook


def create_webhook(session: Session, *, actor: User, data: dict[str, Any]) -> Webhook:
    """A new endpoint with a new secret (its URL already passed check_url)."""
    limit = int(current_app.config["WEBHOOKS_MAX_PER_USER"])
    count = session.scalar(select(func.count()).select_from(Webhook).where(Webhook.owner_id == actor.id)) or 0
    if count >= limit:
        message = (
            f"You have {count} webhooks, the most allowed (WEBHOOKS_MAX_PER_USER is {limit});"
            " delete one before adding another."
        )
        raise ValidationError({"body": [message]}, detail=message, code="too_many_webhooks")
    webhook = Webhook(owner_id=actor.id, secret=new_secret(), **{"description": "", **data})
    session.add(webhook)
    session.flush()
    return webhook


def update_webhook(
    session: Session, *, actor: User, webhook_id: uuid.UUID, changes: dict[str, Any]
) -> Webhook:
    webhook = owned_webhook(session, actor=actor, webhook_id=webhook_id)
    for name, value in changes.items():
        setattr(webhook, name, value)
    session.flush()
    return webhook


def rotate_secret(session: Session, *, actor: User, webhook_id: uuid.UUID) -> Webhook:
    """A new secret; the old one keeps signing beside it for WEBHOOK_SECRET_OVERLAP_SECONDS."""
    webhook = owned_webhook(session, actor=actor, webhook_id=webhook_id)
    overlap = int(current_app.config["WEBHOOK_SECRET_OVERLAP_SECONDS"])
    webhook.previous_secret = webhook.secret if overlap > 0 else None
    webhook.previous_secret_until = utcnow() + timedelta(seconds=overlap) if overlap > 0 else None
    webhook.secret = new_secret()
    session.flush()
    return webhook


def delete_webhook(session: Session, *, actor: User, webhook_id: uuid.UUID) -> None:
    """Delete the endpoint; its deliveries go with it (ON DELETE CASCADE), pending ones unsent."""
    session.delete(owned_webhook(session, actor=actor, webhook_id=webhook_id))
    session.flush()


def list_webhooks(session: Session, *, actor: User, page: PageRequest) -> tuple[list[Webhook], int]:
    query = select(Webhook).where(Webhook.owner_id == actor.id).order_by(Webhook.created_at, Webhook.id)
    return paginate(session, query, page)


def retry_delivery(
    session: Session, *, actor: User, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Make a delivery due now, for one more attempt (a failed one gets exactly one), sent after commit.

    A delivered one is sent again with the same `webhook-id`; one being sent is a 409.
    """
    webhook = owned_webhook(session, actor=actor, webhook_id=webhook_id)
    delivery = session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook.id
        )
    )
    if delivery is None:
        raise NotFoundError("No delivery with this id for this webhook.", code="delivery_not_found")
    if delivery.status == DeliveryStatus.SENDING:
        raise ConflictError("This delivery is being sent right now.", code="delivery_in_progress")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    session.flush()
    ids = [delivery.id]
    on_commit(session, lambda: _enqueue(ids))
    return delivery


def _enqueue(ids: list[uuid.UUID]) -> None:
    enqueue_deliveries(ids)


def list_deliveries(
    session: Session, *, actor: User, webhook_id: uuid.UUID, page: PageRequest
) -> tuple[list[WebhookDelivery], int]:
    """The endpoint's deliveries, newest first."""
    webhook = owned_webhook(session, actor=actor, webhook_id=webhook_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
    )
    return paginate(session, query, page)
