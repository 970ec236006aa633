from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.core.schemas import LoadSchema
from api.users.schemas import PASSWORD_MAX_LENGTH, EmailField, validate_password


class LoginSchema(LoadSchema):
    # No format check on login: any string is simply a wrong email, answered with the same 401.
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX_LENGTH))


class PasswordResetRequestSchema(LoadSchema):
    email = EmailField(required=True, validate=validate.Length(max=254))


class PasswordResetConfirmSchema(LoadSchema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2048),
        metadata={"description": "The token from the link in the reset mail."},
    )
    password = fields.String(required=True, validate=validate_password)


class AccessTokenSchema(Schema):
    """The answer to a refresh (api/auth/service.py builds it)."""

    access_token = fields.String()
    token_type = fields.String(metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer()


class TokenPairSchema(Schema):
    """The answer to a login: an access token and the refresh token of the new login session."""

    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String(metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(metadata={"description": "Seconds until the access token expires."})


class AcceptedSchema(Schema):
    """A request taken on, to be carried out out of band (a mail sent)."""

    detail = fields.String()
