"""GET, HEAD and OPTIONS requests, and handlers marked `@read_only`, cannot write.

The mark makes SQLite begin their transactions deferred (no write lock to queue for); the same mark
makes any INSERT, UPDATE or DELETE in them fail, on every backend and inside this suite's per-test
savepoints too, so a handler that writes where it should not fails its own tests. These run the
request layer's real commit_on_success inside real request contexts.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from api.core.db import ReadOnlyTransactionError, read_only_transactions
from api.extensions import db
from api.http import commit_on_success, read_only
from api.users.models import User


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def add_user() -> str:
    db.session.add(User(email=f"{uuid.uuid4().hex}@example.org", name="Writer", password_hash="x"))
    db.session.flush()
    return "written"


@read_only
def add_user_marked() -> str:
    return add_user()


@pytest.mark.parametrize(
    ("method", "handler"),
    [("GET", add_user), ("HEAD", add_user), ("OPTIONS", add_user), ("POST", add_user_marked)],
)
def test_a_read_only_request_that_writes_is_refused_and_rolled_back(app, method, handler):
    before = count_users()
    with (
        app.test_request_context("/", method=method),
        pytest.raises(ReadOnlyTransactionError, match="INSERT"),
    ):
        commit_on_success(handler)()
    assert count_users() == before


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_requests_that_may_write_do(app, method):
    before = count_users()
    with app.test_request_context("/", method=method):
        assert commit_on_success(add_user)() == "written"
    assert count_users() == before + 1


def test_reading_is_what_read_only_allows(app, user):
    with app.test_request_context("/", method="POST"):
        assert commit_on_success(read_only(count_users))() >= 1


def test_the_mark_ends_with_the_block():
    with read_only_transactions():
        pass
    assert add_user() == "written"


def test_a_get_through_the_whole_stack_still_reads(client, auth_headers, user):
    response = client.get("/api/v1/users/me", headers=auth_headers)
    assert response.status_code == 200
    assert response.get_json()["email"] == user.email
