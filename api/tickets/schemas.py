from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.core.schemas import LoadSchema, StrictBoolean, TrimmedString, UtcDateTime
from api.tickets.models import TICKET_TYPES

MAX_PRICE = Decimal("99999999.99")
MAX_BULK_TICKETS = 200
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# What a price may be sent as (the PriceInput component, api/openapi/fields.py).
PRICE_INPUT = (
    'A decimal number or a string holding one (`12.5`, `"12.50"`), at least 0, at most'
    f" {MAX_PRICE}, with at most two decimals. `free`: left out or 0 (stored as 0). `paid`: above"
    " 0. `donation`: the minimum amount. Default 0. Responses always give it as a string.\n"
)
STRICT_BOOLEAN = 'Send JSON true or false; a string ("on", "true") is a 422.'


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
    is_hidden = StrictBoolean(metadata={"description": STRICT_BOOLEAN})
    sales_starts_at = UtcDateTime(allow_none=True)
    sales_ends_at = UtcDateTime(allow_none=True)
    badge_color = fields.String(
        allow_none=True, validate=validate.Regexp(COLOUR_PATTERN, error="Must be a colour like #1a2b3c.")
    )

    read_only_fields: ClassVar[frozenset[str]] = LoadSchema.read_only_fields | {"event_id"}

    @validates_schema(skip_on_field_errors=False)
    def sales_end_after_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        starts, ends = data.get("sales_starts_at"), data.get("sales_ends_at")
        if starts and ends and ends <= starts:
            raise ValidationError("Must be after sales_starts_at.", "sales_ends_at")


class TicketCreateSchema(TicketFields):
    class Meta(TicketFields.Meta):
        description = "One ticket; `position` inserts it there (0..n), otherwise it goes to the end."

    name = TrimmedString(required=True, validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000), metadata={"default": ""})
    type = fields.String(validate=validate.OneOf(TICKET_TYPES), metadata={"default": "free"})
    quantity = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=10_000_000),
        metadata={"description": "The number available; null for no limit."},
    )
    is_hidden = StrictBoolean(metadata={"description": STRICT_BOOLEAN, "default": False})
    sales_ends_at = UtcDateTime(
        allow_none=True,
        metadata={"description": "With an explicit offset; must be after `sales_starts_at`."},
    )
    badge_color = fields.String(
        allow_none=True,
        validate=validate.Regexp(COLOUR_PATTERN, error="Must be a colour like #1a2b3c."),
        metadata={"example": "#1a2b3c"},
    )
    position = fields.Integer(
        strict=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "Insert here (0..n, n = number of tickets); the tickets from here on move"
            " down by one."
        },
    )


class TicketBulkItemSchema(TicketCreateSchema):
    class Meta(TicketCreateSchema.Meta):
        description = (
            "One ticket of an array create; the array order is the order, so there is no `position`."
        )
        # Not a field here: naming it is a 422 that says so (read_only_fields).
        exclude = ("position",)

    is_hidden = StrictBoolean(
        metadata={
            "description": f"{STRICT_BOOLEAN} A hidden ticket is seen by the owner only.",
            "default": False,
        }
    )

    # In an array the order of the array is the order: a position per item is refused.
    read_only_fields: ClassVar[frozenset[str]] = TicketFields.read_only_fields | {"position"}


class TicketUpdateSchema(TicketFields):
    class Meta(TicketFields.Meta):
        description = "Only the fields to change."

    position = fields.Integer(
        strict=True,
        validate=validate.Range(min=0),
        metadata={"description": "Move here (0..n-1); the tickets in between shift by one."},
    )


class TicketOrderSchema(LoadSchema):
    ticket_ids = fields.List(
        fields.UUID(),
        required=True,
        validate=validate.Length(max=10_000),
        metadata={"description": "Every ticket id of the event exactly once, in the new order."},
    )


class TicketSchema(Schema):
    id = fields.UUID()
    event_id = fields.UUID(metadata={"readOnly": True})
    name = fields.String()
    description = fields.String()
    type = fields.String(metadata={"enum": list(TICKET_TYPES)})
    price = fields.Decimal(
        as_string=True,
        places=2,
        metadata={
            "type": "string",
            "pattern": r"^[0-9]+\.[0-9]{2}$",
            "example": "12.50",
            "description": 'A decimal string with exactly two decimals; `"0.00"` for a free ticket.',
        },
    )
    quantity = fields.Integer(allow_none=True, metadata={"minimum": 0})
    is_hidden = fields.Boolean()
    sales_starts_at = fields.AwareDateTime(allow_none=True, metadata={"description": "In UTC."})
    sales_ends_at = fields.AwareDateTime(allow_none=True, metadata={"description": "In UTC."})
    badge_color = fields.String(allow_none=True, metadata={"pattern": COLOUR_PATTERN})
    position = fields.Integer(
        metadata={
            "minimum": 0,
            "description": "The place in the event's order; exactly 0..n-1 over all its tickets.",
        }
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class TicketListSchema(Schema):
    """Every ticket of an event at once: the answer to an array create and to a reorder."""

    items = fields.List(fields.Nested(TicketSchema))
