"""on_commit: callbacks run after the outermost commit, and only for work that was not undone."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.core.db import on_commit


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        yield session
    engine.dispose()


def test_a_callback_runs_once_the_transaction_commits(session):
    ran = []
    on_commit(session, lambda: ran.append("sent"))

    assert ran == []
    session.commit()
    assert ran == ["sent"]


def test_releasing_a_savepoint_is_not_the_commit(session):
    ran = []
    with session.begin_nested():
        on_commit(session, lambda: ran.append("inner"))

    assert ran == []
    session.commit()
    assert ran == ["inner"]


def test_a_savepoint_rolled_back_drops_only_its_own_callbacks(session):
    ran = []
    on_commit(session, lambda: ran.append("before"))
    savepoint = session.begin_nested()
    on_commit(session, lambda: ran.append("undone"))
    savepoint.rollback()

    session.commit()
    assert ran == ["before"]


def test_a_rollback_drops_every_callback(session):
    ran = []
    on_commit(session, lambda: ran.append("before"))
    with session.begin_nested():
        on_commit(session, lambda: ran.append("inner"))

    session.rollback()
    session.commit()
    assert ran == []
