"""Events: an organiser's own, or a public one read by anybody. No HTTP here."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.pagination import PageRequest, paginate
from api.errors import NotFoundError, ValidationError
from api.events.models import Event
from api.users.models import User


def event_not_found() -> NotFoundError:
    return NotFoundError("No event with this id.", code="event_not_found")


def owned_event(session: Session, *, actor: User, event_id: uuid.UUID, lock: bool = False) -> Event:
    """The actor's event; another user's answers 404, as if it did not exist.

    `lock` takes the event's row lock (SELECT ... FOR UPDATE) for the rest of the transaction:
    every change to the event's tickets holds it, so concurrent changes run one after another.
    """
    query = select(Event).where(Event.id == event_id, Event.owner_id == actor.id)
    if lock:
        query = query.with_for_update()
    event = session.scalar(query)
    if event is None:
        raise event_not_found()
    return event


def readable_event(session: Session, *, actor: User | None, event_id: uuid.UUID) -> tuple[Event, bool]:
    """The event and whether the actor owns it; a private event is 404 to everybody else."""
    event = session.get(Event, event_id)
    if event is None:
        raise event_not_found()
    is_owner = actor is not None and event.owner_id == actor.id
    if not is_owner and not event.is_public:
        raise event_not_found()
    return event, is_owner


def create_event(session: Session, *, actor: User, data: dict[str, Any]) -> Event:
    event = Event(owner_id=actor.id, **data)
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, *, actor: User, event_id: uuid.UUID, changes: dict[str, Any]) -> Event:
    event = owned_event(session, actor=actor, event_id=event_id, lock=True)
    starts_at = changes.get("starts_at", event.starts_at)
    ends_at = changes.get("ends_at", event.ends_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ["Must be after starts_at."]})
    for name, value in changes.items():
        setattr(event, name, value)
    session.flush()
    return event


def delete_event(session: Session, *, actor: User, event_id: uuid.UUID) -> None:
    """Delete the event; its tickets go with it (the foreign key's ON DELETE CASCADE)."""
    event = owned_event(session, actor=actor, event_id=event_id, lock=True)
    session.delete(event)
    session.flush()


def list_events(session: Session, *, actor: User, page: PageRequest) -> tuple[list[Event], int]:
    query = select(Event).where(Event.owner_id == actor.id).order_by(Event.starts_at, Event.id)
    return paginate(session, query, page)
