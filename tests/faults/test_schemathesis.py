"""Schemathesis against the running service: every operation of openapi.yaml, every check.

The test starts `manage.py run` on a free loopback port with a fresh INSTANCE_PATH (its own SQLite
file, or a throw-away PostgreSQL database when TEST_DATABASE=postgres), creates a verified
administrator with `manage.py users create-admin`, and runs the `st` command line over the whole
contract with all checks and all phases (examples, coverage, fuzzing, stateful), bounded by
--max-examples. Any failure fails the test with schemathesis's own report.

Authentication: this module is also the `st` process's hooks module (SCHEMATHESIS_HOOKS). Its
auth provider logs in the administrator and caches the tokens, and logs in again after any call
that revokes them (POST /auth/logout, a password change or reset), so no operation is left with
only 401s. POST /auth/refresh gets the refresh token, every other operation the access token.

What schemathesis is told, because OpenAPI 3.0 cannot say it (see SCHEMATHESIS_CONFIG):
- POST /events, PATCH /events/{event_id}: `ends_at` must come after `starts_at`, a rule between
  two fields; a schema-valid body with ends_at <= starts_at is rightly a 422.
- POST /users/verify, POST /auth/password-reset/confirm: the token is any string in the schema;
  only one the service signed and has not used is real, so a schema-valid token is rightly a 422.
- POST/PATCH tickets: sales_ends_at after sales_starts_at, a price that fits the type (fields).
- PUT /events/{event_id}/tickets/order: every ticket of the event exactly once (stored state).
- PATCH /users/me: current_password must be the account's password (stored state).
- POST /badge-jobs, /badge-templates, /fonts: the uploaded file must be an attendee list, an SVG,
  a font; a schema says bytes. POST /badge-previews: options.template must name a built-in or an
  uploaded template (stored state).
For these operations alone, the positive_data_acceptance check also expects 422. And strings are
generated without NUL characters, which the service refuses in every string (see the command).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.smtp import free_port
from tests.support.environment import TEST_DATABASE, require_postgres

pytestmark = [pytest.mark.live]

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "schemathesis@example.org"
PASSWORD = "schemathesis-admin-123"
MAX_EXAMPLES = 10
SEED = 20261201

# Operations whose rule between fields (or against stored state) OpenAPI 3.0 cannot express: for
# them, and for the positive_data_acceptance check alone, a 422 is an accepted answer to a
# schema-valid request. Every other check and every other status stays as strict as elsewhere.
POSITIVE_WITH_422 = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
SCHEMATHESIS_CONFIG = f"""
# ends_at after starts_at: a cross-field rule OpenAPI 3.0 cannot express.
[[operations]]
include-name = "POST /events"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

[[operations]]
include-name = "PATCH /events/{{event_id}}"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# sales_ends_at after sales_starts_at, and a price that fits the ticket's type (none for free):
# rules between fields.
[[operations]]
include-name = "POST /events/{{event_id}}/tickets"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

[[operations]]
include-name = "PATCH /events/{{event_id}}/tickets/{{ticket_id}}"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# The new order must name every ticket of this event exactly once: stored state (the event's
# tickets), which no schema of the request body can say.
[[operations]]
include-name = "PUT /events/{{event_id}}/tickets/order"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# current_password must be the account's password: stored state, not a property of the request.
[[operations]]
include-name = "PATCH /users/me"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# An uploaded file (format: binary) must be what the operation reads: an attendee list (CSV or
# XLSX), an SVG template, a font. JSON Schema describes bytes, not file formats.
[[operations]]
include-name = "POST /badge-jobs"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

[[operations]]
include-name = "POST /badge-templates"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

[[operations]]
include-name = "POST /fonts"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# options.template names a built-in template or one the caller uploaded: stored state.
[[operations]]
include-name = "POST /badge-previews"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# A well-formed token that the service never signed (or that was used) is not a real token.
[[operations]]
include-name = "POST /users/verify"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

[[operations]]
include-name = "POST /auth/password-reset/confirm"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}
"""

# Calls after which the cached tokens no longer work.
REVOKING = {("POST", "/auth/logout"), ("PATCH", "/users/me"), ("POST", "/auth/password-reset/confirm")}


def login(base_url: str, email: str, password: str) -> dict[str, Any]:
    split = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)
    try:
        body = json.dumps({"email": email, "password": password})
        connection.request("POST", f"{split.path}/auth/login", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        assert response.status == 200, payload
        return dict(json.loads(payload))
    finally:
        connection.close()


if os.environ.get("BADGES_ST_BASE_URL"):
    # Loaded by the `st` process as its hooks module: the auth provider.
    import schemathesis

    @schemathesis.auth(refresh_interval=None)
    class FreshLogin:
        """Tokens of the test's administrator, renewed after any call that revokes them."""

        tokens: dict[str, Any] | None = None

        def get(self, case: Any, context: Any) -> dict[str, Any]:
            if FreshLogin.tokens is None:
                FreshLogin.tokens = login(
                    os.environ["BADGES_ST_BASE_URL"],
                    os.environ["BADGES_ST_EMAIL"],
                    os.environ["BADGES_ST_PASSWORD"],
                )
            return FreshLogin.tokens

        def set(self, case: Any, data: dict[str, Any], context: Any) -> None:
            operation = (case.method.upper(), case.path)
            kind = "refresh_token" if operation == ("POST", "/auth/refresh") else "access_token"
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data[kind]}"}
            if operation in REVOKING:
                # Calls run one at a time (--workers 1): the next one logs in again.
                FreshLogin.tokens = None


@pytest.fixture
def service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, str]]]:
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_REGISTER": "100000/minute",
        "RATELIMIT_LOGIN": "100000/minute",
        "RATELIMIT_MAIL": "100000/minute",
        "RATELIMIT_PREVIEW": "100000/minute",
        "MAIL_BUDGET_PER_HOUR": "100000",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("APP_ENV", "CELERY_BROKER_URL", "DATABASE_URL", "MAIL_SERVER", "SCHEMATHESIS_HOOKS"):
        env.pop(name, None)
    if TEST_DATABASE == "postgres":
        require_postgres()
        env["DATABASE_URL"] = request.getfixturevalue("postgres_databases").create("schemathesis")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*manage, "users", "create-admin", EMAIL, "--password", PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [*manage, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/api/v1", env
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def test_schemathesis_finds_no_failure(service: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base_url, server_env = service
    # The account works before schemathesis starts, so a 401 later is the run's own doing.
    assert login(base_url, EMAIL, PASSWORD)["access_token"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    env = {
        **server_env,
        "SCHEMATHESIS_HOOKS": "tests.faults.test_schemathesis",
        "BADGES_ST_BASE_URL": base_url,
        "BADGES_ST_EMAIL": EMAIL,
        "BADGES_ST_PASSWORD": PASSWORD,
    }
    env.pop("DATABASE_URL", None)
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(ROOT / "openapi.yaml"),
        "--url",
        base_url,
        "--checks",
        "all",
        "--workers",
        "1",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        # The service refuses NUL in every string it reads (PostgreSQL text cannot hold it; the
        # 422 says so), a rule about all strings that the schemas do not repeat field by field.
        "--generation-allow-x00",
        "false",
        "--request-timeout",
        "60",
    ]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    print(output)  # the run's report, shown with `pytest -rP`
    assert result.returncode == 0, output
    # Every operation got past authentication (no "Authentication failed" warning).
    assert "Authentication failed" not in output, output
