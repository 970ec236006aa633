from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from api.core.schemas import LoadSchema
from api.webhooks.models import EVENT_TYPES, DeliveryStatus
from api.webhooks.targets import URL_MAX_LENGTH

URL_DESCRIPTION = (
    f"Where events are POSTed; at most {URL_MAX_LENGTH} characters. `https://` in production (`http://`"
    " too in development). Every address the host resolves to must be public (private, loopback,"
    " link-local, multicast and reserved ones are refused unless `WEBHOOK_ALLOWED_NETWORKS` admits"
    " them); no user name or password, no #fragment. Checked again before every delivery."
)
EVENTS_DESCRIPTION = "The events to send, at least one, each at most once."


def _distinct(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Must not name an event twice.")


def _events_field(**kwargs: Any) -> fields.List[str]:
    return fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        validate=[
            validate.Length(min=1, error="Must name at least one event."),
            validate.Length(max=len(EVENT_TYPES)),
            _distinct,
        ],
        metadata={"description": EVENTS_DESCRIPTION, "uniqueItems": True},
        **kwargs,
    )


class WebhookFields(LoadSchema):
    url = fields.String(
        validate=validate.Length(min=1, max=URL_MAX_LENGTH),
        metadata={"format": "uri", "description": URL_DESCRIPTION},
    )
    events = _events_field()
    description = fields.String(validate=validate.Length(max=500))


class WebhookCreateSchema(WebhookFields):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=URL_MAX_LENGTH),
        metadata={
            "format": "uri",
            "description": URL_DESCRIPTION,
            "example": "https://hooks.example.org/badges",
        },
    )
    events = _events_field(required=True)
    description = fields.String(validate=validate.Length(max=500), metadata={"default": ""})


class WebhookUpdateSchema(WebhookFields):
    class Meta(WebhookFields.Meta):
        description = "Only the fields to change; a new `url` is checked as on creation."


class WebhookSchema(Schema):
    class Meta:
        description = "An endpoint that receives the owner's job events. Its secret is never shown again."

    id = fields.UUID()
    url = fields.String(metadata={"format": "uri"})
    events = fields.List(fields.String(metadata={"enum": list(EVENT_TYPES)}))
    description = fields.String()
    previous_secret_until = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "After a rotation, until when the old secret still signs too (a second"
            " signature in `webhook-signature`); null when only one secret signs."
        },
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class WebhookWithSecretSchema(WebhookSchema):
    class Meta:
        description = (
            "An endpoint with its signing secret, in the answers that create or rotate it and never"
            " again: keep it where the receiver can read it."
        )

    secret = fields.String(
        metadata={
            "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$",
            "description": "The Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."
            " Pass it as is to a Standard Webhooks verifier (`new Webhook(secret)`).",
        }
    )


class WebhookDeliverySchema(Schema):
    class Meta:
        description = "One event on its way to one endpoint, and its last attempt."

    id = fields.UUID()
    event_id = fields.String(metadata={"description": "The `webhook-id` header of every attempt."})
    event_type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    status = fields.String(
        metadata={
            "enum": [status.value for status in DeliveryStatus],
            "description": "`pending` (waiting for an attempt or a retry), `sending`, `delivered` (a 2xx),"
            " `failed` (every attempt failed).",
        }
    )
    attempts = fields.Integer(metadata={"minimum": 0})
    last_status_code = fields.Integer(
        allow_none=True, metadata={"description": "The receiver's last HTTP status."}
    )
    last_error = fields.String(allow_none=True)
    response_excerpt = fields.String(
        allow_none=True,
        metadata={"description": "The start of the receiver's last answer (200 bytes at most)."},
    )
    next_attempt_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the next attempt is due; null unless pending."}
    )
    last_attempt_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()

    @post_dump
    def due_only_when_pending(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("status") != DeliveryStatus.PENDING:
            data["next_attempt_at"] = None
        return data
