from __future__ import annotations

import uuid

from flask import Response, request
from flask_jwt_extended import get_jwt_identity, jwt_required

from api.auth import service
from api.auth.schemas import LoginSchema, PasswordResetConfirmSchema, PasswordResetRequestSchema
from api.auth.tokens import current_session_id
from api.extensions import db
from api.http import Resource, api, load, no_content, rate_limited, respond

ns = api.namespace("auth", description="Tokens and password reset")


@ns.route("/login")
class Login(Resource):
    @rate_limited("RATELIMIT_LOGIN")
    def post(self) -> Response:
        """Exchange email and password for an access and a refresh token."""
        data = load(LoginSchema())
        tokens = service.login(db.session(), **data, user_agent=request.headers.get("User-Agent"))
        return respond(tokens)


@ns.route("/refresh")
class Refresh(Resource):
    @jwt_required(refresh=True)
    def post(self) -> Response:
        """Exchange a refresh token for a new access token."""
        return respond(
            service.refresh(user_id=uuid.UUID(get_jwt_identity()), session_id=current_session_id())
        )


@ns.route("/logout")
class Logout(Resource):
    @jwt_required(verify_type=False)
    def post(self) -> Response:
        """Revoke the presented token and every token of the same login."""
        service.logout(db.session(), session_id=current_session_id())
        return no_content()


@ns.route("/password-reset")
class PasswordReset(Resource):
    @rate_limited("RATELIMIT_MAIL")
    def post(self) -> Response:
        """Mail a single-use reset link; answers 202 whether or not the address has an account."""
        service.request_password_reset(db.session(), **load(PasswordResetRequestSchema()))
        return respond({"detail": "If an account uses this address, a reset link is on its way."}, 202)


@ns.route("/password-reset/confirm")
class PasswordResetConfirm(Resource):
    def post(self) -> Response:
        """Set a new password with the token from the reset mail; every login is revoked."""
        service.confirm_password_reset(db.session(), **load(PasswordResetConfirmSchema()))
        return no_content()
