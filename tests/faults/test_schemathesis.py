"""Schemathesis against the running service: every operation of openapi.yaml, every check.

The test starts `manage.py run` on a free loopback port with a fresh INSTANCE_PATH (its own SQLite
file, or a throw-away PostgreSQL database when TEST_DATABASE=postgres), creates a verified
administrator with `manage.py users create-admin`, and runs the `st` command line over the whole
contract with all checks and all phases (examples, coverage, fuzzing, stateful), bounded by
--max-examples. Any failure fails the test with schemathesis's own report, and so does a warning
that an operation rejected most of the requests generated for it (its valid-looking data, or the
identifiers it was given): the run must reach the logic behind every operation.

tests/support/schemathesis_hooks.py is the `st` process's hooks module: it logs in, and it makes
every positive case keep the rules OpenAPI 3.0 cannot state (rules between fields, file formats,
stored state: see there). What is left for the configuration below:
- PATCH /users/me: `current_password` must be the account's password. Positive cases keep the
  generated one (a 422), because with the real one they would change the administrator's password
  or address under the run's feet.
- Reads of a job after DELETE /badge-jobs/{job_id}: that call cancels the job and removes its
  files, but the record and its log stay (documented), so a 200 after it is no use after free;
  its report and proof sheet then answer the documented 410 `file_deleted`.
- A negative case refused with 413 (over a documented size limit: columns, cells, files) is
  rejected as it should be.
Strings are generated without NUL characters, which the service refuses in every string (see the
command).
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.environment import TEST_DATABASE, require_postgres
from tests.support.live_service import ROOT, running_service, service_environment

pytestmark = [pytest.mark.live]

EMAIL = "schemathesis@example.org"
PASSWORD = "schemathesis-admin-123"
MAX_EXAMPLES = 10
SEED = 20261201

# PATCH /users/me: see the module's docstring.
POSITIVE_WITH_422 = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
# A job's report and proof sheet after DELETE /badge-jobs/{job_id}: see the module's docstring.
POSITIVE_WITH_410 = ["2xx", "3xx", "401", "403", "404", "409", "410", "429", "5xx"]
NEGATIVE_REJECTED = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "413",
    "415",
    "422",
    "428",
    "429",
    "5xx",
]
SCHEMATHESIS_CONFIG = f"""
[checks.negative_data_rejection]
expected-statuses = {json.dumps(NEGATIVE_REJECTED)}

[[operations]]
include-name = "PATCH /users/me"
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_422)}

# DELETE /badge-jobs/{{job_id}} cancels the job and removes its files; the job's record and its
# log stay, by design, so the app can still show how the job ended. Reading them after it is no
# use after free.
[[operations]]
include-path-regex = "/badge-jobs/[{{]job_id[}}]"
include-method = "GET"
checks.use_after_free.enabled = false

# Its report and proof sheet then answer the documented 410: their files are gone.
[[operations]]
include-path-regex = "^/badge-jobs/[{{]job_id[}}]/(report|proof[.]pdf)$"
include-method = "GET"
checks.use_after_free.enabled = false
checks.positive_data_acceptance.expected-statuses = {json.dumps(POSITIVE_WITH_410)}
"""


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


@pytest.fixture
def service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, str]]]:
    # The hooks make real jobs for the cases that name one; positive cases submit more.
    # Webhooks: their cases name a receiver on loopback, which the service is told to admit, and
    # positive cases register more than the default ten.
    env = service_environment(
        tmp_path,
        {
            "BADGE_JOBS_MAX_QUEUED_PER_USER": "1000",
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            "WEBHOOKS_MAX_PER_USER": "100000",
        },
    )
    if TEST_DATABASE == "postgres":
        require_postgres()
        env["DATABASE_URL"] = request.getfixturevalue("postgres_databases").create("schemathesis")
    with running_service(env, tmp_path / "server.log", admin=(EMAIL, PASSWORD)) as base_url:
        yield base_url, env


def test_schemathesis_finds_no_failure(service: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base_url, server_env = service
    # The account works before schemathesis starts, so a 401 later is the run's own doing.
    assert login(base_url, EMAIL, PASSWORD)["access_token"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    env = {
        **server_env,
        "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks",
        "BADGES_ST_BASE_URL": base_url,
        "BADGES_ST_EMAIL": EMAIL,
        "BADGES_ST_PASSWORD": PASSWORD,
    }
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(ROOT / "openapi.yaml"),
        "--url",
        base_url,
        # No `--checks all`: every check but max_response_time (which needs a limit) is on by
        # default, and a check named on the command line outranks the per-operation settings
        # above, which would then not hold (reads after DELETE /badge-jobs/{job_id}).
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
    # Every operation got past authentication (no "Authentication failed" warning), and reached
    # its logic: no operation rejected all its positive cases as invalid or as naming nothing.
    for warning in (
        "Authentication failed",
        "Schema validation mismatch",
        "Missing test data",
        "Low valid-input rate",
    ):
        assert warning not in output, output
