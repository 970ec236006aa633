"""Login sessions and tokens. Every access and refresh token carries its session id (`sid`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import and_, false, select
from sqlalchemy.orm import Session

from api.auth.models import AuthSession
from api.core.db import utcnow
from api.core.security import (
    TokenError,
    burn_password_check,
    fingerprint,
    hash_password,
    make_signed_token,
    password_needs_rehash,
    read_signed_token,
    verify_password,
)
from api.errors import AuthenticationError, ValidationError
from api.mail.service import queue_email
from api.users.models import User
from api.users.service import find_user_by_email, has_mail_budget, revoke_sessions

PASSWORD_RESET_PURPOSE = "password-reset"  # noqa: S105 (a token salt, not a secret)


def _access_token(user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    token = create_access_token(identity=str(user_id), additional_claims={"sid": str(session_id)})
    return {"access_token": token, "token_type": "Bearer", "expires_in": int(expires.total_seconds())}


def wrong_credentials() -> AuthenticationError:
    # No WWW-Authenticate challenge: the client sent a password, not a bearer token.
    return AuthenticationError("Wrong email or password.", code="invalid_credentials", headers={})


def login(session: Session, *, email: str, password: str, user_agent: str | None) -> dict[str, Any]:
    """Check credentials and open a session; an unknown email and a wrong password look the same."""
    user = find_user_by_email(session, email)
    if user is None:
        burn_password_check()
        raise wrong_credentials()
    if not verify_password(user.password_hash, password):
        raise wrong_credentials()
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    refresh_expires = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    auth_session = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        expires_at=utcnow() + refresh_expires,
        user_agent=(user_agent or "")[:255] or None,
    )
    session.add(auth_session)
    session.flush()
    refresh = create_refresh_token(identity=str(user.id), additional_claims={"sid": str(auth_session.id)})
    return {**_access_token(user.id, auth_session.id), "refresh_token": refresh}


def refresh(*, user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
    return _access_token(user_id, session_id)


def logout(session: Session, *, session_id: uuid.UUID) -> None:
    auth_session = session.get(AuthSession, session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        session.flush()


def check_login(session: Session, *, session_id: Any, user_id: Any) -> tuple[bool, User | None]:
    """Whether `session_id` names a live login session, and its user when that is `user_id`.

    Every authenticated request asks both, so they are one query, not the session then the user.
    """
    try:
        login_id = uuid.UUID(str(session_id))
    except ValueError:
        return False, None
    try:
        owner_id = uuid.UUID(str(user_id))
    except ValueError:
        owner_id = None
    is_owner = and_(User.id == AuthSession.user_id, User.id == owner_id) if owner_id else false()
    query = (
        select(AuthSession.revoked_at, User)
        .select_from(AuthSession)
        .outerjoin(User, is_owner)
        .where(AuthSession.id == login_id)
    )
    row = session.execute(query).first()
    if row is None:
        return False, None
    return row.revoked_at is None, row.User


def request_password_reset(session: Session, *, email: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    user = find_user_by_email(session, email)
    if user is None:
        return
    if not has_mail_budget(session, user, what="password reset mail"):
        return
    # Binding the token to the current hash makes it single-use: the reset changes the hash.
    token = make_signed_token(
        PASSWORD_RESET_PURPOSE, {"uid": str(user.id), "pw": fingerprint(user.password_hash)}
    )
    queue_email(
        session,
        to=user.email,
        template="password_reset",
        context={
            "name": user.name,
            "email": user.email,
            "link": f"{current_app.config['FRONTEND_URL']}/reset-password?token={token}",
            "valid_minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
        },
    )


def confirm_password_reset(session: Session, *, token: str, password: str) -> User:
    try:
        payload = read_signed_token(
            PASSWORD_RESET_PURPOSE, token, current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except TokenError as error:
        code = "token_expired" if error.expired else "token_invalid"
        raise ValidationError({"token": [str(error)]}, code=code) from None
    try:
        user = session.get(User, uuid.UUID(str(payload.get("uid"))))
    except ValueError:
        user = None
    if user is None or payload.get("pw") != fingerprint(user.password_hash):
        raise ValidationError(
            {"token": ["The link has already been used or is not valid."]}, code="token_invalid"
        )
    user.password_hash = hash_password(password)
    # The link arrived at the address, which proves it as well as a verification link would.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    revoke_sessions(session, user_id=user.id)
    session.flush()
    return user
