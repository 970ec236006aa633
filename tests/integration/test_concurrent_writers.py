"""A request that reads, then writes, while another connection commits a write in between.

On SQLite with a deferred BEGIN the second write fails at once with "database is locked" (a stale
read snapshot cannot be upgraded); the job threads and the mail outbox make this common under
`make run`. Each transaction takes the write lock at BEGIN instead, so the other writer waits.
On PostgreSQL both simply commit.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.db import Database
from api.users.models import User

pytestmark = pytest.mark.live


def new_user() -> User:
    return User(email=f"{uuid.uuid4().hex}@example.org", name="Writer", password_hash="x")


def test_a_read_then_write_transaction_survives_a_concurrent_writer(live_app):
    engine = Database.state(live_app).engine
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with live_app.app_context(), Session(engine) as writer:
                writer.add(new_user())
                writer.commit()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    with live_app.app_context(), Session(engine) as request:
        before = request.scalar(select(func.count()).select_from(User))
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(0.5)  # lets it commit now, where nothing makes it wait
        request.add(new_user())
        request.commit()
    thread.join(30)

    assert errors == []
    with live_app.app_context(), Session(engine) as check:
        assert check.scalar(select(func.count()).select_from(User)) == before + 2
