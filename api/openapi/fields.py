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

from api.core.schemas import OUT_OF_RANGE, LoadSchema, TrimmedString, UtcDateTime
from api.tickets.schemas import MAX_PRICE, PRICE_INPUT, validate_price
from api.users.schemas import PASSWORD_MAX_LENGTH, validate_password

# Not blank after trimming, and no C0/C1 control character anywhere (what TrimmedString checks).
ONE_LINE_PATTERN = (
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*"
    "[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    "[^\\u0000-\\u001f\\u007f-\\u009f]*$"
)
ONE_LINE = "One line, trimmed; not blank, no control characters."
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
        loading = isinstance(field.parent, LoadSchema)
        if isinstance(field, TrimmedString) and not field.blank_allowed:
            properties["minLength"] = max(1, ret.get("minLength", 1))
            properties["pattern"] = ONE_LINE_PATTERN
            if "description" not in ret:
                properties["description"] = ONE_LINE
        if isinstance(field, UtcDateTime) and loading:
            said = ret.get("description", "With an explicit offset.")
            properties["description"] = f"{said} From {DATE_TIME_BOUNDS}"
        if validate_password in field.validators:
            properties["minLength"] = config["PASSWORD_MIN_LENGTH"]
            properties["maxLength"] = PASSWORD_MAX_LENGTH
        if validate_price in field.validators:
            properties["$ref"] = "#/components/schemas/PriceInput"
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
        "PriceInput": {
            "description": PRICE_INPUT,
            "oneOf": [
                {"type": "string", "minLength": 1, "example": "12.50"},
                {"type": "number", "minimum": 0, "maximum": float(MAX_PRICE)},
            ],
        },
    }
