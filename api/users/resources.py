from __future__ import annotations

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_admin, current_session_id, current_user
from api.core.dumping import dumper
from api.core.pagination import page_body
from api.extensions import db
from api.http import Resource, api, link_header, load, page_request, rate_limited, respond
from api.users import service
from api.users.schemas import UserCreateSchema, UserSchema, UserUpdateSchema, VerifyEmailSchema

ns = api.namespace("users", description="Accounts")
user_schema = UserSchema()
dump_users = dumper(user_schema)


@ns.route("")
class Users(Resource):
    @rate_limited("RATELIMIT_REGISTER")
    def post(self) -> Response:
        """Register an account; a verification mail is sent."""
        user = service.register_user(db.session(), **load(UserCreateSchema()))
        return respond(user_schema.dump(user), 201)

    @jwt_required()
    def get(self) -> Response:
        """List every account (administrators only)."""
        current_admin()
        page = page_request()
        users, total = service.list_users(db.session(), page=page)
        body = page_body(dump_users(users), total, page)
        return respond(body, headers={"Link": link_header(page, total)})


@ns.route("/me")
class Me(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The account the token belongs to."""
        return respond(user_schema.dump(current_user()))

    @jwt_required()
    def patch(self) -> Response:
        """Change the name, or the password (with current_password; other logins are revoked)."""
        changes = load(UserUpdateSchema())
        user = service.update_user(
            db.session(), actor=current_user(), current_session_id=current_session_id(), changes=changes
        )
        return respond(user_schema.dump(user))


@ns.route("/verify")
class VerifyEmail(Resource):
    def post(self) -> Response:
        """Mark the address verified with the token from the verification mail."""
        user = service.verify_email(db.session(), **load(VerifyEmailSchema()))
        return respond(user_schema.dump(user))


@ns.route("/verify/resend")
class ResendVerification(Resource):
    @jwt_required()
    @rate_limited("RATELIMIT_MAIL")
    def post(self) -> Response:
        """Send a new verification mail to the current user's address."""
        service.resend_verification(db.session(), actor=current_user())
        return respond({"detail": "A new verification link is on its way."}, 202)
