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
        """Exchange email and password for an access and a refresh token.

        ---
        tags: [auth]
        operationId: login
        summary: Exchange email and password for an access and a refresh token.
        description: An unknown email and a wrong password give the same 401. Rate limited per client address.
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LoginRequest'}
        responses:
          '200':
            description: Tokens for a new login session.
            headers:
              Cache-Control: {$ref: '#/components/headers/NoStore'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TokenPair'}
          '401': InvalidCredentials
          '429': TooManyRequests
        """
        data = load(LoginSchema())
        tokens = service.login(db.session(), **data, user_agent=request.headers.get("User-Agent"))
        return respond(tokens)


@ns.route("/refresh")
class Refresh(Resource):
    @jwt_required(refresh=True)
    def post(self) -> Response:
        """Exchange a refresh token for a new access token.

        ---
        tags: [auth]
        operationId: refreshToken
        summary: Exchange a refresh token for a new access token.
        security: [{refreshToken: []}]
        responses:
          '200':
            description: A new access token for the same login session.
            headers:
              Cache-Control: {$ref: '#/components/headers/NoStore'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/AccessToken'}
        """
        return respond(
            service.refresh(user_id=uuid.UUID(get_jwt_identity()), session_id=current_session_id())
        )


@ns.route("/logout")
class Logout(Resource):
    @jwt_required(verify_type=False)
    def post(self) -> Response:
        """Revoke the presented token and every token of the same login.

        ---
        tags: [auth]
        operationId: logout
        summary: Revoke the presented token and every other token of the same login.
        description: Accepts the access token or the refresh token; both stop working.
        security: [{bearerAuth: []}, {refreshToken: []}]
        responses:
          '204': {description: Logged out.}
        """
        service.logout(db.session(), session_id=current_session_id())
        return no_content()


@ns.route("/password-reset")
class PasswordReset(Resource):
    @rate_limited("RATELIMIT_MAIL")
    def post(self) -> Response:
        """Mail a single-use reset link; answers 202 whether or not the address has an account.

        ---
        tags: [auth]
        operationId: requestPasswordReset
        summary: Mail a single-use password reset link.
        description: Answers 202 whether or not an account uses the address, so it reveals nothing.
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PasswordResetRequest'}
        responses:
          '202':
            description: If the account exists, the link is on its way.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Accepted'}
          '429': TooManyRequests
        """
        service.request_password_reset(db.session(), **load(PasswordResetRequestSchema()))
        return respond({"detail": "If an account uses this address, a reset link is on its way."}, 202)


@ns.route("/password-reset/confirm")
class PasswordResetConfirm(Resource):
    def post(self) -> Response:
        """Set a new password with the token from the reset mail; every login is revoked.

        ---
        tags: [auth]
        operationId: confirmPasswordReset
        summary: Set a new password with the token from the reset mail.
        description: The token works once and expires. Every login session of the account is revoked.
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PasswordResetConfirm'}
        responses:
          '204': {description: Password changed; log in with the new password.}
        """
        service.confirm_password_reset(db.session(), **load(PasswordResetConfirmSchema()))
        return no_content()
