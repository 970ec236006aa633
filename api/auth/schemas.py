from __future__ import annotations

from marshmallow import fields, validate

from api.core.schemas import LoadSchema
from api.users.schemas import PASSWORD_MAX_LENGTH, EmailField, validate_password


class LoginSchema(LoadSchema):
    # No format check on login: any string is simply a wrong email, answered with the same 401.
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX_LENGTH))


class PasswordResetRequestSchema(LoadSchema):
    email = EmailField(required=True, validate=validate.Length(max=254))


class PasswordResetConfirmSchema(LoadSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=2048))
    password = fields.String(required=True, validate=validate_password)
