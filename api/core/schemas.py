"""Marshmallow base schemas: unknown fields are rejected, read-only fields say so."""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load


class RequestSchema(Schema):
    """Base of everything a client sends: the contract requires what the schema requires, where an
    answer's schema (any other) requires every field (api/openapi/document.py)."""

    class Meta:
        unknown = RAISE


class LoadSchema(RequestSchema):
    """Base of every request-body schema."""

    # Fields a client may see but never set; naming one is a 422 that says it is read-only.
    read_only_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "owner",
            "owner_id",
            "is_admin",
            "is_verified",
            "email_verified_at",
            "created_at",
            "updated_at",
        }
    )

    class Meta:
        unknown = RAISE

    @pre_load
    def reject_read_only(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError("The body must be a JSON object.", "_schema")
        named = sorted(self.read_only_fields & set(data))
        if named:
            raise ValidationError(
                {name: ["Read-only field: it cannot be set by a client."] for name in named}
            )
        return data


class TrimmedString(fields.String):
    """A one-line string: surrounding white space removed, then checked for being empty or holding
    control characters (a tab or a line break in a name would break every badge it is printed on).
    With `blank_allowed`, a blank value is the empty string, which the caller takes as left out."""

    def __init__(self, *, blank_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.blank_allowed = blank_allowed

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.blank_allowed:
            return ""
        if not text:
            raise ValidationError("Must not be blank.")
        if any(unicodedata.category(character) == "Cc" for character in text):
            raise ValidationError("Must not contain control characters such as tabs or line breaks.")
        return text


class StrictNumber(fields.Float):
    """A JSON number: marshmallow's Float also takes true, "10" and NaN, which no option means."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:  # noqa: ARG002  (marshmallow's signature)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.make_error("invalid")
        return float(value)


class StrictInteger(fields.Integer):
    """A JSON whole number; marshmallow's Integer takes true as 1."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:  # noqa: ARG002  (marshmallow's signature)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


# What every date-time a client sends must lie in, in UTC. Python and the databases hold years
# 1..9999, but an offset can push 9999-12-31 or 0001-01-01 past them (OverflowError), and adding a
# day or showing the date in another time zone must never overflow either; no event is older
# than 1900. openapi.yaml states the bounds on every date-time a client sends.
EARLIEST_DATETIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_DATETIME = datetime(9999, 1, 1, tzinfo=UTC)  # exclusive: the last year allowed is 9998
OUT_OF_RANGE = "Must be from 1900-01-01T00:00:00Z up to (not including) 9999-01-01T00:00:00Z."


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time with an offset (naive ones are refused), stored and answered in UTC,
    from 1900 up to the end of 9998 (EARLIEST_DATETIME, LATEST_DATETIME)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            utc = parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(OUT_OF_RANGE) from None
        if not EARLIEST_DATETIME <= utc < LATEST_DATETIME:
            raise ValidationError(OUT_OF_RANGE)
        return utc


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not "true", not "on", and not 1 or 0 (Python counts 1 == True)."""

    # marshmallow's signature: attr and data are passed whether used or not.
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:  # noqa: ARG002
        if value is True or value is False:
            return value
        raise ValidationError("Must be true or false.")


def page_schema(item_schema: type[Schema], *, total: str | None = None) -> type[Schema]:
    """The schema of a list answer, `{items, total, page, per_page}` (api/core/pagination.py), for
    `item_schema`'s items; `total` describes what the total counts where that needs saying."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(metadata={"minimum": 0, **({"description": total} if total else {})}),
            "page": fields.Integer(metadata={"minimum": 1}),
            "per_page": fields.Integer(metadata={"minimum": 1}),
        },
        name=item_schema.__name__.removesuffix("Schema") + "PageSchema",
    )


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into `{"field.sub": ["message", ...]}`."""
    if isinstance(messages, list):
        return {prefix or "body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = "body" if key == "_schema" else str(key)
        path = f"{prefix}.{name}" if prefix and name != "body" else (prefix or name)
        for field, errors in flatten_messages(value, path).items():
            flat.setdefault(field, []).extend(errors)
    return flat
