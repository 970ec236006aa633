from __future__ import annotations

import uuid

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_user, optional_user
from api.core.dumping import dumper
from api.core.pagination import page_body
from api.events import service
from api.events.schemas import EventCreateSchema, EventSchema, EventUpdateSchema
from api.extensions import db
from api.http import Resource, api, link_header, load, no_content, page_request, respond
from api.links import absolute_url

ns = api.namespace("events", description="Events")
event_schema = EventSchema()
dump_events = dumper(event_schema)


@ns.route("")
class Events(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The current user's events, by start time."""
        page = page_request()
        events, total = service.list_events(db.session(), actor=current_user(), page=page)
        body = page_body(dump_events(events), total, page)
        return respond(body, headers={"Link": link_header(page, total)})

    @jwt_required()
    def post(self) -> Response:
        """Create an event owned by the current user."""
        event = service.create_event(db.session(), actor=current_user(), data=load(EventCreateSchema()))
        location = absolute_url("api.events_event", event_id=event.id)
        return respond(event_schema.dump(event), 201, headers={"Location": location})


@ns.route("/<uuid:event_id>")
class Event(Resource):
    def get(self, event_id: uuid.UUID) -> Response:
        """An event: the owner's own, or a public one for anybody, with or without a token."""
        event, _ = service.readable_event(db.session(), actor=optional_user(), event_id=event_id)
        return respond(event_schema.dump(event))

    @jwt_required()
    def patch(self, event_id: uuid.UUID) -> Response:
        """Change an event."""
        changes = load(EventUpdateSchema())
        event = service.update_event(db.session(), actor=current_user(), event_id=event_id, changes=changes)
        return respond(event_schema.dump(event))

    @jwt_required()
    def delete(self, event_id: uuid.UUID) -> Response:
        """Delete an event and its tickets."""
        service.delete_event(db.session(), actor=current_user(), event_id=event_id)
        return no_content()
