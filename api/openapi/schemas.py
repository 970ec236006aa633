"""The component name of every body schema, in the order the document lists them.

Answers (dump schemas) always carry every field, so their components require all of them and
allow nothing else (api/openapi/document.py); request bodies (LoadSchema) require what the schema
requires. A schema nested in another is listed before it, so the other refers to its component.
"""

from __future__ import annotations

from marshmallow import Schema

from api.auth.schemas import (
    AcceptedSchema,
    AccessTokenSchema,
    LoginSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    TokenPairSchema,
)
from api.badge_templates.schemas import BadgeTemplateSchema, BadgeTemplateUploadSchema
from api.badges.options import (
    BackgroundSchema,
    BadgeOptionsSchema,
    CustomSheetSchema,
    FieldStyleSchema,
    QrSchema,
)
from api.badges.schemas import (
    BadgeFindingsSchema,
    BadgeJobFindingsSchema,
    BadgeJobLogSchema,
    BadgeJobReportSchema,
    BadgeJobResultSchema,
    BadgeJobSchema,
    BadgePreviewRequestSchema,
    BadgeRequestSchema,
    FindingCountsSchema,
    FindingSchema,
)
from api.core.schemas import page_schema
from api.events.schemas import EventCreateSchema, EventSchema, EventUpdateSchema
from api.fonts.schemas import FontSchema
from api.meta.schemas import HealthSchema
from api.tickets.schemas import (
    TicketBulkItemSchema,
    TicketCreateSchema,
    TicketListSchema,
    TicketOrderSchema,
    TicketSchema,
    TicketUpdateSchema,
)
from api.users.schemas import UserCreateSchema, UserSchema, UserUpdateSchema, VerifyEmailSchema
from api.webhooks.schemas import (
    WebhookCreateSchema,
    WebhookDeliverySchema,
    WebhookSchema,
    WebhookUpdateSchema,
    WebhookWithSecretSchema,
)


def component_schemas() -> dict[str, type[Schema]]:
    return {
        "LoginRequest": LoginSchema,
        "TokenPair": TokenPairSchema,
        "AccessToken": AccessTokenSchema,
        "PasswordResetRequest": PasswordResetRequestSchema,
        "PasswordResetConfirm": PasswordResetConfirmSchema,
        "Accepted": AcceptedSchema,
        "UserCreate": UserCreateSchema,
        "UserUpdate": UserUpdateSchema,
        "VerifyEmailRequest": VerifyEmailSchema,
        "User": UserSchema,
        "UserPage": page_schema(UserSchema),
        "EventCreate": EventCreateSchema,
        "EventUpdate": EventUpdateSchema,
        "Event": EventSchema,
        "CustomSheet": CustomSheetSchema,
        "FieldStyle": FieldStyleSchema,
        "QrOption": QrSchema,
        "BackgroundOption": BackgroundSchema,
        "BadgeOptions": BadgeOptionsSchema,
        "BadgeRequest": BadgeRequestSchema,
        "BadgePreviewRequest": BadgePreviewRequestSchema,
        "FindingCounts": FindingCountsSchema,
        "BadgeJobFindings": BadgeJobFindingsSchema,
        "BadgeJobResult": BadgeJobResultSchema,
        "Finding": FindingSchema,
        "BadgeFindings": BadgeFindingsSchema,
        "BadgeJobReport": BadgeJobReportSchema,
        "BadgeJob": BadgeJobSchema,
        "BadgeJobPage": page_schema(BadgeJobSchema),
        "BadgeJobLogLine": BadgeJobLogSchema,
        "Font": FontSchema,
        "FontPage": page_schema(FontSchema),
        "EventPage": page_schema(EventSchema),
        "TicketBulkItem": TicketBulkItemSchema,
        "TicketCreate": TicketCreateSchema,
        "TicketUpdate": TicketUpdateSchema,
        "TicketOrder": TicketOrderSchema,
        "Ticket": TicketSchema,
        "TicketPage": page_schema(TicketSchema),
        "TicketList": TicketListSchema,
        "BadgeTemplate": BadgeTemplateSchema,
        "BadgeTemplatePage": page_schema(
            BadgeTemplateSchema, total="The built-in templates plus the caller's uploads."
        ),
        "BadgeTemplateUpload": BadgeTemplateUploadSchema,
        "WebhookCreate": WebhookCreateSchema,
        "WebhookUpdate": WebhookUpdateSchema,
        "Webhook": WebhookSchema,
        "WebhookWithSecret": WebhookWithSecretSchema,
        "WebhookPage": page_schema(WebhookSchema),
        "WebhookDelivery": WebhookDeliverySchema,
        "WebhookDeliveryPage": page_schema(WebhookDeliverySchema),
        "Health": HealthSchema,
    }
