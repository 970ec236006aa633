"""Registration, verification, login, tokens, profile: the README's walk-through as tests."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select

from api.auth.models import AuthSession
from api.extensions import db
from api.mail.models import OutboundEmail
from api.users.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.smtp import body_text
from tests.support.accounts import bearer, login


def register(client, email="ada@example.org", password="analytical-engine", name="Ada Lovelace"):
    return client.post("/api/v1/users", json={"email": email, "password": password, "name": name})


def token_from_link(text: str, path: str) -> str:
    link = re.search(rf"https?://\S+{path}\S+", text)
    assert link, text
    return parse_qs(urlparse(link.group(0)).query)["token"][0]


def test_register_creates_user_without_exposing_the_hash(client):
    response = register(client)

    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "ada@example.org"
    assert body["is_verified"] is False
    assert "password" not in str(body)
    assert "hash" not in str(body)
    stored = db.session.get(User, uuid.UUID(body["id"]))
    assert stored.password_hash.startswith("$argon2id$")


def test_registration_mail_carries_a_token_that_verifies(client, jobs, smtp_server):
    user_id = register(client).get_json()["id"]

    assert jobs.run_pending() == 1
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Confirm your email address"
    token = token_from_link(body_text(message), "/verify-email")

    response = client.post("/api/v1/users/verify", json={"token": token})
    assert response.status_code == 200
    assert response.get_json()["is_verified"] is True
    assert db.session.get(User, uuid.UUID(user_id), populate_existing=True).email_verified_at is not None
    email = db.session.scalars(select(OutboundEmail)).one()
    assert (email.status, email.attempts) == ("sent", 1)
    assert email.message_id == message["Message-ID"]


def test_email_is_unique_whatever_its_case(client):
    assert register(client).status_code == 201
    response = register(client, email="ADA@Example.ORG")

    assert response.status_code == 409
    assert response.get_json()["code"] == "email_taken"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_register_rejects_short_password_bad_email_and_unknown_fields(client):
    response = client.post(
        "/api/v1/users",
        json={"email": "not-an-email", "password": "short", "name": " ", "nickname": "x"},
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"email", "password", "name", "nickname"}
    assert "at least 10" in errors["password"][0]
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_register_rejects_read_only_fields(client):
    response = client.post(
        "/api/v1/users",
        json={"email": "eve@example.org", "password": "long enough pass", "name": "Eve", "is_admin": True},
    )

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"is_admin": ["Read-only field: it cannot be set by a client."]}


def test_login_returns_bearer_tokens(client, user):
    response = client.post(
        "/api/v1/auth/login", json={"email": user.email.upper(), "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["access_token"] != body["refresh_token"]


def test_unknown_email_and_wrong_password_answer_the_same(client, user):
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "whatever1234"}
    )
    wrong = client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong password"})

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    assert unknown.get_json()["code"] == "invalid_credentials"


def test_me_returns_the_token_owner(client, user, auth_headers):
    response = client.get("/api/v1/users/me", headers=auth_headers)

    assert response.status_code == 200
    assert response.get_json()["id"] == str(user.id)


def test_refresh_gives_a_working_access_token(client, tokens):
    response = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))

    assert response.status_code == 200
    new_access = response.get_json()["access_token"]
    assert client.get("/api/v1/users/me", headers=bearer(new_access)).status_code == 200


def test_access_token_cannot_refresh(client, tokens):
    response = client.post("/api/v1/auth/refresh", headers=bearer(tokens["access_token"]))

    assert response.status_code == 401
    assert response.get_json()["code"] == "token_invalid"


def test_logout_revokes_access_and_refresh_tokens(client, tokens):
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204

    me = client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert me.status_code == refreshed.status_code == 401
    assert me.get_json()["code"] == refreshed.get_json()["code"] == "token_revoked"


def test_logout_with_the_refresh_token_revokes_the_access_token_too(client, tokens):
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens["refresh_token"])).status_code == 204

    assert client.get("/api/v1/users/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_logout_leaves_other_logins_alone(client, user):
    first = login(client, user.email)
    second = login(client, user.email)

    client.post("/api/v1/auth/logout", headers=bearer(first["access_token"]))

    assert client.get("/api/v1/users/me", headers=bearer(second["access_token"])).status_code == 200


def test_patch_me_changes_the_name(client, auth_headers):
    response = client.patch("/api/v1/users/me", json={"name": "  Grace Hopper "}, headers=auth_headers)

    assert response.status_code == 200
    assert response.get_json()["name"] == "Grace Hopper"


def test_patch_me_refuses_read_only_fields(client, user, auth_headers):
    for field, value in [("is_admin", True), ("is_verified", True), ("id", "x"), ("email_verified_at", None)]:
        response = client.patch("/api/v1/users/me", json={field: value}, headers=auth_headers)
        assert response.status_code == 422, field
        assert field in response.get_json()["errors"]
    db.session.refresh(user)
    assert user.is_admin is False


def test_password_change_needs_the_current_password(client, auth_headers):
    missing = client.patch("/api/v1/users/me", json={"password": "a new long password"}, headers=auth_headers)
    wrong = client.patch(
        "/api/v1/users/me",
        json={"password": "a new long password", "current_password": "not it at all"},
        headers=auth_headers,
    )

    assert missing.status_code == wrong.status_code == 422
    assert "current_password" in missing.get_json()["errors"]
    assert wrong.get_json()["errors"] == {"current_password": ["Incorrect password."]}


def test_password_change_revokes_the_other_logins_only(client, user):
    current = login(client, user.email)
    other = login(client, user.email)

    response = client.patch(
        "/api/v1/users/me",
        json={"password": "a new long password", "current_password": DEFAULT_PASSWORD},
        headers=bearer(current["access_token"]),
    )

    assert response.status_code == 200
    assert client.get("/api/v1/users/me", headers=bearer(current["access_token"])).status_code == 200
    assert client.get("/api/v1/users/me", headers=bearer(other["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(other["refresh_token"])).status_code == 401
    assert login(client, user.email, "a new long password")["access_token"]


def test_verify_rejects_a_tampered_token(client):
    response = client.post("/api/v1/users/verify", json={"token": "eyJ1aWQiOiJ4In0.bad.signature"})

    assert response.status_code == 422
    assert response.get_json()["code"] == "token_invalid"


def test_verify_rejects_a_token_for_another_purpose(client, user, app):
    from api.core.security import make_signed_token

    token = make_signed_token("password-reset", {"uid": str(user.id), "email": user.email})
    response = client.post("/api/v1/users/verify", json={"token": token})

    assert response.status_code == 422


def test_expired_verification_token_says_so(client, monkeypatch, app, jobs, smtp_server):
    register(client)
    jobs.run_pending()
    token = token_from_link(body_text(smtp_server.inbox.wait_for(1)[0]), "/verify-email")
    monkeypatch.setitem(app.config, "EMAIL_VERIFY_MAX_AGE", -1)

    response = client.post("/api/v1/users/verify", json={"token": token})

    assert response.status_code == 422
    assert response.get_json()["code"] == "token_expired"


def test_resend_sends_a_new_verification_mail(client, jobs, smtp_server):
    unverified = UserFactory()
    headers = bearer(login(client, unverified.email)["access_token"])

    response = client.post("/api/v1/users/verify/resend", headers=headers)

    assert response.status_code == 202
    jobs.run_pending()
    first, second = smtp_server.inbox.wait_for(2)
    assert first["To"] == second["To"] == unverified.email
    assert first["Message-ID"] != second["Message-ID"]
    token = token_from_link(body_text(second), "/verify-email")
    assert client.post("/api/v1/users/verify", json={"token": token}).status_code == 200


def test_resend_for_a_verified_account_is_a_conflict(client, auth_headers):
    response = client.post("/api/v1/users/verify/resend", headers=auth_headers)

    assert response.status_code == 409
    assert response.get_json()["code"] == "already_verified"


def test_login_opens_one_session_per_login(client, user):
    login(client, user.email)
    login(client, user.email)

    count = db.session.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user.id)
    )
    assert count == 2
