"""How a bearer token becomes a user: Flask-JWT-Extended callbacks and helpers for resources."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask_jwt_extended import JWTManager, get_current_user, get_jwt, verify_jwt_in_request

from api.auth.service import check_login
from api.errors import PermissionDeniedError
from api.extensions import db
from api.users.models import User


def register_token_callbacks(jwt: JWTManager) -> None:
    @jwt.user_lookup_loader
    def load_user(_header: dict[str, Any], payload: dict[str, Any]) -> User | None:
        # The revocation check runs first and has looked the user up in the same query.
        checked = g.pop("token_user", None)
        if checked is not None and checked[0] == payload.get("sub"):
            user: User | None = checked[1]
            return user
        try:
            return db.session.get(User, uuid.UUID(str(payload["sub"])))
        except (KeyError, ValueError):
            return None

    @jwt.token_verification_loader
    def has_session_claim(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        # Every token this service issues names its login session; one without is not ours.
        try:
            uuid.UUID(str(payload["sid"]))
        except (KeyError, ValueError):
            return False
        return True

    @jwt.token_in_blocklist_loader
    def token_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        sub = payload.get("sub")
        is_live, user = check_login(db.session(), session_id=payload.get("sid"), user_id=sub)
        # Kept for load_user: the session's identity map holds objects weakly, so without this
        # reference the user could be gone by then and be looked up again.
        g.token_user = (sub, user)
        return not is_live


def current_user() -> User:
    user: User = get_current_user()
    return user


def current_session_id() -> uuid.UUID:
    return uuid.UUID(get_jwt()["sid"])


def optional_user() -> User | None:
    """The token's user, or None without an Authorization header; a bad token is still a 401."""
    verify_jwt_in_request(optional=True)
    user: User | None = get_current_user()
    return user


def current_admin() -> User:
    user = current_user()
    if not user.is_admin:
        raise PermissionDeniedError("Only administrators can do this.", code="admin_required")
    return user
