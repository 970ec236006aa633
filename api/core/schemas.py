"""Marshmallow base schemas: unknown fields are rejected, read-only fields say so."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load


class LoadSchema(Schema):
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
    control characters (a tab or a line break in a name would break every badge it is printed on)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ValidationError("Must not be blank.")
        if any(unicodedata.category(character) == "Cc" for character in text):
            raise ValidationError("Must not contain control characters such as tabs or line breaks.")
        return text


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time with an offset (naive ones are refused), stored and answered in UTC."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        return parsed.astimezone(UTC)


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not "true", not "on", and not 1 or 0 (Python counts 1 == True)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise ValidationError("Must be true or false.")
