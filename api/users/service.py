"""Accounts: registration, profile changes, email verification. No HTTP here."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.models import AuthSession
from api.core.db import utcnow
from api.core.pagination import PageRequest, paginate
from api.core.security import (
    TokenError,
    hash_password,
    make_signed_token,
    read_signed_token,
    verify_password,
)
from api.errors import ConflictError, ValidationError
from api.mail.service import mails_since, queue_email
from api.users.models import User

log = logging.getLogger(__name__)

EMAIL_VERIFY_PURPOSE = "email-verify"


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def register_user(session: Session, *, email: str, password: str, name: str, is_admin: bool = False) -> User:
    """Create an account; the verification mail is queued by the after_insert hook (users.listeners)."""
    if find_user_by_email(session, email) is not None:
        raise ConflictError("An account with this email address already exists.", code="email_taken")
    user = User(email=email, name=name, password_hash=hash_password(password), is_admin=is_admin)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # Another request registered the same address between our check and our insert.
        raise ConflictError(
            "An account with this email address already exists.", code="email_taken"
        ) from None
    return user


def update_user(
    session: Session, *, actor: User, current_session_id: uuid.UUID | None, changes: dict[str, Any]
) -> User:
    if "name" in changes:
        actor.name = changes["name"]
    if "password" in changes:
        if not verify_password(actor.password_hash, changes["current_password"]):
            raise ValidationError({"current_password": ["Incorrect password."]})
        actor.password_hash = hash_password(changes["password"])
        revoke_sessions(session, user_id=actor.id, keep=current_session_id)
    session.flush()
    return actor


def revoke_sessions(session: Session, *, user_id: uuid.UUID, keep: uuid.UUID | None = None) -> None:
    """Revoke every live login of a user, except `keep` (the one making the change)."""
    query = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    session.execute(query.values(revoked_at=utcnow()).execution_options(synchronize_session=False))


def verification_link(user: User) -> str:
    token = make_signed_token(EMAIL_VERIFY_PURPOSE, {"uid": str(user.id), "email": user.email.lower()})
    return f"{current_app.config['FRONTEND_URL']}/verify-email?token={token}"


def queue_verification_email(session: Session, user: User, connection: Any = None) -> None:
    queue_email(
        session,
        connection=connection,
        to=user.email,
        template="verify_email",
        context={
            "name": user.name,
            "email": user.email,
            "link": verification_link(user),
            "valid_hours": current_app.config["EMAIL_VERIFY_MAX_AGE"] // 3600,
        },
    )


def verify_email(session: Session, *, token: str) -> User:
    try:
        payload = read_signed_token(EMAIL_VERIFY_PURPOSE, token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    except TokenError as error:
        code = "token_expired" if error.expired else "token_invalid"
        raise ValidationError({"token": [str(error)]}, code=code) from None
    user = _user_from_payload(session, payload)
    if user is None or user.email.lower() != payload.get("email"):
        raise ValidationError({"token": ["The link is not valid."]}, code="token_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        session.flush()
    return user


def _user_from_payload(session: Session, payload: dict[str, Any]) -> User | None:
    try:
        return session.get(User, uuid.UUID(str(payload.get("uid"))))
    except ValueError:
        return None


def resend_verification(session: Session, *, actor: User) -> None:
    if actor.is_verified:
        raise ConflictError("This email address is already verified.", code="already_verified")
    if has_mail_budget(session, actor, what="verification mail"):
        queue_verification_email(session, actor)


def has_mail_budget(session: Session, user: User, *, what: str) -> bool:
    """Whether `user` may be sent another mail now: MAIL_BUDGET_PER_HOUR in any hour, counted in
    the outbox. Over it, say so in the log and send nothing. Locks the user's row, so simultaneous
    requests cannot both take the last mail of the budget."""
    session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    budget = current_app.config["MAIL_BUDGET_PER_HOUR"]
    if mails_since(session, address=user.email, since=utcnow() - timedelta(hours=1)) < budget:
        return True
    log.warning("Not sending %s to user %s: MAIL_BUDGET_PER_HOUR (%d) is used up", what, user.id, budget)
    return False


def list_users(session: Session, *, page: PageRequest) -> tuple[list[User], int]:
    return paginate(session, select(User).order_by(User.created_at, User.id), page)


def make_admin(session: Session, *, email: str, password: str | None, name: str | None) -> tuple[User, bool]:
    """Promote an existing account, or create a verified admin; return (user, created)."""
    user = find_user_by_email(session, email)
    if user is not None:
        user.is_admin = True
        session.flush()
        return user, False
    if not password:
        raise ValidationError({"password": ["Required to create a new admin account."]})
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError({"password": [f"Must be at least {minimum} characters long."]})
    user = User(
        email=email,
        name=name or email.split("@")[0],
        password_hash=hash_password(password),
        is_admin=True,
        email_verified_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user, True
