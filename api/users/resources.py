from __future__ import annotations

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_admin, current_session_id, current_user
from api.core.dumping import dumper
from api.extensions import db
from api.http import Resource, api, load, page_request, rate_limited, respond, respond_page
from api.users import service
from api.users.schemas import UserCreateSchema, UserSchema, UserUpdateSchema, VerifyEmailSchema

ns = api.namespace("users", description="Accounts")
user_schema = UserSchema()
dump_users = dumper(user_schema)


@ns.route("")
class Users(Resource):
    @rate_limited("RATELIMIT_REGISTER")
    def post(self) -> Response:
        """Register an account; a verification mail is sent.

        ---
        tags: [users]
        operationId: registerUser
        summary: Register an account.
        description: A verification mail is sent to the address. Emails are unique whatever their case.
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/UserCreate'}
        responses:
          '201':
            description: The new account.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/User'}
          '409': Conflict
          '429': TooManyRequests
        """
        user = service.register_user(db.session(), **load(UserCreateSchema()))
        return respond(user_schema.dump(user), 201)

    @jwt_required()
    def get(self) -> Response:
        """List every account (administrators only).

        ---
        tags: [users]
        operationId: listUsers
        summary: List every account (administrators only).
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of accounts, oldest first.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/UserPage'}
          '403': Forbidden
          '422': ValidationFailed
        """
        current_admin()
        page = page_request()
        users, total = service.list_users(db.session(), page=page)
        return respond_page(dump_users(users), total, page)


@ns.route("/me")
class Me(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The account the token belongs to.

        ---
        tags: [users]
        operationId: getCurrentUser
        summary: The account the token belongs to.
        security: [{bearerAuth: []}]
        responses:
          '200':
            description: The current account.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/User'}
        """
        return respond(user_schema.dump(current_user()))

    @jwt_required()
    def patch(self) -> Response:
        """Change the name, or the password (with current_password; other logins are revoked).

        ---
        tags: [users]
        operationId: updateCurrentUser
        summary: Change the name, or the password.
        description: |
          A password change needs `current_password` and revokes every other login session of the
          account; the session making the change stays logged in.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/UserUpdate'}
        responses:
          '200':
            description: The updated account.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/User'}
        """
        changes = load(UserUpdateSchema())
        user = service.update_user(
            db.session(), actor=current_user(), current_session_id=current_session_id(), changes=changes
        )
        return respond(user_schema.dump(user))


@ns.route("/verify")
class VerifyEmail(Resource):
    def post(self) -> Response:
        """Mark the address verified with the token from the verification mail.

        ---
        tags: [users]
        operationId: verifyEmail
        summary: Mark the address verified with the token from the verification mail.
        description: Needs no Authorization header; verifying twice is not an error.
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/VerifyEmailRequest'}
        responses:
          '200':
            description: The verified account.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/User'}
        """
        user = service.verify_email(db.session(), **load(VerifyEmailSchema()))
        return respond(user_schema.dump(user))


@ns.route("/verify/resend")
class ResendVerification(Resource):
    @jwt_required()
    @rate_limited("RATELIMIT_MAIL")
    def post(self) -> Response:
        """Send a new verification mail to the current user's address.

        ---
        tags: [users]
        operationId: resendVerification
        summary: Send a new verification mail to the current account's address.
        security: [{bearerAuth: []}]
        responses:
          '202':
            description: A new link is on its way.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Accepted'}
          '409': Conflict
          '429': TooManyRequests
        """
        service.resend_verification(db.session(), actor=current_user())
        return respond({"detail": "A new verification link is on its way."}, 202)
