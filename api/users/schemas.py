from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.core.schemas import LoadSchema, TrimmedString

PASSWORD_MAX_LENGTH = 1024


def validate_password(value: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(value) < minimum:
        raise ValidationError(f"Must be at least {minimum} characters long.")
    if len(value) > PASSWORD_MAX_LENGTH:
        raise ValidationError(f"Must be at most {PASSWORD_MAX_LENGTH} characters long.")


class EmailField(fields.Email):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


class UserCreateSchema(LoadSchema):
    email = EmailField(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate_password)
    name = TrimmedString(required=True, validate=validate.Length(max=200))


class UserUpdateSchema(LoadSchema):
    name = TrimmedString(validate=validate.Length(max=200))
    password = fields.String(validate=validate_password)
    current_password = fields.String(
        validate=validate.Length(max=PASSWORD_MAX_LENGTH),
        metadata={"description": "Required with `password`."},
    )

    @validates_schema
    def password_change_needs_current(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "password" in data and "current_password" not in data:
            raise ValidationError("Required to change the password.", "current_password")
        if "current_password" in data and "password" not in data:
            raise ValidationError("Only used together with password.", "current_password")


class VerifyEmailSchema(LoadSchema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2048),
        metadata={"description": "The token from the link in the verification mail."},
    )


class UserSchema(Schema):
    id = fields.UUID()
    email = fields.String(metadata={"format": "email"})
    name = fields.String()
    is_admin = fields.Boolean()
    is_verified = fields.Boolean()
    email_verified_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
