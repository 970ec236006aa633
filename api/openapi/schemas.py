"""The component name of every body schema, in the order the document lists them.

Answers (dump schemas) always carry every field, so their components require all of them;
request bodies (LoadSchema) require what the schema requires.
"""

from __future__ import annotations

from marshmallow import Schema

from api.auth.schemas import LoginSchema, PasswordResetConfirmSchema, PasswordResetRequestSchema
from api.badge_templates.schemas import BadgeTemplateSchema, BadgeTemplateUploadSchema
from api.badges.schemas import BadgeJobLogSchema, BadgeJobSchema
from api.events.schemas import EventCreateSchema, EventSchema, EventUpdateSchema
from api.tickets.schemas import (
    TicketBulkItemSchema,
    TicketCreateSchema,
    TicketOrderSchema,
    TicketSchema,
    TicketUpdateSchema,
)
from api.users.schemas import UserCreateSchema, UserSchema, UserUpdateSchema, VerifyEmailSchema


def component_schemas() -> dict[str, type[Schema]]:
    return {
        "LoginRequest": LoginSchema,
        "PasswordResetRequest": PasswordResetRequestSchema,
        "PasswordResetConfirm": PasswordResetConfirmSchema,
        "UserCreate": UserCreateSchema,
        "UserUpdate": UserUpdateSchema,
        "VerifyEmailRequest": VerifyEmailSchema,
        "User": UserSchema,
        "EventCreate": EventCreateSchema,
        "EventUpdate": EventUpdateSchema,
        "Event": EventSchema,
        "BadgeJob": BadgeJobSchema,
        "BadgeJobLogLine": BadgeJobLogSchema,
        "TicketBulkItem": TicketBulkItemSchema,
        "TicketCreate": TicketCreateSchema,
        "TicketUpdate": TicketUpdateSchema,
        "TicketOrder": TicketOrderSchema,
        "Ticket": TicketSchema,
        "BadgeTemplate": BadgeTemplateSchema,
        "BadgeTemplateUpload": BadgeTemplateUploadSchema,
    }
