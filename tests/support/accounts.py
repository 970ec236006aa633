"""Signing in over HTTP: tokens, Authorization headers, a second user."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import DEFAULT_PASSWORD, UserFactory


def login(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def other_headers(client):
    return bearer(login(client, UserFactory(verified=True).email)["access_token"])


def signed_in(app) -> dict[str, str]:
    with app.app_context():
        user = UserFactory(verified=True)
        from api.extensions import db

        db.session.commit()
        email = user.email
    return bearer(login(app.test_client(), email)["access_token"])
