"""The webhook outbox: a delivery row per endpoint, written in the transaction that caused the event.

Like the mail outbox (api/mail/service.py): nothing is sent for work that rolled back, and nothing
written is lost when the process dies after commit. After commit each row is handed to the job
runner ("webhooks.deliver"), so a slow receiver holds a delivery task, never the render worker.
A delivery is claimed with one conditional UPDATE (pending and due -> sending), so two workers, or
a worker and the sweep, never send the same row at once. A failed attempt waits with exponential
backoff for the sweep ("webhooks.sweep"); after WEBHOOK_MAX_ATTEMPTS the row is failed. A row left
in `sending` by a dead worker is retried after a lease: that edge is at-least-once, and the event
id, the same `webhook-id` in every attempt, lets the receiver drop the duplicate.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from api.core.db import on_commit, rows_changed, utcnow
from api.extensions import db, jobs
from api.jobs import JobsUnavailableError
from api.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from api.webhooks.sending import Outcome, Timeouts, post_event, signed_headers
from api.webhooks.targets import allowed_networks

log = logging.getLogger(__name__)

ERROR_MAX = 500


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def queue_event(
    session: Session, *, owner_id: uuid.UUID, event_type: str, data: dict[str, Any], occurred_at: datetime
) -> str | None:
    """Write one delivery per endpoint of the owner that asked for `event_type`, in the current
    transaction, each sent once it commits; the event's id, or None when no endpoint wants it."""
    endpoints = session.execute(select(Webhook.id, Webhook.events).where(Webhook.owner_id == owner_id)).all()
    wanted = [endpoint_id for endpoint_id, events in endpoints if event_type in events]
    if not wanted:
        return None
    event_id = new_event_id()
    body = json.dumps(
        {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    now = utcnow()
    delivery_ids = [uuid.uuid4() for _ in wanted]
    rows = [
        {
            "id": delivery_id,
            "webhook_id": endpoint_id,
            "event_id": event_id,
            "event_type": event_type,
            "payload": body,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for delivery_id, endpoint_id in zip(delivery_ids, wanted, strict=True)
    ]
    session.execute(insert(WebhookDelivery), rows)
    on_commit(session, lambda: _enqueue_after_commit(delivery_ids))
    return event_id


def _enqueue_after_commit(delivery_ids: list[uuid.UUID]) -> None:
    enqueue_deliveries(delivery_ids)


def enqueue_deliveries(delivery_ids: list[uuid.UUID]) -> int:
    """Hand deliveries to the job runner; with the broker down they stay pending for the sweep."""
    for count, delivery_id in enumerate(delivery_ids):
        try:
            jobs.enqueue("webhooks.deliver", delivery_id=str(delivery_id))
        except JobsUnavailableError:
            log.warning("Webhook deliveries are stored but the broker is unreachable; the sweep sends them")
            return count
    return len(delivery_ids)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: the base, doubled each time, at most a day."""
    base = current_app.config["WEBHOOK_BACKOFF_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400))


def _due() -> Any:
    # A row is pending only while it has attempts left (_record and the sweep fail it after the
    # last), or when its owner asked for one more (service.retry_delivery).
    return (WebhookDelivery.status == DeliveryStatus.PENDING) & (WebhookDelivery.next_attempt_at <= utcnow())


def _claim(delivery_id: uuid.UUID) -> int | None:
    """Take a due delivery for one attempt; its attempt number, or None if it is not ours to send."""
    now = utcnow()
    claimed = rows_changed(
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, _due())
            .values(
                status=DeliveryStatus.SENDING,
                attempts=WebhookDelivery.attempts + 1,
                last_attempt_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    attempt = (
        db.session.scalar(select(WebhookDelivery.attempts).where(WebhookDelivery.id == delivery_id))
        if claimed
        else None
    )
    db.session.commit()
    return attempt


def signing_secrets(secret: str, previous: str | None, previous_until: datetime | None) -> list[str]:
    """The current secret, and the one it replaced while the rotation's overlap lasts."""
    keys = [secret]
    if previous and previous_until is not None and previous_until > utcnow():
        keys.append(previous)
    return keys


def deliver(delivery_id: str) -> bool:
    """Make one attempt of a due delivery nobody else holds; True when the receiver took it."""
    row_id = uuid.UUID(delivery_id)
    attempt = _claim(row_id)
    if attempt is None:
        return False
    # Plain columns, not ORM objects: the row changes below by UPDATE, and an object kept in the
    # session's identity map would go on showing the claim's state.
    found = db.session.execute(
        select(
            WebhookDelivery.event_id,
            WebhookDelivery.event_type,
            WebhookDelivery.payload,
            Webhook.url,
            Webhook.secret,
            Webhook.previous_secret,
            Webhook.previous_secret_until,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id == row_id)
    ).one_or_none()
    # No transaction stays open while the receiver is talked to (on SQLite it would hold the
    # database's write lock for as long as the receiver takes).
    db.session.commit()
    if found is None:
        return False  # the endpoint was deleted meanwhile, its deliveries with it
    config = current_app.config
    body = found.payload.encode("utf-8")
    keys = signing_secrets(found.secret, found.previous_secret, found.previous_secret_until)
    outcome = post_event(
        found.url,
        body,
        signed_headers(keys, found.event_id, body),
        https_only=config["ENV_NAME"] == "production",
        allowed=allowed_networks(config["WEBHOOK_ALLOWED_NETWORKS"]),
        timeouts=Timeouts(connect=config["WEBHOOK_CONNECT_TIMEOUT"], total=config["WEBHOOK_TIMEOUT"]),
    )
    _record(row_id, attempt, outcome)
    if not outcome.delivered:
        log.warning(
            "Webhook delivery %s (%s) failed, attempt %d: %s",
            row_id,
            found.event_type,
            attempt,
            outcome.error,
        )
    return outcome.delivered


def _record(delivery_id: uuid.UUID, attempt: int, outcome: Outcome) -> None:
    """Store the attempt's outcome, unless the row was taken back meanwhile (a lease ran out)."""
    now = utcnow()
    values: dict[str, Any] = {
        "last_status_code": outcome.status_code,
        "response_excerpt": outcome.excerpt,
        "last_error": outcome.error[:ERROR_MAX] if outcome.error else None,
        "updated_at": now,
    }
    if outcome.delivered:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif attempt >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        values.update(status=DeliveryStatus.FAILED)
    else:
        values.update(status=DeliveryStatus.PENDING, next_attempt_at=now + backoff(attempt))
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.SENDING,
            WebhookDelivery.attempts == attempt,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def sweep_deliveries(limit: int = 100) -> int:
    """Take back deliveries a dead worker left in `sending`, hand every due one to the runner (each
    in its own task, so one slow receiver does not hold up the others), and delete finished ones
    past their retention; how many were handed."""
    now = utcnow()
    kept = timedelta(seconds=current_app.config["WEBHOOK_DELIVERY_RETENTION_SECONDS"])
    db.session.execute(
        delete(WebhookDelivery)
        .where(
            WebhookDelivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)),
            WebhookDelivery.updated_at < now - kept,
        )
        .execution_options(synchronize_session=False)
    )
    lease = timedelta(seconds=current_app.config["WEBHOOK_SENDING_LEASE_SECONDS"])
    max_attempts = current_app.config["WEBHOOK_MAX_ATTEMPTS"]
    stale = (WebhookDelivery.status == DeliveryStatus.SENDING) & (WebhookDelivery.updated_at < now - lease)
    interrupted = "The attempt was interrupted (the worker stopped)."
    db.session.execute(
        update(WebhookDelivery)
        .where(stale, WebhookDelivery.attempts >= max_attempts)
        .values(status=DeliveryStatus.FAILED, last_error=interrupted, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(WebhookDelivery)
        .where(stale)
        .values(status=DeliveryStatus.PENDING, last_error=interrupted, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    due = list(
        db.session.scalars(
            select(WebhookDelivery.id).where(_due()).order_by(WebhookDelivery.next_attempt_at).limit(limit)
        )
    )
    db.session.commit()
    return enqueue_deliveries(due)
