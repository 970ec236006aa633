"""Password hashing (Argon2id) and signed, purpose-bound, expiring tokens for links in mail."""

from __future__ import annotations

import hashlib
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        )
        current_app.extensions["password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_password_check() -> None:
    """Spend the time of one verification, so an unknown email answers as slowly as a wrong password."""
    hasher = _hasher()
    dummy = current_app.extensions.get("dummy_password_hash")
    if dummy is None:
        dummy = current_app.extensions["dummy_password_hash"] = hasher.hash("not-a-real-password")
    verify_password(dummy, "another-password")


def fingerprint(value: str) -> str:
    """A short digest of a secret, for binding a token to it without carrying it."""
    return hashlib.sha256(value.encode()).hexdigest()[:20]


class TokenError(Exception):
    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


def make_signed_token(purpose: str, payload: dict[str, Any]) -> str:
    # The purpose is the salt: a verification token can never be replayed as a reset token.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose).dumps(payload)


def read_signed_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("The link has expired; ask for a new one.", expired=True) from None
    except BadSignature:
        raise TokenError("The link is not valid.") from None
    if not isinstance(payload, dict):
        raise TokenError("The link is not valid.")
    return payload
