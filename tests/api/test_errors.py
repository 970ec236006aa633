"""One error shape for every failure: each way a request can fail answers an RFC 9457 problem.

Every failure below is `application/problem+json` with exactly `type, title, status, detail, code`
(plus `errors` for a 422), the status in the body matches the HTTP status, and the detail says
what went wrong in words. The service endpoints, CORS and compression are checked here as well.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import brotli
import jwt
import pytest
import yaml
from flask import Blueprint, Flask
from flask_jwt_extended import create_access_token

from api.core.db import Database
from api.extensions import db
from api.http import Api, Resource
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.accounts import bearer, login
from tests.support.environment import make_test_app
from tests.support.problems import PROBLEM_KEYS

ME = "/api/v1/users/me"
USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
ALLOWED_ORIGIN = "https://app.example.org"  # TestingConfig.CORS_ORIGINS
SECRET = "secret-db-password"
TOKEN_CODES = {"token_missing", "token_invalid", "token_expired", "token_revoked"}


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a problem document for `status`; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = json.loads(response.get_data())
    assert set(body) == (PROBLEM_KEYS | {"errors"} if status == 422 else PROBLEM_KEYS)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str)
    assert len(body["detail"]) >= 15, body["detail"]
    assert body["detail"].strip() == body["detail"]
    if code is not None:
        assert body["code"] == code
    if status == 422:
        assert body["errors"], body
        for field, messages in body["errors"].items():
            assert isinstance(field, str)
            assert messages
            assert all(isinstance(message, str) and message for message in messages)
    return body


def registration(email: str = "ada@example.org") -> dict[str, str]:
    return {"email": email, "password": "analytical-engine", "name": "Ada Lovelace"}


# --- 400: the body is not JSON ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"email": "ada@example.org",', "{'single': 'quotes'}", "not json at all", b"\xff\xfe{}"],
    ids=["truncated", "single-quotes", "plain-text", "invalid-utf8"],
)
def test_malformed_json_body_is_a_400(client, body):
    response = client.post(USERS, data=body, content_type="application/json")

    problem = assert_problem(response, 400, "malformed_json")
    assert "not valid JSON" in problem["detail"]


@pytest.mark.parametrize("body", ["", "   \n"], ids=["empty", "white-space"])
def test_empty_json_body_is_a_400(client, body):
    response = client.post(USERS, data=body, content_type="application/json")

    problem = assert_problem(response, 400, "malformed_json")
    assert "empty" in problem["detail"]


def test_deeply_nested_json_is_a_client_error_not_a_500(client):
    depth = 100_000
    response = client.post(USERS, data="[" * depth + "]" * depth, content_type="application/json")

    assert_problem(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (USERS, "[]"),
        (USERS, '[{"email": "ada@example.org"}]'),
        (USERS, '"ada@example.org"'),
        (USERS, "42"),
        (USERS, "null"),
        (LOGIN, "true"),
        (LOGIN, '["ada@example.org", "password"]'),
    ],
)
def test_json_that_is_not_an_object_is_a_422_on_the_body(client, url, body):
    response = client.post(url, data=body, content_type="application/json")

    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"body": ["The body must be a JSON object."]}


def test_json_that_is_not_an_object_is_a_422_on_patch(client, auth_headers):
    response = client.patch(ME, data='["name"]', content_type="application/json", headers=auth_headers)

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["body"]


# --- 415: the body is not sent as JSON -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        (USERS, {"data": {"email": "ada@example.org", "password": "x", "name": "Ada"}}),
        (USERS, {"data": '{"email": "ada@example.org"}', "content_type": "text/plain"}),
        (LOGIN, {"data": "email=ada@example.org", "content_type": "application/x-www-form-urlencoded"}),
        (LOGIN, {"data": "{}"}),
        (LOGIN, {"data": "{}", "content_type": "application/vnd.api+json"}),
        (LOGIN, {"data": "{}", "content_type": "application/problem+json"}),
        (LOGIN, {"data": "{}", "content_type": "application/json; charset=iso-8859-1"}),
    ],
    ids=["form", "text", "urlencoded", "no-content-type", "json-api", "problem-json", "latin-1"],
)
def test_a_body_that_is_not_json_is_a_415(client, url, kwargs):
    response = client.post(url, **kwargs)

    problem = assert_problem(response, 415, "unsupported_media_type")
    assert "application/json" in problem["detail"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"]
)
def test_json_is_read_with_or_without_a_utf_8_charset_in_any_case(client, user, content_type):
    body = json.dumps({"email": user.email, "password": DEFAULT_PASSWORD})

    response = client.post(LOGIN, data=body, content_type=content_type)

    assert response.status_code == 200


# --- 401: every token problem --------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def unsigned_token(claims: dict[str, Any]) -> str:
    header = {"alg": "none", "typ": "JWT"}
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."


def signed(app: Flask, claims: dict[str, Any], algorithm: str = "HS256") -> str:
    return jwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm=algorithm)


def hmac_token(app: Flask, header: dict[str, Any], payload: bytes) -> str:
    """A JWT signed with the app's own secret, whatever the header and payload say."""
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[header["alg"]]
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(payload)}"
    key = app.config["JWT_SECRET_KEY"].encode()
    return f"{signing_input}.{b64url(hmac.new(key, signing_input.encode(), digest).digest())}"


def _no_header(app, client, user, tokens):
    return {}


def _empty_header(app, client, user, tokens):
    return {"Authorization": ""}


def _bearer_garbage(app, client, user, tokens):
    return bearer("garbage")


def _bearer_without_token(app, client, user, tokens):
    return {"Authorization": "Bearer"}


def _bearer_with_two_tokens(app, client, user, tokens):
    return {"Authorization": f"Bearer {tokens['access_token']} extra"}


def _basic_scheme(app, client, user, tokens):
    return {"Authorization": "Basic xyz"}


def _token_without_scheme(app, client, user, tokens):
    return {"Authorization": tokens["access_token"]}


def _other_secret(app, client, user, tokens):
    return bearer(jwt.encode(claims_of(tokens["access_token"]), "another-secret-" * 4, algorithm="HS256"))


def _tampered_payload(app, client, user, tokens):
    header, _, signature = tokens["access_token"].split(".")
    claims = {**claims_of(tokens["access_token"]), "sub": str(uuid.uuid4())}
    return bearer(f"{header}.{b64url(json.dumps(claims).encode())}.{signature}")


def _expired(app, client, user, tokens):
    sid = claims_of(tokens["access_token"])["sid"]
    token = create_access_token(
        identity=str(user.id), additional_claims={"sid": sid}, expires_delta=timedelta(seconds=-1)
    )
    return bearer(token)


def _not_yet_valid(app, client, user, tokens):
    now = int(datetime.now(UTC).timestamp())
    claims = {**claims_of(tokens["access_token"]), "nbf": now + 3600, "iat": now, "exp": now + 7200}
    return bearer(signed(app, claims))


def _exp_not_a_number(app, client, user, tokens):
    return bearer(signed(app, {**claims_of(tokens["access_token"]), "exp": "tomorrow"}))


def _alg_none(app, client, user, tokens):
    return bearer(unsigned_token(claims_of(tokens["access_token"])))


def _other_algorithm(app, client, user, tokens):
    # HS512 with the right secret: only HS256 is accepted. Signed by hand, as PyJWT warns on the key size.
    header = {"alg": "HS512", "typ": "JWT"}
    return bearer(hmac_token(app, header, json.dumps(claims_of(tokens["access_token"])).encode()))


def _deleted_user(app, client, user, tokens):
    db.session.delete(user)
    db.session.flush()
    db.session.expire_all()
    return bearer(tokens["access_token"])


def _unknown_user(app, client, user, tokens):
    # The sub names no user at all while sid names a live session: only the user lookup can fail.
    sid = claims_of(tokens["access_token"])["sid"]
    return bearer(create_access_token(identity=str(uuid.uuid4()), additional_claims={"sid": sid}))


def _sub_not_a_uuid(app, client, user, tokens):
    sid = claims_of(tokens["access_token"])["sid"]
    return bearer(create_access_token(identity="admin", additional_claims={"sid": sid}))


def _revoked(app, client, user, tokens):
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    return bearer(tokens["access_token"])


def _refresh_token(app, client, user, tokens):
    return bearer(tokens["refresh_token"])


def _missing_sid(app, client, user, tokens):
    return bearer(create_access_token(identity=str(user.id)))


def _sid_not_a_uuid(app, client, user, tokens):
    return bearer(create_access_token(identity=str(user.id), additional_claims={"sid": "not-a-uuid"}))


def _sid_of_no_session(app, client, user, tokens):
    return bearer(create_access_token(identity=str(user.id), additional_claims={"sid": str(uuid.uuid4())}))


def _payload_not_an_object(app, client, user, tokens):
    return bearer(hmac_token(app, {"alg": "HS256", "typ": "JWT"}, b'["not", "an", "object"]'))


TOKEN_PROBLEMS: dict[str, tuple[Callable[..., dict[str, str]], set[str]]] = {
    "no-header": (_no_header, {"token_missing"}),
    "empty-header": (_empty_header, {"token_missing"}),
    "bearer-garbage": (_bearer_garbage, {"token_invalid"}),
    "bearer-without-token": (_bearer_without_token, {"token_missing", "token_invalid"}),
    "bearer-with-two-tokens": (_bearer_with_two_tokens, {"token_invalid"}),
    "basic-scheme": (_basic_scheme, {"token_missing"}),
    "token-without-scheme": (_token_without_scheme, {"token_missing"}),
    "other-secret": (_other_secret, {"token_invalid"}),
    "tampered-payload": (_tampered_payload, {"token_invalid"}),
    "expired": (_expired, {"token_expired"}),
    "not-yet-valid": (_not_yet_valid, {"token_invalid"}),
    "exp-not-a-number": (_exp_not_a_number, {"token_invalid"}),
    "alg-none": (_alg_none, {"token_invalid"}),
    "other-algorithm": (_other_algorithm, {"token_invalid"}),
    "deleted-user": (_deleted_user, {"token_invalid", "token_revoked"}),
    "unknown-user": (_unknown_user, {"token_invalid"}),
    "sub-not-a-uuid": (_sub_not_a_uuid, {"token_invalid"}),
    "revoked": (_revoked, {"token_revoked"}),
    "refresh-token": (_refresh_token, {"token_invalid"}),
    "missing-sid": (_missing_sid, {"token_invalid", "token_revoked"}),
    "sid-not-a-uuid": (_sid_not_a_uuid, {"token_invalid", "token_revoked"}),
    "sid-of-no-session": (_sid_of_no_session, {"token_invalid", "token_revoked"}),
    "payload-not-an-object": (_payload_not_an_object, {"token_invalid"}),
    "non-ascii": (lambda *args: {"Authorization": "Bearer \u00e9\u00e9"}, {"token_invalid"}),
    "bad-base64": (lambda *args: bearer("eyJhbGciOiJIUzI1NiJ9.e30.x"), {"token_invalid"}),
}


@pytest.mark.parametrize("case", TOKEN_PROBLEMS)
def test_every_token_problem_is_a_401(app, client, user, tokens, case):
    make_headers, codes = TOKEN_PROBLEMS[case]
    headers = make_headers(app, client, user, tokens)

    response = client.get(ME, headers=headers)

    problem = assert_problem(response, 401)
    assert problem["code"] in codes
    assert problem["code"] in TOKEN_CODES
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_token_names_the_header_in_the_detail(client):
    response = client.get(ME)

    problem = assert_problem(response, 401, "token_missing")
    assert "Authorization" in problem["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_request"'


@pytest.mark.parametrize(
    ("method", "url"),
    [("PATCH", ME), ("GET", USERS), ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/users/verify/resend")],
)
def test_a_bad_token_is_a_401_on_every_protected_route(client, method, url):
    response = client.open(url, method=method, headers=bearer("garbage"), json={})

    assert_problem(response, 401, "token_invalid")
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_wrong_credentials_are_a_401_without_a_bearer_challenge(client, user):
    response = client.post(LOGIN, json={"email": user.email, "password": "not the password"})

    assert_problem(response, 401, "invalid_credentials")
    # A password was sent, not a token: a Bearer challenge would point the client the wrong way.
    assert "WWW-Authenticate" not in response.headers


# --- 403 and lists -------------------------------------------------------------------------------


def admin_headers(client: Any) -> dict[str, str]:
    admin = UserFactory(admin=True)
    return bearer(login(client, admin.email)["access_token"])


def test_listing_users_needs_an_admin(client, auth_headers):
    response = client.get(USERS, headers=auth_headers)

    problem = assert_problem(response, 403, "admin_required")
    assert "administrator" in problem["detail"]


def test_an_admin_lists_users_with_a_link_header(client):
    headers = admin_headers(client)
    UserFactory.create_batch(2)

    response = client.get(f"{USERS}?per_page=2", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (3, 1, 2, 2)
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}
    assert set(links) == {"first", "last", "next"}
    assert "page=2" in links["next"]
    assert "per_page=2" in links["next"]
    assert "page=2" in links["last"]
    second = client.get(links["next"], headers=headers)
    assert second.status_code == 200
    assert second.get_json()["page"] == 2
    assert len(second.get_json()["items"]) == 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=-1", "page"),
        pytest.param(
            "page=%C2%B2",
            "page",
            id="page=superscript-two",
        ),
    ],
)
def test_bad_paging_arguments_are_a_422_naming_the_parameter(client, query, parameter):
    headers = admin_headers(client)

    response = client.get(f"{USERS}?{query}", headers=headers)

    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == [parameter]
    assert parameter in problem["detail"]


# --- 404 and 405 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/v1/users/me/extra", "/api/v2/users", "/nope", "/"])
def test_an_unknown_url_is_a_404(client, url):
    response = client.get(url)

    problem = assert_problem(response, 404, "not_found")
    assert "URL" in problem["detail"]


def test_a_missing_static_file_is_a_404(client):
    with client.get("/swaggerui/no-such-file.js") as response:
        assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("DELETE", "/api/v1/health", {"GET"}),
        ("PUT", ME, {"GET", "PATCH"}),
        ("GET", LOGIN, {"POST"}),
        ("POST", "/swaggerui/swagger-ui.css", {"GET"}),
    ],
)
def test_an_unsupported_method_is_a_405_with_allow(client, method, url, allowed):
    response = client.open(url, method=method)

    assert_problem(response, 405, "method_not_allowed")
    assert allowed <= {value.strip() for value in response.headers["Allow"].split(",")}
    assert method not in response.headers["Allow"]


# --- 409 -----------------------------------------------------------------------------------------


def test_registering_a_taken_email_is_a_409(client):
    assert client.post(USERS, json=registration()).status_code == 201

    response = client.post(USERS, json=registration("ADA@example.org"))

    problem = assert_problem(response, 409, "email_taken")
    assert "already exists" in problem["detail"]


# --- 413 -----------------------------------------------------------------------------------------


def test_a_body_over_max_content_length_is_a_413_naming_the_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)

    response = client.post(USERS, json={**registration(), "name": "x" * 2000})

    problem = assert_problem(response, 413, "payload_too_large")
    assert "1000" in problem["detail"]
    assert "MAX_CONTENT_LENGTH" in problem["detail"]


def test_a_body_over_json_body_max_bytes_is_a_413_naming_the_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "JSON_BODY_MAX_BYTES", 100)

    response = client.post(USERS, json={**registration(), "name": "x" * 200})

    problem = assert_problem(response, 413, "payload_too_large")
    assert "100 bytes" in problem["detail"]
    assert "JSON_BODY_MAX_BYTES" in problem["detail"]


# --- 422 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (USERS, {**registration(), "nickname": "Ada"}, "nickname"),
        (LOGIN, {"email": "ada@example.org", "password": "x" * 12, "remember": True}, "remember"),
        ("/api/v1/users/verify", {"token": "abc", "email": "ada@example.org"}, "email"),
    ],
)
def test_unknown_fields_are_a_422_naming_the_field(client, url, body, field):
    response = client.post(url, json=body)

    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == [field]
    assert field in problem["detail"]


@pytest.mark.parametrize("field", ["id", "is_admin", "is_verified", "email_verified_at", "created_at"])
def test_read_only_fields_are_a_422_naming_the_field(client, field):
    response = client.post(USERS, json={**registration(), field: "2026-01-01T00:00:00Z"})

    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {field: ["Read-only field: it cannot be set by a client."]}


def test_read_only_fields_are_a_422_on_patch(client, auth_headers):
    response = client.patch(ME, json={"name": "Ada", "is_admin": True, "id": "x"}, headers=auth_headers)

    problem = assert_problem(response, 422)
    assert set(problem["errors"]) == {"id", "is_admin"}


def test_each_invalid_field_gets_its_own_messages(client):
    response = client.post(USERS, json={"email": 42, "password": ["x"], "name": ""})

    problem = assert_problem(response, 422)
    assert set(problem["errors"]) == {"email", "password", "name"}


# --- Strings a database cannot store ------------------------------------------------------------


def assert_client_error(response: Any) -> dict[str, Any]:
    """Any 4xx problem will do: the point is that the client hears about it, not a 500."""
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    return assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (LOGIN, '{"email": "\\ud800@example.org", "password": "long enough pass"}'),
        (USERS, '{"email": "sur@example.org", "password": "long enough pass", "name": "A\\ud800B"}'),
    ],
    ids=["login-email", "register-name"],
)
def test_a_lone_surrogate_in_a_string_is_a_client_error(client, url, body):
    response = client.post(url, data=body, content_type="application/json")

    assert_client_error(response)


def test_a_nul_character_in_the_login_email_is_a_client_error(client):
    response = client.post(LOGIN, json={"email": "a\u0000b@example.org", "password": "long enough pass"})

    assert_client_error(response)


def test_a_nul_character_in_a_name_is_a_422(client):
    response = client.post(USERS, json={**registration(), "name": "Ada\u0000Lovelace"})

    problem = assert_problem(response, 422)
    assert "name" in problem["errors"]


@pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999999"])
def test_a_huge_page_number_is_not_a_500(client, page):
    headers = admin_headers(client)

    response = client.get(f"{USERS}?page={page}", headers=headers)

    if response.status_code == 200:
        assert response.get_json()["items"] == []
    else:
        problem = assert_problem(response, 422)
        assert list(problem["errors"]) == ["page"]


# --- 429 -----------------------------------------------------------------------------------------


def test_too_many_logins_are_a_429_with_retry_after(client, app, user, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "2/minute")

    login(client, user.email)
    login(client, user.email)
    response = client.post(LOGIN, json={"email": user.email, "password": "correct horse battery"})

    problem = assert_problem(response, 429, "rate_limited")
    assert "2 per 1 minute" in problem["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 60


def test_too_many_registrations_are_a_429_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER", "2/minute")

    for number in range(2):
        assert client.post(USERS, json=registration(f"user{number}@example.org")).status_code == 201
    response = client.post(USERS, json=registration("user2@example.org"))

    assert_problem(response, 429, "rate_limited")
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_failed_requests_count_towards_the_rate_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "2/minute")

    for _ in range(2):
        assert client.post(LOGIN, json={"email": "x@example.org", "password": "y"}).status_code == 401
    response = client.post(LOGIN, json={"email": "x@example.org", "password": "y"})

    assert_problem(response, 429, "rate_limited")


# --- 500 -----------------------------------------------------------------------------------------


@pytest.fixture
def fresh_app(database_url: str) -> Iterator[Flask]:
    """An app of its own, so that test-only routes never reach the session-wide `app`."""
    app = make_test_app(database_url)
    yield app
    app.extensions["jobs"].shutdown()
    Database.state(app).engine.dispose()


def _explode() -> Any:
    raise RuntimeError(SECRET)


def assert_internal_error_without_secret(response: Any) -> None:
    problem = assert_problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert SECRET not in text
    assert "RuntimeError" not in text
    assert "Traceback" not in text
    assert "logged" in problem["detail"]


def test_an_unexpected_error_in_a_plain_route_is_a_500_without_internals(fresh_app, caplog):
    fresh_app.add_url_rule("/boom", "boom", _explode)

    with caplog.at_level(logging.ERROR, logger="api.errors"):
        response = fresh_app.test_client().get("/boom")

    assert_internal_error_without_secret(response)
    assert any(SECRET in record.getMessage() or SECRET in str(record.exc_info) for record in caplog.records)


def test_an_unexpected_error_in_a_restx_resource_is_a_500_without_internals(fresh_app):
    blueprint = Blueprint("boom_api", __name__, url_prefix="/api/v1/boom-test")
    boom_api = Api(blueprint, doc=False, add_specs=False, catch_all_404s=False)
    namespace = boom_api.namespace("boom", path="/")

    @namespace.route("/resource")
    class Boom(Resource):
        def get(self) -> Any:
            return _explode()

    fresh_app.register_blueprint(blueprint)

    response = fresh_app.test_client().get("/api/v1/boom-test/resource")

    assert_internal_error_without_secret(response)


def test_an_unexpected_error_in_a_service_is_a_500_without_internals(client, monkeypatch):
    monkeypatch.setattr("api.users.resources.service.register_user", lambda *a, **k: _explode())

    response = client.post(USERS, json=registration())

    assert_internal_error_without_secret(response)


# --- CORS ----------------------------------------------------------------------------------------


def header_values(response: Any, name: str) -> set[str]:
    return {value.strip().lower() for value in response.headers.get(name, "").split(",") if value.strip()}


def test_a_preflight_from_an_allowed_origin_allows_the_authorization_header(client):
    response = client.options(
        ME,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )

    assert response.status_code in {200, 204}
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert {"authorization", "content-type"} <= header_values(response, "Access-Control-Allow-Headers")
    assert "patch" in header_values(response, "Access-Control-Allow-Methods")


def test_a_preflight_from_another_origin_gets_no_cors_headers(client):
    response = client.options(
        ME,
        headers={
            "Origin": "https://evil.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )

    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_request_from_another_origin_gets_no_cors_headers(client):
    response = client.get("/api/v1/health", headers={"Origin": "https://evil.example.com"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_responses_expose_location_content_disposition_and_link(client):
    response = client.get("/api/v1/health", headers={"Origin": ALLOWED_ORIGIN})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    exposed = header_values(response, "Access-Control-Expose-Headers")
    assert {"location", "content-disposition", "link"} <= exposed


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", ME, 401), ("GET", "/api/v1/nope", 404), ("DELETE", "/api/v1/health", 405)],
)
def test_error_responses_carry_cors_headers_for_an_allowed_origin(client, method, url, status):
    response = client.open(url, method=method, headers={"Origin": ALLOWED_ORIGIN})

    assert_problem(response, status)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "link" in header_values(response, "Access-Control-Expose-Headers")


def test_a_rate_limited_response_carries_cors_headers_and_exposes_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER", "1/minute")
    headers = {"Origin": ALLOWED_ORIGIN}
    client.post(USERS, json=registration("first@example.org"), headers=headers)

    response = client.post(USERS, json=registration("second@example.org"), headers=headers)

    assert_problem(response, 429)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "retry-after" in header_values(response, "Access-Control-Expose-Headers")


@pytest.mark.parametrize("url", [ME, "/api/v1/badge-jobs/not-a-uuid", "/api/v1/no-such-thing"])
def test_a_preflight_to_any_api_path_succeeds_so_the_browser_can_read_the_real_answer(client, url):
    response = client.options(
        url,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "authorization" in header_values(response, "Access-Control-Allow-Headers")


def test_the_request_after_a_preflight_to_a_path_without_a_route_gets_the_api_404(client):
    response = client.get("/api/v1/no-such-thing", headers={"Origin": ALLOWED_ORIGIN})

    assert_problem(response, 404)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize("origin", [None, ALLOWED_ORIGIN, "https://evil.example.com"])
def test_every_api_answer_varies_on_origin_whoever_asks(client, origin):
    # An answer cached for an <img> (no Origin) must not be reused for a fetch() from the app.
    headers = {"Origin": origin} if origin else {}
    for url in ("/api/v1/health", ME, "/api/v1/no-such-thing"):
        response = client.get(url, headers=headers)

        assert "origin" in header_values(response, "Vary"), url


def test_a_preflight_outside_the_api_is_not_answered_for_it(client):
    response = client.options(
        "/nope", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"}
    )

    assert response.status_code == 404
    assert "origin" not in header_values(response, "Vary")


@pytest.mark.parametrize("url", ["/swaggerui/swagger-ui.css", "/nope"])
def test_paths_outside_the_api_get_no_cors_headers(client, url):
    preflight_headers = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"}
    with (
        client.get(url, headers={"Origin": ALLOWED_ORIGIN}) as response,
        client.options(url, headers=preflight_headers) as preflight,
    ):
        for answer in (response, preflight):
            assert "Access-Control-Allow-Origin" not in answer.headers
            assert "Access-Control-Expose-Headers" not in answer.headers


# --- Compression ---------------------------------------------------------------------------------


def test_the_contract_is_gzip_compressed_when_accepted(client):
    plain = client.get("/api/v1/openapi.json")
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in header_values(response, "Vary")
    assert len(response.get_data()) < len(plain.get_data())
    assert json.loads(gzip.decompress(response.get_data())) == plain.get_json()


def test_the_contract_is_brotli_compressed_when_accepted(client):
    plain = client.get("/api/v1/openapi.json")
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "br"})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(response.get_data())) == plain.get_json()


def test_brotli_is_preferred_when_both_are_accepted(client):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.headers["Content-Encoding"] == "br"


def test_a_response_is_not_compressed_unless_asked(client):
    response = client.get("/api/v1/openapi.json")

    assert "Content-Encoding" not in response.headers
    assert response.get_json()["openapi"].startswith("3.")


def test_a_large_problem_stays_a_readable_problem_when_compression_is_accepted(client):
    # Flask-Compress only compresses 2xx responses, so a problem may come back either way.
    body = {f"unknown_field_{number}": number for number in range(40)}
    response = client.post(USERS, json=body, headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    else:
        assert "Content-Encoding" not in response.headers
    problem = json.loads(data)
    assert problem["status"] == 422
    assert "unknown_field_39" in problem["errors"]


# --- Service endpoints ---------------------------------------------------------------------------


def test_health_reports_the_database_ok(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"


def test_the_yaml_contract_matches_the_json_contract(client):
    as_yaml = client.get("/api/v1/openapi.yaml")
    as_json = client.get("/api/v1/openapi.json")

    assert as_yaml.status_code == as_json.status_code == 200
    assert as_yaml.mimetype == "application/yaml"
    parsed = yaml.safe_load(as_yaml.get_data(as_text=True))
    assert set(parsed["paths"]) == set(as_json.get_json()["paths"])
    assert parsed == as_json.get_json()


def test_the_docs_page_loads_assets_that_exist(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith(".js") for asset in assets)
    assert any(asset.endswith(".css") for asset in assets)
    spec_urls = re.findall(r'url:\s*"([^"]+)"', page)
    assert spec_urls == ["/api/v1/openapi.json"]
    for url in assets + spec_urls:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert len(asset.get_data()) > 100, url
