"""Password reset: 202 for any address, a single-use expiring link by mail, every login revoked."""

from __future__ import annotations

from sqlalchemy import func, select

from api.extensions import db
from api.mail.models import OutboundEmail
from tests.factories import DEFAULT_PASSWORD
from tests.smtp import body_text
from tests.support.accounts import bearer, login

NEW_PASSWORD = "a brand new passphrase"


def request_reset(client, email):
    return client.post("/api/v1/auth/password-reset", json={"email": email})


def reset_token(client, jobs, smtp_server, email) -> str:
    assert request_reset(client, email).status_code == 202
    jobs.run_pending()
    message = smtp_server.inbox.wait_for(1)[-1]
    assert message["Subject"] == "Reset your password"
    return body_text(message).split("reset-password?token=")[1].split()[0]


def test_unknown_and_known_addresses_get_the_same_answer(client, user, jobs, smtp_server):
    known = request_reset(client, user.email)
    unknown = request_reset(client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    jobs.run_pending()
    [message] = smtp_server.inbox.wait_for(1)
    assert message["To"] == user.email


def test_the_reset_token_is_never_in_the_response(client, user):
    response = request_reset(client, user.email)

    assert "token" not in response.get_data(as_text=True)


def test_reset_sets_the_password_and_revokes_every_login(client, user, jobs, smtp_server):
    session_tokens = login(client, user.email)
    token = reset_token(client, jobs, smtp_server, user.email)

    response = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )

    assert response.status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(session_tokens["access_token"])).status_code == 401
    old = client.post("/api/v1/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    assert login(client, user.email, NEW_PASSWORD)["access_token"]


def test_the_reset_link_works_only_once(client, user, jobs, smtp_server):
    token = reset_token(client, jobs, smtp_server, user.email)
    first = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )

    second = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "yet another password"}
    )

    assert first.status_code == 204
    assert second.status_code == 422
    assert second.get_json()["code"] == "token_invalid"
    assert login(client, user.email, NEW_PASSWORD)


def test_an_expired_reset_link_is_refused(client, user, jobs, smtp_server, app, monkeypatch):
    token = reset_token(client, jobs, smtp_server, user.email)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)

    response = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )

    assert response.status_code == 422
    assert response.get_json()["code"] == "token_expired"
    assert login(client, user.email)  # the old password still works


def test_a_verification_token_cannot_reset_a_password(client, user):
    from api.users.service import verification_link

    token = verification_link(user).split("token=")[1]
    response = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )

    assert response.status_code == 422


def test_reset_confirm_checks_the_new_password(client, user, jobs, smtp_server):
    token = reset_token(client, jobs, smtp_server, user.email)

    response = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "short"})

    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]


def test_reset_request_for_unknown_address_writes_no_mail(client):
    request_reset(client, "nobody@example.org")

    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0


def test_reset_proves_the_address_and_marks_it_verified(client, jobs, smtp_server):
    from tests.factories import UserFactory

    unverified = UserFactory()
    token = reset_token(client, jobs, smtp_server, unverified.email)
    client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})

    me = client.get(
        "/api/v1/users/me", headers=bearer(login(client, unverified.email, NEW_PASSWORD)["access_token"])
    )
    assert me.get_json()["is_verified"] is True
