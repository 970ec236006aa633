from __future__ import annotations

import uuid

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_user, optional_user
from api.core.dumping import dumper
from api.core.pagination import page_body
from api.errors import ValidationError
from api.events.resources import ns
from api.extensions import db
from api.http import Resource, json_body, link_header, load, load_each, no_content, page_request, respond
from api.links import absolute_url
from api.tickets import service
from api.tickets.schemas import (
    MAX_BULK_TICKETS,
    TicketBulkItemSchema,
    TicketCreateSchema,
    TicketOrderSchema,
    TicketSchema,
    TicketUpdateSchema,
)

ticket_schema = TicketSchema()
dump_tickets = dumper(ticket_schema)


@ns.route("/<uuid:event_id>/tickets")
class Tickets(Resource):
    def get(self, event_id: uuid.UUID) -> Response:
        """Tickets in position order: all for the owner, the visible ones of a public event for anyone."""
        page = page_request()
        tickets, total = service.list_tickets(
            db.session(), actor=optional_user(), event_id=event_id, page=page
        )
        body = page_body(dump_tickets(tickets), total, page)
        return respond(body, headers={"Link": link_header(page, total)})

    @jwt_required()
    def post(self, event_id: uuid.UUID) -> Response:
        """Create one ticket, or an array of them all or nothing, in array order."""
        body = json_body()
        if isinstance(body, list):
            if len(body) > MAX_BULK_TICKETS:
                raise ValidationError({"body": [f"At most {MAX_BULK_TICKETS} tickets in one request."]})
            if not body:
                raise ValidationError({"body": ["The array is empty."]})
            items = load_each(TicketBulkItemSchema(), body)
        else:
            items = [load(TicketCreateSchema(), body)]
        tickets = service.create_tickets(
            db.session(), actor=current_user(), event_id=event_id, items=items, indexed=isinstance(body, list)
        )
        if isinstance(body, list):
            return respond(dump_tickets(tickets), 201)
        location = absolute_url("api.events_ticket", event_id=event_id, ticket_id=tickets[0].id)
        return respond(ticket_schema.dump(tickets[0]), 201, headers={"Location": location})


@ns.route("/<uuid:event_id>/tickets/order")
class TicketOrder(Resource):
    @jwt_required()
    def put(self, event_id: uuid.UUID) -> Response:
        """Set the whole order: `ticket_ids` must be exactly the event's tickets."""
        ticket_ids = load(TicketOrderSchema())["ticket_ids"]
        tickets = service.reorder_tickets(
            db.session(), actor=current_user(), event_id=event_id, ticket_ids=ticket_ids
        )
        return respond({"items": dump_tickets(tickets)})


@ns.route("/<uuid:event_id>/tickets/<uuid:ticket_id>")
class Ticket(Resource):
    def get(self, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Response:
        """One ticket (a hidden one only for the owner)."""
        ticket = service.get_ticket(
            db.session(), actor=optional_user(), event_id=event_id, ticket_id=ticket_id
        )
        return respond(ticket_schema.dump(ticket))

    @jwt_required()
    def patch(self, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Response:
        """Change a ticket; `position` moves it and shifts the others."""
        changes = load(TicketUpdateSchema())
        ticket = service.update_ticket(
            db.session(), actor=current_user(), event_id=event_id, ticket_id=ticket_id, changes=changes
        )
        return respond(ticket_schema.dump(ticket))

    @jwt_required()
    def delete(self, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Response:
        """Delete a ticket; the ones after it move up."""
        service.delete_ticket(db.session(), actor=current_user(), event_id=event_id, ticket_id=ticket_id)
        return no_content()
