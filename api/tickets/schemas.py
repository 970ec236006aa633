from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.core.schemas import LoadSchema, StrictBoolean, TrimmedString, UtcDateTime
from api.tickets.models import TICKET_TYPES

MAX_PRICE = Decimal("99999999.99")
MAX_BULK_TICKETS = 200


def validate_price(value: Decimal) -> None:
    if not value.is_finite():
        raise ValidationError("Must be a number.")
    if value < 0:
        raise ValidationError("Must not be negative.")
    if value > MAX_PRICE:
        raise ValidationError(f"Must be at most {MAX_PRICE}.")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("Must have at most two decimal places.")


class TicketFields(LoadSchema):
    name = TrimmedString(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000))
    type = fields.String(validate=validate.OneOf(TICKET_TYPES))
    price = fields.Decimal(validate=validate_price, allow_nan=False)
    quantity = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    # Explicit booleans only: a missing checkbox is false, the string "on" is an error.
    is_hidden = StrictBoolean()
    sales_starts_at = UtcDateTime(allow_none=True)
    sales_ends_at = UtcDateTime(allow_none=True)
    badge_color = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Must be a colour like #1a2b3c."),
    )

    read_only_fields: ClassVar[frozenset[str]] = LoadSchema.read_only_fields | {"event_id"}

    @validates_schema(skip_on_field_errors=False)
    def sales_end_after_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        starts, ends = data.get("sales_starts_at"), data.get("sales_ends_at")
        if starts and ends and ends <= starts:
            raise ValidationError("Must be after sales_starts_at.", "sales_ends_at")


class TicketCreateSchema(TicketFields):
    name = TrimmedString(required=True, validate=validate.Length(max=200))
    position = fields.Integer(strict=True, validate=validate.Range(min=0))


class TicketBulkItemSchema(TicketCreateSchema):
    # In an array the order of the array is the order: a position per item is refused.
    read_only_fields: ClassVar[frozenset[str]] = TicketFields.read_only_fields | {"position"}


class TicketUpdateSchema(TicketFields):
    position = fields.Integer(strict=True, validate=validate.Range(min=0))


class TicketOrderSchema(LoadSchema):
    ticket_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=10_000))


class TicketSchema(Schema):
    id = fields.UUID()
    event_id = fields.UUID()
    name = fields.String()
    description = fields.String()
    type = fields.String()
    price = fields.Decimal(as_string=True, places=2)
    quantity = fields.Integer(allow_none=True)
    is_hidden = fields.Boolean()
    sales_starts_at = fields.AwareDateTime(allow_none=True)
    sales_ends_at = fields.AwareDateTime(allow_none=True)
    badge_color = fields.String(allow_none=True)
    position = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
