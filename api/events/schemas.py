from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.core.schemas import LoadSchema, StrictBoolean, TrimmedString, UtcDateTime

# ISO 4217 codes in use.
_CURRENCY_CODES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD "
    "CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ "
    "GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR "
    "LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN "
    "PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB "
    "TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL "
)
CURRENCIES = frozenset(_CURRENCY_CODES.split())
CURRENCY_PATTERN = "^[A-Z]{3}$"
CURRENCY = "An ISO 4217 code in current use, in capitals."
TIME_ZONE = "An IANA time zone name."


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """The IANA zones of the pinned tzdata package (requirements/base.txt), not of the machine:
    openapi.yaml lists them, so every machine must take the same ones (and the system's
    "localtime", whatever this machine's zone is, is no event's time zone)."""
    return frozenset(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def validate_timezone(value: str) -> None:
    if value not in time_zones():
        raise ValidationError("Must be an IANA time zone name such as Europe/Berlin or Asia/Singapore.")


def validate_currency(value: str) -> None:
    if value not in CURRENCIES:
        raise ValidationError("Must be an ISO 4217 currency code such as EUR, USD or SGD.")


class EventFields(LoadSchema):
    name = TrimmedString(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000))
    starts_at = UtcDateTime()
    ends_at = UtcDateTime(
        metadata={"description": "With an explicit offset; must be after `starts_at` (sent or stored)."}
    )
    timezone = fields.String(validate=validate_timezone, metadata={"description": TIME_ZONE})
    location = fields.String(validate=validate.Length(max=300))
    currency = fields.String(
        validate=validate_currency, metadata={"pattern": CURRENCY_PATTERN, "description": CURRENCY}
    )
    is_public = StrictBoolean(
        metadata={"description": 'Send JSON true or false; a string ("on", "true") is a 422.'}
    )

    @validates_schema(skip_on_field_errors=False)
    def ends_after_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("Must be after starts_at.", "ends_at")


class EventCreateSchema(EventFields):
    name = TrimmedString(required=True, validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000), metadata={"default": ""})
    starts_at = UtcDateTime(
        required=True, metadata={"description": "With an explicit offset; stored and returned in UTC."}
    )
    ends_at = UtcDateTime(
        required=True, metadata={"description": "With an explicit offset; must be after `starts_at`."}
    )
    timezone = fields.String(
        validate=validate_timezone,
        metadata={"description": TIME_ZONE, "default": "UTC", "example": "Asia/Singapore"},
    )
    location = fields.String(validate=validate.Length(max=300), metadata={"default": ""})
    currency = fields.String(
        validate=validate_currency,
        metadata={"pattern": CURRENCY_PATTERN, "description": CURRENCY, "default": "EUR", "example": "SGD"},
    )
    is_public = StrictBoolean(
        metadata={
            "default": False,
            "description": 'Send JSON true or false; a string ("yes", "on", "true") is a 422.'
            " A public event's visible tickets can be read without a token.",
        }
    )


class EventUpdateSchema(EventFields):
    class Meta(EventFields.Meta):
        description = "Only the fields to change."


class EventSchema(Schema):
    class Meta:
        description = (
            "An event as its owner and, when public, anybody reads it. It names no user: who owns it is"
            " never shown (the owner's own events are `GET /events`).\n"
        )

    # No owner_id: a public event is read by anybody, and no public view shows a user's id. The owner
    # needs none (their events are GET /events; their id is GET /users/me).
    id = fields.UUID()
    name = fields.String()
    description = fields.String()
    starts_at = UtcDateTime(metadata={"description": "In UTC."})
    ends_at = UtcDateTime(metadata={"description": "In UTC."})
    timezone = fields.String(metadata={"description": TIME_ZONE})
    location = fields.String()
    currency = fields.String(metadata={"pattern": CURRENCY_PATTERN})
    is_public = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
