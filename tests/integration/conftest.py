"""Fixtures of the Celery tests: the database the app and the workers share, and the live stack."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from api.cli import alembic_config
from tests.support.celery_stack import CeleryStack
from tests.support.environment import TEST_DATABASE, require_postgres
from tests.support.object_store import object_store, s3_environment  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def jobs_database_url(request: pytest.FixtureRequest) -> str:
    """The database the test's app and the worker share: on PostgreSQL a database of their own."""
    if TEST_DATABASE == "postgres":
        require_postgres()
        url = request.getfixturevalue("postgres_databases").create("celery")
        command.upgrade(alembic_config(url), "head")
        return url
    return request.getfixturevalue("database_url")


@pytest.fixture
def celery_stack(
    request: pytest.FixtureRequest, jobs_database_url: str, tmp_path: Path
) -> Iterator[CeleryStack]:
    stack = CeleryStack(jobs_database_url, tmp_path)
    failures_before = request.session.testsfailed
    yield stack
    show_output = None
    if request.session.testsfailed > failures_before:
        # The test has failed by now: show what the workers said, past pytest's output capture.
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")

        def show_output(title: str, text: str) -> None:
            if reporter is None:
                print(f"--- {title}\n{text}", file=sys.stderr)
            else:
                reporter.write_sep("-", title)
                reporter.write_line(text)

    stack.close(show_output)
