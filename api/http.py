"""The /api/v1 blueprint, the flask-restx Api, and the request helpers every resource uses.

Resources stay thin: `load(Schema)` the body, call one service function, `respond(...)`.
Each request commits once, after the handler returns, and rolls back on any error.

GET, HEAD and OPTIONS handlers only read, and so does a handler marked `@read_only` (a POST that
computes an answer and stores nothing, like a badge preview). Their transactions are read-only:
on SQLite they take no write lock, so they never wait for one, and a write in them fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, current_app, request
from flask_restx import Api as RestxApi
from flask_restx import Resource as RestxResource
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowValidationError

from api.core.db import read_only_transactions
from api.core.pagination import MAX_PAGE, PageRequest, page_body, page_links
from api.core.schemas import flatten_messages
from api.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError
from api.extensions import db, limiter
from api.links import absolute_path_url

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


class Api(RestxApi):  # type: ignore[misc]  # flask-restx has no types
    def handle_error(self, e: Exception) -> Any:
        # Give every error back to Flask, so that app-level handlers (ours and Flask-JWT-Extended's)
        # produce the one problem shape, inside and outside the API alike.
        raise e

    # openapi.yaml is the contract; flask-restx's generated Swagger 2 specs and root page are off.
    def _register_specs(self, app_or_blueprint: Any) -> None:
        pass

    def _register_doc(self, app_or_blueprint: Any) -> None:
        pass


api = Api(blueprint, doc=False, add_specs=False, catch_all_404s=False)

F = TypeVar("F", bound=Callable[..., Any])


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_only(handler: F) -> F:
    """Mark a handler that changes nothing although its method could (a POST that only reads).

    Its transaction is read-only, like a GET's: on SQLite it reads beside a writer instead of
    queueing for the write lock, and a write in it fails. Decorator order does not matter.
    """
    handler.read_only = True  # type: ignore[attr-defined]
    return handler


def is_read_only(handler: Callable[..., Any]) -> bool:
    # functools.wraps copies a function's attributes, so the mark survives the decorators above it.
    return request.method in READ_ONLY_METHODS or getattr(handler, "read_only", False)


def commit_on_success(handler: F) -> F:
    @wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with read_only_transactions() if is_read_only(handler) else nullcontext():
            try:
                result = handler(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return wrapper  # type: ignore[return-value]


class Resource(RestxResource):  # type: ignore[misc]  # flask-restx has no types
    method_decorators = [commit_on_success]


def rate_limited(config_key: str) -> Callable[[F], F]:
    """Limit a handler per client address to the limit in config[config_key], read per request."""
    # Flask-Limiter's RouteLimit is a decorator whose overloaded __call__ mypy cannot match to F.
    return cast("Callable[[F], F]", limiter.limit(lambda: current_app.config[config_key]))


def _require_plain_json() -> None:
    """Exactly `application/json`, in UTF-8 (RFC 8259 JSON has no other encoding between systems).

    Flask's is_json also takes every `+json` type; JSON:API's `application/vnd.api+json`, which
    Ember Data's defaults send, announces a document shape (`data`, `attributes`) this API does not
    read, so it is refused with the reason rather than answered with puzzling field errors.
    """
    if request.mimetype != "application/json":
        sent = request.mimetype or "no Content-Type"
        raise UnsupportedMediaTypeError(
            f"The request body must be JSON sent as Content-Type: application/json, not {sent}."
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaTypeError(
            f"The request body must be JSON in UTF-8 (Content-Type: application/json), not {charset}."
        )


def json_body(limit_key: str = "JSON_BODY_MAX_BYTES") -> Any:
    """The request body parsed as JSON: 415 for another type, 413 past the limit, 400 if malformed.

    `limit_key` names the config key of the size limit (badge jobs carry attendee lists).
    """
    _require_plain_json()
    limit = current_app.config[limit_key]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(f"The JSON body is larger than the limit of {limit} bytes ({limit_key}).")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLargeError(f"The JSON body is larger than the limit of {limit} bytes ({limit_key}).")
    if not raw.strip():
        raise BadRequestError(
            "The request body is empty; a JSON document was expected.", code="malformed_json"
        )
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequestError(
            f"The request body is not valid JSON: {error}.", code="malformed_json"
        ) from None
    except RecursionError:
        raise BadRequestError("The request body is nested too deeply.", code="malformed_json") from None
    bad = find_unstorable_string(document)
    if bad is not None:
        raise ValidationError(
            {bad: ["Contains a NUL character or an unpaired surrogate, which cannot be stored."]}
        )
    return document


# JSON can spell NUL and half a surrogate pair as escapes; PostgreSQL and UTF-8 refuse both.
_UNSTORABLE = re.compile("[\\x00\\ud800-\\udfff]")


def find_unstorable_string(value: Any, path: str = "body") -> str | None:
    """The path of the first string or key in a JSON document that no database can store."""
    if isinstance(value, str):
        return path if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = key if path == "body" else f"{path}.{key}"
            found = child if _UNSTORABLE.search(key) else find_unstorable_string(item, child)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_unstorable_string(item, f"{path}.{index}")
            if found is not None:
                return found
    return None


def load(schema: Schema, data: Any = None) -> Any:
    """Validate the JSON body (or `data`) with a marshmallow schema; 422 with per-field errors."""
    payload = json_body() if data is None else data
    try:
        return schema.load(payload)
    except MarshmallowValidationError as error:
        raise ValidationError(flatten_messages(error.messages)) from None


def load_each(schema: Schema, items: list[Any]) -> list[Any]:
    """Validate every item of a JSON array; errors of item i are keyed "i.field", all at once."""
    loaded, errors = [], {}
    for index, item in enumerate(items):
        try:
            loaded.append(schema.load(item))
        except MarshmallowValidationError as error:
            errors.update(flatten_messages(error.messages, str(index)))
    if errors:
        raise ValidationError(errors)
    return loaded


def query_int(name: str, default: int, maximum: int, *, minimum: int = 1) -> int:
    """A whole number from the query string, `minimum` to `maximum`; anything else is a 422."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # isdigit() alone accepts "²" and other Unicode digits that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) < minimum:
        raise ValidationError({name: [f"Must be a whole number of at least {minimum}."]})
    if int(raw) > maximum:
        raise ValidationError({name: [f"Must be at most {maximum}."]})
    return int(raw)


def page_request() -> PageRequest:
    """Read `page` and `per_page` from the query string; per_page above the cap is a 422."""
    per_page = query_int(
        "per_page", current_app.config["PER_PAGE_DEFAULT"], current_app.config["PER_PAGE_MAX"]
    )
    return PageRequest(page=query_int("page", 1, MAX_PAGE), per_page=per_page)


def link_header(page: PageRequest, total: int) -> str:
    """The Link header for this request's list, keeping its other query arguments."""
    return page_links(page, total, base_url=absolute_path_url(request.path), args=request.args)


def respond_page(items: list[dict[str, Any]], total: int, page: PageRequest) -> Response:
    """One page of a list: `{items, total, page, per_page}` with its Link header."""
    return respond(page_body(items, total, page), headers={"Link": link_header(page, total)})


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # A closing newline, as jsonify writes, keeps curl output readable in a terminal.
    body = json.dumps(data, ensure_ascii=False) + "\n"
    response = Response(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


# Every response (API or not, success or problem, JSON, PNG or PDF) passes through here: create_app
# registers it as the one after_request hook for security headers. A header a handler set itself
# wins (the docs page brings its own Content-Security-Policy). The Server header is the web
# server's: see api.app._plain_server_header.
STRICT_POLICY = "default-src 'none'; frame-ancestors 'none'"


def add_security_headers(response: Response) -> Response:
    """nosniff and no referrer everywhere; no framing, and no framing or loading at all for anything
    but PDFs and pages with their own policy; API answers not cached unless their handler says so."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # The API serves no page that needs a Referer, and a signed link must never travel in one.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    # A PDF opens in the browser's viewer, which a default-src 'none' policy can break.
    if response.mimetype != "application/pdf":
        headers.setdefault("Content-Security-Policy", STRICT_POLICY)
    # Answers carrying tokens (login, refresh), signed links (jobs, templates) or personal data
    # must not be kept by a browser or a proxy; previews and downloads set their own caching.
    if request.path.startswith(f"{blueprint.url_prefix}/"):
        headers.setdefault("Cache-Control", "no-store")
    return response
