from __future__ import annotations

import uuid

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_user, optional_user
from api.core.dumping import dumper
from api.errors import ValidationError
from api.events.resources import ns
from api.extensions import db
from api.http import (
    Resource,
    json_body,
    load,
    load_each,
    no_content,
    page_request,
    respond,
    respond_page,
)
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
        """Tickets in position order: all for the owner, the visible ones of a public event for anyone.

        ---
        tags: [tickets]
        operationId: listTickets
        summary: An event's tickets in position order.
        description: |
          Works without a token for a public event. The owner sees every ticket, with positions
          exactly 0..n-1. Anybody else (no token, or another user's token) sees only the tickets with
          `is_hidden: false` of a **public** event, still in position order and with their real
          positions, so there can be gaps where hidden tickets are. A private event is a 404
          `event_not_found` to everybody but its owner. A bearer token that is sent but not accepted
          (expired, revoked, malformed) is a 401, not a visitor's view.
        security: [{}, {bearerAuth: []}]
        parameters:
          - EventId
          - Page
          - PerPage
        responses:
          '200':
            description: One page of tickets, by `position`.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TicketPage'}
          '401': Unauthorized
          '404': NotFound
          '422': ValidationFailed
        """
        page = page_request()
        tickets, total = service.list_tickets(
            db.session(), actor=optional_user(), event_id=event_id, page=page
        )
        return respond_page(dump_tickets(tickets), total, page)

    @jwt_required()
    def post(self, event_id: uuid.UUID) -> Response:
        """Create one ticket, or an array of them all or nothing, in array order.

        ---
        tags: [tickets]
        operationId: createTickets
        summary: Create one ticket, or an array of tickets all or nothing.
        description: |
          Owner only; another user's event (public or not) is a 404 `event_not_found`.

          * **One ticket** (a JSON object, `TicketCreate`): without `position` it goes to the end;
            with `position` p (0..n, n being the number of tickets) it is inserted there and the
            tickets from p on move down by one. A `position` above n is a 422 under `position`.
            The 201 answer is the Ticket, with its URL in a `Location` header.
          * **Several tickets** (a JSON array of 1 to 200 `TicketBulkItem`s): they are appended after
            the existing tickets in array order. `position` is refused in an item (422): the array
            order is the order. All or nothing: if any item is invalid, nothing is stored and the 422
            keys each message with the item's index, e.g. `1.price`, `2.is_hidden` (an item that is
            not an object is reported under its bare index, `2`). Field errors of every item come
            first; the price rules below are checked once every item's fields are valid. An empty array,
            or more than 200 items, is a 422 under `body`. The 201 answer is the array of created
            Tickets in the same order, without a `Location` header.

          Price rules: a `free` ticket (the default type) costs nothing, so `price` is left out or
          0 and is stored as 0; a `paid` ticket needs a `price` above 0; for a `donation` ticket
          `price` is the minimum amount (0 or more, 0 when left out). Prices are at most
          99999999.99 with at most two decimals. `is_hidden` must be JSON `true` or `false`: a
          string such as `"on"` or `"true"` is a 422. `sales_ends_at` must be after
          `sales_starts_at`.
        security: [{bearerAuth: []}]
        parameters:
          - EventId
        requestBody:
          required: true
          content:
            application/json:
              schema:
                oneOf:
                  - $ref: '#/components/schemas/TicketCreate'
                  - type: array
                    minItems: 1
                    maxItems: 200
                    items: {$ref: '#/components/schemas/TicketBulkItem'}
        responses:
          '201':
            links:
              GetTicket:
                operationId: getTicket
                parameters: {event_id: '$request.path.event_id', ticket_id: '$response.body#/id'}
              UpdateTicket:
                operationId: updateTicket
                parameters: {event_id: '$request.path.event_id', ticket_id: '$response.body#/id'}
              DeleteTicket:
                operationId: deleteTicket
                parameters: {event_id: '$request.path.event_id', ticket_id: '$response.body#/id'}
            description: |
              The created ticket (object body; its URL is in the `Location` header), or the created
              tickets in array order (array body).
            content:
              application/json:
                schema:
                  oneOf:
                    - $ref: '#/components/schemas/Ticket'
                    - type: array
                      items: {$ref: '#/components/schemas/Ticket'}
          '404': NotFound
        """
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
        """Set the whole order: `ticket_ids` must be exactly the event's tickets.

        ---
        tags: [tickets]
        operationId: reorderTickets
        summary: Set the order of all of an event's tickets at once.
        description: |
          `ticket_ids` lists **every** ticket of the event (hidden ones included) exactly once, in
          the new order; the ticket at index i gets `position` i. Anything else is a 422 with `code`
          `not_a_permutation` and nothing changes: `errors.ticket_ids` holds one message per kind of
          problem, naming the ids: `Missing: <ids>.` (tickets of the event not in the list),
          `Not tickets of this event: <ids>.` (unknown ids, or tickets of another event) and
          `Repeated: <ids>.`. An id that is not a UUID is a 422 `validation_failed` under
          `ticket_ids.<index>`. An event without tickets takes `{"ticket_ids": []}`.
          Owner only; another user's event is a 404 `event_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - EventId
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TicketOrder'}
        responses:
          '200':
            description: Every ticket of the event in the new order (not paged).
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TicketList'}
          '404': NotFound
        """
        ticket_ids = load(TicketOrderSchema())["ticket_ids"]
        tickets = service.reorder_tickets(
            db.session(), actor=current_user(), event_id=event_id, ticket_ids=ticket_ids
        )
        return respond({"items": dump_tickets(tickets)})


@ns.route("/<uuid:event_id>/tickets/<uuid:ticket_id>")
class Ticket(Resource):
    def get(self, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Response:
        """One ticket (a hidden one only for the owner).

        ---
        tags: [tickets]
        operationId: getTicket
        summary: One ticket of an event.
        description: |
          Works without a token for a public event. The owner can read any of the event's tickets;
          anybody else only a ticket with `is_hidden: false` of a public event. A private event is a
          404 `event_not_found` and a hidden ticket a 404 `ticket_not_found` to everybody but the
          owner; a ticket of another event is a 404 `ticket_not_found` to everybody. A bearer token
          that is sent but not accepted (expired, revoked, malformed) is a 401.
        security: [{}, {bearerAuth: []}]
        parameters:
          - EventId
          - TicketId
        responses:
          '200':
            description: The ticket.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Ticket'}
          '401': Unauthorized
          '404': NotFound
        """
        ticket = service.get_ticket(
            db.session(), actor=optional_user(), event_id=event_id, ticket_id=ticket_id
        )
        return respond(ticket_schema.dump(ticket))

    @jwt_required()
    def patch(self, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Response:
        """Change a ticket; `position` moves it and shifts the others.

        ---
        tags: [tickets]
        operationId: updateTicket
        summary: Change a ticket; `position` moves it.
        description: |
          Send only the fields to change. `position` p (0..n-1) moves the ticket there and shifts
          the tickets in between by one, so the order stays 0..n-1 without gaps; p of n or more is a
          422 under `position`. The price rules are checked against the stored values of the fields
          not sent: changing `type` to `free` without a `price` sets the price to 0, changing it to
          `paid` needs a price above 0 (sent or stored). `is_hidden` must be JSON `true` or `false`.
          Owner only: another user's event is a 404 `event_not_found`, a ticket of another event a
          404 `ticket_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - EventId
          - TicketId
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TicketUpdate'}
        responses:
          '200':
            description: The updated ticket, with its new position.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Ticket'}
          '404': NotFound
        """
        changes = load(TicketUpdateSchema())
        ticket = service.update_ticket(
            db.session(), actor=current_user(), event_id=event_id, ticket_id=ticket_id, changes=changes
        )
        return respond(ticket_schema.dump(ticket))

    @jwt_required()
    def delete(self, event_id: uuid.UUID, ticket_id: uuid.UUID) -> Response:
        """Delete a ticket; the ones after it move up.

        ---
        tags: [tickets]
        operationId: deleteTicket
        summary: Delete a ticket; the ones after it move up.
        description: |
          The tickets after it move up by one, so positions stay 0..n-1 without a gap. Owner only:
          another user's event is a 404 `event_not_found`, a ticket of another event a 404
          `ticket_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - EventId
          - TicketId
        responses:
          '204': {description: 'Deleted; the later tickets moved up.'}
          '404': NotFound
        """
        service.delete_ticket(db.session(), actor=current_user(), event_id=event_id, ticket_id=ticket_id)
        return no_content()
