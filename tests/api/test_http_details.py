"""Small HTTP details: headers that belong on some answers and not on others, proxies."""

from __future__ import annotations

from tests.factories import DEFAULT_PASSWORD
from tests.support.accounts import bearer
from tests.support.environment import make_test_app


def test_retry_after_is_only_sent_with_a_429(client, user):
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert "Retry-After" not in response.headers


def test_no_content_answers_carry_no_content_type(client, tokens):
    response = client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.get_data() == b""


def test_behind_a_proxy_limits_count_per_forwarded_client(database_url, transaction):
    from api.core.db import Database

    app = make_test_app(database_url, PROXY_COUNT=1, RATELIMIT_LOGIN="1/minute")
    # Share the test's transaction: on SQLite it holds the write lock a second connection would wait for.
    Database.state(app).bind = transaction
    Database.state(app).join_transaction_mode = "create_savepoint"
    client = app.test_client()
    body = {"email": "nobody@example.org", "password": "wrong password"}

    def attempt(address: str) -> int:
        return client.post("/api/v1/auth/login", json=body, headers={"X-Forwarded-For": address}).status_code

    # Two clients behind the same proxy each get their own budget.
    assert [attempt("203.0.113.7"), attempt("203.0.113.7"), attempt("198.51.100.9")] == [401, 429, 401]


def test_behind_a_proxy_links_use_the_public_host(database_url, transaction):
    from api.core.db import Database
    from tests.factories import UserFactory

    app = make_test_app(database_url, PROXY_COUNT=1)
    # Share the test's transaction, so this second app sees the admin the factory flushed.
    Database.state(app).bind = transaction
    Database.state(app).join_transaction_mode = "create_savepoint"
    admin = UserFactory(admin=True)
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"email": admin.email, "password": DEFAULT_PASSWORD})
    headers = {
        **bearer(token.get_json()["access_token"]),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "badges.example.org",
    }

    response = client.get("/api/v1/users", headers=headers)

    assert response.headers["Link"].startswith("<https://badges.example.org/api/v1/users?")


# --- Links are absolute ---------------------------------------------------------------------------
# A browser app on another origin resolves a relative link against its own origin.

PUBLIC = "https://api.badges.example.org/badges"
EVENT = {
    "name": "Links",
    "starts_at": "2026-03-10T09:00:00+08:00",
    "ends_at": "2026-03-12T18:00:00+08:00",
    "timezone": "Asia/Singapore",
}


def test_links_start_with_the_configured_public_address(client, app, auth_headers, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_API_URL", PUBLIC)
    event = client.post("/api/v1/events", json=EVENT, headers=auth_headers)
    templates = client.get("/api/v1/badge-templates?per_page=1", headers=auth_headers)

    assert event.headers["Location"] == f"{PUBLIC}/api/v1/events/{event.get_json()['id']}"
    assert templates.get_json()["items"][0]["preview_url"].startswith(f"{PUBLIC}/api/v1/badge-templates/")
    assert f"<{PUBLIC}/api/v1/badge-templates?page=2&per_page=1>" in templates.headers["Link"]


def test_without_a_configured_address_links_use_the_one_the_request_came_to(client, auth_headers):
    event = client.post("/api/v1/events", json=EVENT, headers={**auth_headers, "Host": "badges.test:8080"})

    assert event.headers["Location"] == f"http://badges.test:8080/api/v1/events/{event.get_json()['id']}"


def test_behind_a_proxy_links_use_the_forwarded_address(database_url, transaction, auth_headers):
    from api.core.db import Database

    app = make_test_app(database_url, PROXY_COUNT=1)
    Database.state(app).bind = transaction
    Database.state(app).join_transaction_mode = "create_savepoint"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "badges.example.org"}
    response = app.test_client().get(
        "/api/v1/badge-templates?per_page=1", headers={**auth_headers, **forwarded}
    )

    assert response.status_code == 200
    assert response.get_json()["items"][0]["preview_url"].startswith("https://badges.example.org/api/v1/")
