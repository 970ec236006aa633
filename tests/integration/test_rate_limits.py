"""Rate limits on register, login, resend and reset, with memory storage and with the real Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.support.environment import IN_CI

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def test_login_is_limited_per_client_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "2/minute")
    body = {"email": "someone@example.org", "password": "wrong password"}

    statuses = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    limited = client.post("/api/v1/auth/login", json=body)
    assert limited.get_json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("config_key", "path", "body"),
    [
        ("RATELIMIT_REGISTER", "/api/v1/users", {"email": "x@example.org", "password": "short", "name": "X"}),
        ("RATELIMIT_MAIL", "/api/v1/auth/password-reset", {"email": "x@example.org"}),
    ],
)
def test_register_and_reset_are_limited(client, app, monkeypatch, config_key, path, body):
    monkeypatch.setitem(app.config, config_key, "1/minute")

    first = client.post(path, json=body)
    second = client.post(path, json=body)

    assert first.status_code != 429
    assert second.status_code == 429
    assert "Retry-After" in second.headers


def test_resend_is_limited(client, app, monkeypatch):
    from tests.factories import UserFactory
    from tests.support.accounts import bearer, login

    monkeypatch.setitem(app.config, "RATELIMIT_MAIL", "1/minute")
    headers = bearer(login(client, UserFactory().email)["access_token"])

    assert client.post("/api/v1/users/verify/resend", headers=headers).status_code == 202
    assert client.post("/api/v1/users/verify/resend", headers=headers).status_code == 429


def test_other_endpoints_are_not_limited(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "1/minute")

    assert all(client.get("/api/v1/health").status_code == 200 for _ in range(5))


REDIS_SCRIPT = """
import json, sys
from api.app import create_app
app = create_app({
    "ENV_NAME": "testing", "DATABASE_URL": sys.argv[1], "RATELIMIT_STORAGE_URI": sys.argv[2],
    "RATELIMIT_KEY_PREFIX": sys.argv[3], "RATELIMIT_LOGIN": "2/minute",
})
client = app.test_client()
body = {"email": "someone@example.org", "password": "wrong password"}
print(json.dumps([client.post("/api/v1/auth/login", json=body).status_code for _ in range(3)]))
"""


# Live: no test transaction, whose lock (SQLite takes it at BEGIN) the two processes would wait on.
@pytest.mark.live
def test_limits_are_shared_through_redis(database_url):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} and CI=true")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"

    # Two processes with the same Redis share one budget: 2 logins, then the third is refused.
    def run() -> list[int]:
        result = subprocess.run(
            [sys.executable, "-c", REDIS_SCRIPT, database_url, REDIS_URL, prefix],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    first, second = run(), run()

    assert first == [401, 401, 429]
    assert second == [429, 429, 429]
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
    assert keys
    redis.Redis.from_url(REDIS_URL).delete(*keys)
