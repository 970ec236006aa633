"""What apispec cannot see in our fields and validators, told to its field converter.

apispec reads marshmallow's own fields and validators (Length, Range, OneOf, Regexp). Ours check
more in code; each check is stated here once, so the contract says what the server enforces:
a trimmed one-line string's pattern, the date-time bounds, and limits read from configuration
(the password's minimum length) with the values this app is configured with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apispec.ext.marshmallow.field_converter import FieldConverterMixin
from marshmallow import fields

from api.badges.schemas import AttendeeRecord
from api.core.schemas import OUT_OF_RANGE, LoadSchema, RequestSchema, TrimmedString, UtcDateTime
from api.events.schemas import (
    CURRENCIES,
    CURRENCY,
    TIME_ZONE,
    time_zones,
    validate_currency,
    validate_timezone,
)
from api.render.attendees import MAX_CELL_CHARS, MAX_COLUMNS
from api.tickets.schemas import MAX_PRICE, PRICE_INPUT, validate_price
from api.users.schemas import PASSWORD_MAX_LENGTH, validate_password

# Not blank after trimming, and no C0/C1 control character anywhere (what TrimmedString checks).
ONE_LINE_PATTERN = (
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*"
    "[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    "[^\\u0000-\\u001f\\u007f-\\u009f]*$"
)
ONE_LINE = "One line, trimmed; not blank, no control characters."
# The same where a blank value is allowed (it counts as left out): no control character.
NO_CONTROL_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
# The years UtcDateTime takes, as the start of the string: what a schema can say of its bounds
# (an offset can still carry a time at either end past them; the description says so).
YEARS_1900_TO_9998 = "^(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
DATE_TIME_BOUNDS = (
    OUT_OF_RANGE.removeprefix("Must be from ").removesuffix(".")
    + ", in UTC after the offset is applied; outside is a 422 naming the field."
)


def teach_fields(converter: FieldConverterMixin, config: Mapping[str, Any]) -> None:
    # apispec binds the function to the converter, hence the unused first argument.
    def our_checks(
        _converter: Any, field: fields.Field[Any], ret: dict[str, Any], **_: Any
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        loading = isinstance(field.parent, RequestSchema)
        if isinstance(field, TrimmedString) and not field.blank_allowed:
            properties["minLength"] = max(1, ret.get("minLength", 1))
            properties["pattern"] = ONE_LINE_PATTERN
            if "description" not in ret:
                properties["description"] = ONE_LINE
        elif isinstance(field, TrimmedString):
            properties["pattern"] = NO_CONTROL_PATTERN
        if isinstance(field, UtcDateTime) and loading:
            said = ret.get("description", "With an explicit offset.")
            properties["description"] = f"{said} From {DATE_TIME_BOUNDS}"
            properties["pattern"] = YEARS_1900_TO_9998
        if validate_password in field.validators:
            properties["minLength"] = config["PASSWORD_MIN_LENGTH"]
            properties["maxLength"] = PASSWORD_MAX_LENGTH
        if validate_price in field.validators:
            properties["$ref"] = "#/components/schemas/PriceInput"
        # The values the server takes, listed, so that a client (or a test generator) can offer
        # exactly those rather than any string.
        if validate_timezone in field.validators:
            properties["$ref"] = "#/components/schemas/TimeZone"
        if validate_currency in field.validators:
            properties["$ref"] = "#/components/schemas/Currency"
        if isinstance(field, AttendeeRecord):
            properties["$ref"] = "#/components/schemas/Attendee"
        if not loading and field.name in LoadSchema.read_only_fields:
            properties["readOnly"] = True
        return properties

    # readOnly says what a client may see but never set (LoadSchema.read_only_fields), not how
    # marshmallow computes a field (apispec's field2read_only marks every dump_only field).
    converter.attribute_functions.remove(converter.field2read_only)
    converter.add_attribute_function(our_checks)  # type: ignore[no-untyped-call]


def field_components() -> dict[str, dict[str, Any]]:
    """Components that describe one field's accepted values rather than an object."""
    return {
        "TimeZone": {"type": "string", "description": TIME_ZONE, "enum": sorted(time_zones())},
        "Currency": {"type": "string", "description": CURRENCY, "enum": sorted(CURRENCIES)},
        "Attendee": {
            "type": "object",
            "description": (
                "One attendee: each key is a column (not blank, and not the same as another key but"
                " for case or spacing), each value text, a number, true, false or null, shown as"
                f" JSON writes it. At most {MAX_COLUMNS} columns over the whole list (more is a 413)"
                f" and {MAX_CELL_CHARS} characters a value."
            ),
            "maxProperties": MAX_COLUMNS,
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "maxLength": MAX_CELL_CHARS, "nullable": True},
                    {"type": "number"},
                    {"type": "boolean"},
                ]
            },
            "example": {"name": "Ada Lovelace", "organization": "Analytical Engines", "vip": True},
        },
        "PriceInput": {
            "description": PRICE_INPUT,
            "oneOf": [
                {"type": "string", "minLength": 1, "example": "12.50"},
                {"type": "number", "minimum": 0, "maximum": float(MAX_PRICE)},
            ],
        },
    }
