"""One error shape for every failure: RFC 9457 problem details.

`{type, title, status, detail, code}`, plus `errors: {field: [messages]}` for validation.
flask-restx hands its errors back to Flask (see http.Api.handle_error) and Flask-JWT-Extended's
loaders are pointed here, so there is one place that turns an exception into a response.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from api.core.storage import StorageError

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"

# Headers of an HTTPException worth keeping on the problem response.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class AppError(Exception):
    """Base of every error a service raises on purpose; its fields become the problem document."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or HTTPStatus(self.status).phrase)
        self.detail = detail or HTTPStatus(self.status).description
        if code:
            self.code = code
        self.errors = errors
        self.headers = headers or {}


class BadRequestError(AppError):
    status = 400
    code = "bad_request"


class AuthenticationError(AppError):
    status = 401
    code = "authentication_failed"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kwargs)


class PermissionDeniedError(AppError):
    status = 403
    code = "forbidden"


class NotFoundError(AppError):
    status = 404
    code = "not_found"


class ConflictError(AppError):
    status = 409
    code = "conflict"


class GoneError(AppError):
    status = 410
    code = "gone"


class PayloadTooLargeError(AppError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(AppError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequestsError(AppError):
    status = 429
    code = "rate_limited"


class ServiceUnavailableError(AppError):
    status = 503
    code = "service_unavailable"


class ValidationError(AppError):
    status = 422
    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None, **kwargs: Any) -> None:
        fields = ", ".join(sorted(errors)) or "body"
        super().__init__(detail or f"The request has invalid fields: {fields}.", errors=errors, **kwargs)


def problem(
    status: int,
    detail: str,
    code: str,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build an application/problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    # The standard library keeps the RFC's field order (Flask's JSON provider would sort the keys).
    text = json.dumps(body, ensure_ascii=False) + "\n"
    response = Response(text, status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    429: "rate_limited",
}


def _http_exception_detail(error: HTTPException, app: Flask) -> str:
    if error.code == 413:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return f"The request body is larger than the limit of {limit} bytes (MAX_CONTENT_LENGTH)."
    if error.code == 429:
        return f"Too many requests: the limit is {error.description}. Retry after the time in Retry-After."
    if error.code == 404:
        return "No resource at this URL."
    return error.description or HTTPStatus(error.code or 500).description


def _seconds_until_limit_resets(limiter: Limiter) -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    # reset_at is rounded up to the next second, so never promise more than one window.
    return max(1, min(math.ceil(current.reset_at - time.time()), current.limit.get_expiry()))


def handle_app_error(error: AppError) -> Response:
    return problem(error.status, error.detail, error.code, errors=error.errors, headers=error.headers)


def _make_http_exception_handler(app: Flask, limiter: Limiter) -> Callable[[HTTPException], Response]:
    def handle_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {k: v for k, v in error.get_headers() if k in _KEPT_HEADERS}
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = str(_seconds_until_limit_resets(limiter))
        code = _HTTP_CODES.get(status, "http_error")
        return problem(status, _http_exception_detail(error, app), code, headers=headers)

    return handle_http_exception


def handle_unexpected_error(error: Exception) -> Response:
    # The detail never carries the exception text: it can hold SQL, paths or secrets.
    log.exception("Unhandled error", exc_info=error)
    return problem(500, "The server hit an unexpected error. It has been logged.", "internal_error")


# SQLite result codes (the low byte of the extended code): another connection holds a lock...
_SQLITE_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
# ... or the file cannot be used at all. Other SQLite errors (syntax, a missing table, a write in a
# read-only transaction) are bugs, and answer 500 like any other.
_SQLITE_UNAVAILABLE_CODES = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL}
# PostgreSQL SQLSTATEs that clear up on their own: serialization failure, deadlock, lock timeout,
# statement timeout. Any other OperationalError means the server is unreachable, gone or full.
_POSTGRES_BUSY_CODES = {"40001", "40P01", "55P03", "57014"}

# Seconds a client should wait before retrying: a lock is released within moments, a database
# that is down takes longer to come back.
_RETRY_AFTER = {"database_busy": 1, "database_unavailable": 5}


def database_outage(error: SQLAlchemyError) -> str | None:
    """The problem code when retrying later can succeed ("database_busy", "database_unavailable");
    None when it cannot (a bug)."""
    if isinstance(error, PoolTimeoutError):  # every pooled connection in use for pool_timeout
        return "database_busy"
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return "database_unavailable"
    if not isinstance(error, OperationalError):
        return None
    if isinstance(error.orig, sqlite3.Error):
        code = (error.orig.sqlite_errorcode or 0) & 0xFF
        if code in _SQLITE_BUSY_CODES:
            return "database_busy"
        return "database_unavailable" if code in _SQLITE_UNAVAILABLE_CODES else None
    if getattr(error.orig, "pgcode", None) in _POSTGRES_BUSY_CODES:
        return "database_busy"
    return "database_unavailable"


def handle_database_error(error: SQLAlchemyError) -> Response:
    code = database_outage(error)
    if code is None:
        return handle_unexpected_error(error)
    # The operator needs the driver's words; the client gets none of them (they can hold SQL).
    log.warning("Database error answered 503 (%s): %s", code, getattr(error, "orig", None) or error)
    detail = (
        "The database is busy with other requests. Retry after the time in Retry-After."
        if code == "database_busy"
        else "The database is unavailable. Retry after the time in Retry-After."
    )
    return problem(503, detail, code, headers={"Retry-After": str(_RETRY_AFTER[code])})


def handle_storage_error(error: StorageError) -> Response:
    """A store that failed under a request (object storage unreachable, a disk gone): 503, never 500.
    A missing file is each caller's to answer (410 for a deleted download); what reaches here
    is the store itself failing."""
    log.warning("Storage error answered 503: %s", error.__cause__ or error)
    return problem(
        503,
        "File storage is unavailable. Retry after the time in Retry-After.",
        "storage_unavailable",
        headers={"Retry-After": "30"},
    )


def _unauthorized(detail: str, code: str) -> Response:
    return problem(401, detail, code, headers={"WWW-Authenticate": f'Bearer error="{_bearer_error(code)}"'})


def _bearer_error(code: str) -> str:
    return "invalid_request" if code == "token_missing" else "invalid_token"


def register_jwt_loaders(jwt: JWTManager) -> None:
    """Point every Flask-JWT-Extended failure at the problem shape, always 401."""

    @jwt.unauthorized_loader
    def missing_token(_reason: str) -> Response:
        return _unauthorized(
            "Missing or malformed Authorization header: send 'Bearer <token>'.", "token_missing"
        )

    @jwt.invalid_token_loader
    def invalid_token(reason: str) -> Response:
        return _unauthorized(f"The token is invalid: {reason.rstrip('.')}.", "token_invalid")

    @jwt.expired_token_loader
    def expired_token(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("The token has expired: refresh it or log in again.", "token_expired")

    @jwt.revoked_token_loader
    def revoked_token(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("The token has been revoked: log in again.", "token_revoked")

    @jwt.needs_fresh_token_loader
    def needs_fresh_token(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("This action needs a fresh login.", "fresh_token_required")

    @jwt.token_verification_failed_loader
    def verification_failed(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("The token's claims did not verify.", "token_invalid")

    @jwt.user_lookup_error_loader
    def user_not_found(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _unauthorized("The token's user no longer exists.", "token_invalid")


def register_error_handlers(app: Flask, limiter: Limiter) -> None:
    # The limiter is handed in rather than imported from api.extensions: the extensions import the
    # job runner, which raises AppErrors from this module, and that would make an import cycle.
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, _make_http_exception_handler(app, limiter))
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.register_error_handler(StorageError, handle_storage_error)
    app.register_error_handler(Exception, handle_unexpected_error)
