"""Tickets in a position order that is always exactly 0..n-1 per event.

Every change locks the event row first, so concurrent requests on one event serialise. Positions
are written the same way for every change: compute the new order of ids, lift the event's
positions out of range, then set each from the order. Two statements whatever the change, and no
transient duplicate even where the unique constraint cannot be deferred (SQLite).
"""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.core.pagination import PageRequest, paginate
from api.errors import NotFoundError, ValidationError
from api.events.service import owned_event, readable_event
from api.tickets.models import Ticket
from api.users.models import User

# Temporary ranges no real position reaches, chosen so that a new ticket parked at _NEW and then
# lifted by _LIFT stays below 2^31 (PostgreSQL's integer).
_LIFT = 1_000_000_000
_NEW = 500_000_000


def ticket_not_found() -> NotFoundError:
    return NotFoundError("No ticket with this id in this event.", code="ticket_not_found")


def ordered_ids(session: Session, event_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(select(Ticket.id).where(Ticket.event_id == event_id).order_by(Ticket.position))
    )


def _write_order(session: Session, event_id: uuid.UUID, order: list[uuid.UUID]) -> None:
    if not order:
        return
    in_event = Ticket.event_id == event_id
    session.execute(
        update(Ticket)
        .where(in_event)
        .values(position=Ticket.position + _LIFT)
        .execution_options(synchronize_session=False)
    )
    new_position = case({ticket_id: index for index, ticket_id in enumerate(order)}, value=Ticket.id)
    session.execute(
        update(Ticket)
        .where(in_event)
        .values(position=new_position, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def check_prices(values: dict[str, Any], location: str = "") -> dict[str, list[str]]:
    """Price rules across fields: free costs nothing, paid costs something, donation is a minimum."""
    kind, price = values.get("type", "free"), values.get("price")
    errors: dict[str, list[str]] = {}
    if kind == "free" and price not in (None, Decimal("0")):
        errors[f"{location}price"] = ["A free ticket has no price: leave it out or send 0."]
    if kind == "paid" and (price is None or price <= 0):
        errors[f"{location}price"] = ["A paid ticket needs a price above 0."]
    starts, ends = values.get("sales_starts_at"), values.get("sales_ends_at")
    if starts and ends and ends <= starts:
        errors[f"{location}sales_ends_at"] = ["Must be after sales_starts_at."]
    return errors


def create_tickets(
    session: Session, *, actor: User, event_id: uuid.UUID, items: list[dict[str, Any]], indexed: bool
) -> list[Ticket]:
    """Create tickets in order, all or nothing; a `position` (single create only) inserts there.

    `indexed`: the items came as an array, so errors are keyed by their index ("0.price").
    """
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        errors.update(check_prices(item, f"{index}." if indexed else ""))
    if errors:
        raise ValidationError(errors)
    event = owned_event(session, actor=actor, event_id=event_id, lock=True)
    order = ordered_ids(session, event.id)
    created: list[Ticket] = []
    for item in items:
        position = item.pop("position", len(order))
        if position > len(order):
            raise ValidationError({"position": [f"Must be between 0 and {len(order)}."]})
        ticket = Ticket(id=uuid.uuid4(), event_id=event.id, position=_NEW + len(created), **item)
        if ticket.type == "free":
            ticket.price = Decimal("0")
        session.add(ticket)
        order.insert(position, ticket.id)
        created.append(ticket)
    session.flush()
    _write_order(session, event.id, order)
    # One query for all of them; created tickets take consecutive positions in array order.
    created_ids = [ticket.id for ticket in created]
    return list(session.scalars(select(Ticket).where(Ticket.id.in_(created_ids)).order_by(Ticket.position)))


def _ticket_in(session: Session, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.event_id != event_id:
        raise ticket_not_found()
    return ticket


def update_ticket(
    session: Session, *, actor: User, event_id: uuid.UUID, ticket_id: uuid.UUID, changes: dict[str, Any]
) -> Ticket:
    event = owned_event(session, actor=actor, event_id=event_id, lock=True)
    ticket = _ticket_in(session, event.id, ticket_id)
    position = changes.pop("position", None)
    merged = {name: getattr(ticket, name) for name in ("type", "price", "sales_starts_at", "sales_ends_at")}
    merged.update(changes)
    if changes.get("type") == "free" and "price" not in changes:
        merged["price"] = changes["price"] = Decimal("0")
    errors = check_prices(merged)
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(ticket, name, value)
    session.flush()
    if position is not None:
        _move(session, event.id, ticket.id, position)
    return _ticket_in(session, event.id, ticket_id)


def _move(session: Session, event_id: uuid.UUID, ticket_id: uuid.UUID, position: int) -> None:
    order = ordered_ids(session, event_id)
    if position >= len(order):
        raise ValidationError({"position": [f"Must be between 0 and {len(order) - 1}."]})
    order.remove(ticket_id)
    order.insert(position, ticket_id)
    _write_order(session, event_id, order)


def delete_ticket(session: Session, *, actor: User, event_id: uuid.UUID, ticket_id: uuid.UUID) -> None:
    event = owned_event(session, actor=actor, event_id=event_id, lock=True)
    ticket = _ticket_in(session, event.id, ticket_id)
    session.delete(ticket)
    session.flush()
    _write_order(session, event.id, ordered_ids(session, event.id))


def reorder_tickets(
    session: Session, *, actor: User, event_id: uuid.UUID, ticket_ids: list[uuid.UUID]
) -> list[Ticket]:
    """Set the whole order; anything but an exact permutation of the event's tickets is a 422."""
    event = owned_event(session, actor=actor, event_id=event_id, lock=True)
    current = ordered_ids(session, event.id)
    problems = []
    missing = [str(i) for i in current if i not in set(ticket_ids)]
    unknown = [str(i) for i in dict.fromkeys(ticket_ids) if i not in set(current)]
    repeated = [str(i) for i, count in Counter(ticket_ids).items() if count > 1]
    if missing:
        problems.append(f"Missing: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Not tickets of this event: {', '.join(unknown)}.")
    if repeated:
        problems.append(f"Repeated: {', '.join(repeated)}.")
    if problems:
        raise ValidationError({"ticket_ids": problems}, code="not_a_permutation")
    _write_order(session, event.id, list(ticket_ids))
    return list(session.scalars(select(Ticket).where(Ticket.event_id == event.id).order_by(Ticket.position)))


def list_tickets(
    session: Session, *, actor: User | None, event_id: uuid.UUID, page: PageRequest
) -> tuple[list[Ticket], int]:
    """The owner sees every ticket; anyone sees the visible tickets of a public event."""
    event, is_owner = readable_event(session, actor=actor, event_id=event_id)
    query = select(Ticket).where(Ticket.event_id == event.id).order_by(Ticket.position)
    if not is_owner:
        query = query.where(Ticket.is_hidden.is_(False))
    return paginate(session, query, page)


def get_ticket(session: Session, *, actor: User | None, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
    event, is_owner = readable_event(session, actor=actor, event_id=event_id)
    ticket = _ticket_in(session, event.id, ticket_id)
    if ticket.is_hidden and not is_owner:
        raise ticket_not_found()
    return ticket
