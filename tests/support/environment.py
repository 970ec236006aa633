"""Where the tests run: CI or a laptop, which database, where job files go, and the app built on them.

Database: SQLite in a temporary folder by default; PostgreSQL on 127.0.0.1 when CI=true or
TEST_DATABASE=postgres (TEST_POSTGRES_URL names the server).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

import psycopg2
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from tests.openapi_contract import OpenApiContract

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_DATABASE = os.environ.get("TEST_DATABASE") or ("postgres" if IN_CI else "sqlite")


def postgres_reachable() -> bool:
    try:
        psycopg2.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg2.OperationalError:
        return False
    return True


def require_postgres() -> None:
    """Skip on a laptop without PostgreSQL; in CI a missing server is a failure."""
    if postgres_reachable():
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} and CI=true")
    pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")


# Job inputs and PDFs of the whole test run: one folder, removed when the run ends.
TEST_STORAGE = tempfile.mkdtemp(prefix="badges-test-storage-")
atexit.register(shutil.rmtree, TEST_STORAGE, True)


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    settings = {"ENV_NAME": "testing", "DATABASE_URL": database_url, "STORAGE_DIR": TEST_STORAGE}
    app = create_app({**settings, **overrides})
    app.test_client_class = ContractClient
    return app


class ContractClient(FlaskClient):
    """A test client that checks every /api/v1 response against openapi.yaml."""

    contract = OpenApiContract.load()

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        method = response.request.method
        path = response.request.path
        if (
            path.startswith(self.contract.prefix + "/")
            and method not in {"OPTIONS", "HEAD"}
            and "Content-Encoding" not in response.headers
            and self.contract.operation(path, method) is not None
        ):
            self.contract.validate(method, path, response.status_code, response.headers, response.get_data())
        return response
