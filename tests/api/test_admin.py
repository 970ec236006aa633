"""Administrators: the users list and the create-admin command."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from api.extensions import db
from api.users.models import User
from tests.factories import UserFactory
from tests.support.accounts import bearer, login


def test_admin_lists_users_a_page_at_a_time_with_links(client):
    admin = UserFactory(admin=True)
    UserFactory.create_batch(4)
    headers = bearer(login(client, admin.email)["access_token"])

    response = client.get("/api/v1/users?per_page=2&page=2", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (5, 2, 2, 2)
    links = response.headers["Link"]
    for rel, page in [("first", 1), ("prev", 1), ("next", 3), ("last", 3)]:
        assert f'page={page}&per_page=2>; rel="{rel}"' in links


def test_members_cannot_list_users(client, auth_headers):
    response = client.get("/api/v1/users", headers=auth_headers)

    assert response.status_code == 403
    assert response.get_json()["code"] == "admin_required"


def test_create_admin_command_creates_a_verified_admin_who_can_log_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "root@example.org", "--password", "a long admin password"]
    )

    assert result.exit_code == 0, result.output
    assert "Created administrator root@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "root@example.org"))
    assert user.is_admin
    assert user.is_verified
    token = login(client, "root@example.org", "a long admin password")["access_token"]
    assert client.get("/api/v1/users", headers=bearer(token)).status_code == 200


def test_create_admin_command_promotes_an_existing_account(app, user):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", user.email.upper()])

    assert result.exit_code == 0, result.output
    assert db.session.get(User, uuid.UUID(str(user.id)), populate_existing=True).is_admin


def test_create_admin_command_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "x@example.org", "--password", "short"]
    )

    assert result.exit_code != 0
    assert "at least 10" in result.output
