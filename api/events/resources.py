from __future__ import annotations

import uuid

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_user, optional_user
from api.core.dumping import dumper
from api.events import service
from api.events.schemas import EventCreateSchema, EventSchema, EventUpdateSchema
from api.extensions import db
from api.http import Resource, api, load, no_content, page_request, respond, respond_page
from api.links import absolute_url

ns = api.namespace("events", description="Events")
event_schema = EventSchema()
dump_events = dumper(event_schema)


@ns.route("")
class Events(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The current user's events, by start time.

        ---
        tags: [events]
        operationId: listEvents
        summary: List the current user's events, by start time.
        description: Only the caller's own events, public or not, ordered by `starts_at` (then id).
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of the caller's events.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/EventPage'}
          '422': ValidationFailed
        """
        page = page_request()
        events, total = service.list_events(db.session(), actor=current_user(), page=page)
        return respond_page(dump_events(events), total, page)

    @jwt_required()
    def post(self) -> Response:
        """Create an event owned by the current user.

        ---
        tags: [events]
        operationId: createEvent
        summary: Create an event owned by the current user.
        description: |
          `name`, `starts_at` and `ends_at` are required; `ends_at` must be after `starts_at`. Date-times
          need an explicit offset (`Z` or `+08:00`) and come back in UTC. Defaults: `timezone` UTC,
          `currency` EUR, `is_public` false, `description` and `location` empty. `is_public` must be
          JSON `true` or `false` (a string such as `"yes"` or `"on"` is a 422). `owner_id`, `id`,
          `created_at` and `updated_at` are read-only: sending one is a 422.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/EventCreate'}
        responses:
          '201':
            links:
              GetEvent: {operationId: getEvent, parameters: {event_id: '$response.body#/id'}}
              UpdateEvent: {operationId: updateEvent, parameters: {event_id: '$response.body#/id'}}
              DeleteEvent: {operationId: deleteEvent, parameters: {event_id: '$response.body#/id'}}
              ListTickets: {operationId: listTickets, parameters: {event_id: '$response.body#/id'}}
              CreateTickets: {operationId: createTickets, parameters: {event_id: '$response.body#/id'}}
              ReorderTickets: {operationId: reorderTickets, parameters: {event_id: '$response.body#/id'}}
            description: The new event; `Location` is its URL.
            headers:
              Location: {$ref: '#/components/headers/Location'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Event'}
        """
        event = service.create_event(db.session(), actor=current_user(), data=load(EventCreateSchema()))
        location = absolute_url("api.events_event", event_id=event.id)
        return respond(event_schema.dump(event), 201, headers={"Location": location})


@ns.route("/<uuid:event_id>")
class Event(Resource):
    def get(self, event_id: uuid.UUID) -> Response:
        """An event: the owner's own, or a public one for anybody, with or without a token.

        ---
        tags: [events]
        operationId: getEvent
        summary: An event, the owner's own or a public one.
        description: |
          The owner reads their event; a public event (`is_public`) can be read by anybody, with or
          without a token, so a public page can show its name, dates and currency. A private event is
          a 404 `event_not_found` to everybody else, as if it did not exist.
        security: [{}, {bearerAuth: []}]
        parameters:
          - EventId
        responses:
          '200':
            description: The event.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Event'}
          '401': Unauthorized
          '404': NotFound
        """
        event, _ = service.readable_event(db.session(), actor=optional_user(), event_id=event_id)
        return respond(event_schema.dump(event))

    @jwt_required()
    def patch(self, event_id: uuid.UUID) -> Response:
        """Change an event.

        ---
        tags: [events]
        operationId: updateEvent
        summary: Change an event.
        description: |
          Send only the fields to change; `{}` changes nothing. `ends_at` must stay after `starts_at`,
          checked against the stored value of whichever is not sent (422 under `ends_at`). Another
          user's event is a 404 `event_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - EventId
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/EventUpdate'}
        responses:
          '200':
            description: The updated event.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Event'}
          '404': NotFound
        """
        changes = load(EventUpdateSchema())
        event = service.update_event(db.session(), actor=current_user(), event_id=event_id, changes=changes)
        return respond(event_schema.dump(event))

    @jwt_required()
    def delete(self, event_id: uuid.UUID) -> Response:
        """Delete an event and its tickets.

        ---
        tags: [events]
        operationId: deleteEvent
        summary: Delete an event and all its tickets.
        description: Another user's event is a 404 `event_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - EventId
        responses:
          '204': {description: 'Deleted, with its tickets.'}
          '404': NotFound
        """
        service.delete_event(db.session(), actor=current_user(), event_id=event_id)
        return no_content()
