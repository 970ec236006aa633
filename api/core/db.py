"""SQLAlchemy 2 base, column types, and the session that lives for one app context.

The session factory reads its bind from the current app, so one process can hold several apps
(tests do) and job threads get their own session inside their own app context.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import DateTime, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, SessionTransaction, mapped_column, scoped_session
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone, so add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DatabaseState:
    """What one app holds: its engine, and what sessions bind to (tests swap in a connection)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bind: Engine | Connection = engine
        self.join_transaction_mode: Any = "conditional_savepoint"


def _app_context_id() -> int:
    # Outside an app context (scripts, threads not yet in one) fall back to one session per thread.
    if app_ctx:
        return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
    import threading

    return threading.get_ident()


class Database:
    """The unbound extension: `db.session` is a session scoped to the current app context."""

    def __init__(self) -> None:
        # scoped_session takes any callable that returns a Session, not only a sessionmaker.
        factory: Any = self._create_session
        self.session: scoped_session[Session] = scoped_session(factory, scopefunc=_app_context_id)

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        engine = make_engine(
            url,
            echo=app.config.get("SQL_ECHO", False),
            pool_size=app.config["DATABASE_POOL_SIZE"],
            busy_timeout=app.config["SQLITE_BUSY_TIMEOUT_SECONDS"],
        )
        app.extensions["database"] = DatabaseState(engine)
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, _exc: BaseException | None) -> None:
        self.session.remove()

    @staticmethod
    def state(app: Flask | None = None) -> DatabaseState:
        state: DatabaseState = (app or current_app).extensions["database"]
        return state

    def _create_session(self) -> Session:
        state = self.state()
        return Session(
            bind=state.bind,
            expire_on_commit=False,
            join_transaction_mode=state.join_transaction_mode,
        )

    @property
    def engine(self) -> Engine:
        return self.state().engine


def normalize_database_url(url: str) -> str:
    """Pin PostgreSQL to psycopg2 (SQLAlchemy 2.1 would pick psycopg 3) and accept postgres://."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def make_engine(url: str, echo: bool = False, pool_size: int = 5, busy_timeout: float = 5.0) -> Engine:
    """An engine for `url`; on SQLite, `busy_timeout` is how many seconds a transaction waits for
    the write lock before it fails with "database is locked" (which answers 503)."""
    url = normalize_database_url(url)
    options: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        # pysqlite hands `timeout` to sqlite3_busy_timeout().
        options["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        if url in ("sqlite://", "sqlite:///:memory:"):
            options["poolclass"] = StaticPool
    else:
        options["pool_pre_ping"] = True
        options["pool_size"] = pool_size
    engine = create_engine(url, **options)
    event.listen(engine, "before_cursor_execute", _refuse_writes_when_read_only)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# Set while the code that runs may only read: the request layer sets it for GET, HEAD and OPTIONS
# and for handlers marked `read_only`. Each thread starts without it (threads do not inherit
# context variables), so job threads and CLI commands always begin transactions that may write.
_read_only: ContextVar[bool] = ContextVar("read_only", default=False)


class ReadOnlyTransactionError(RuntimeError):
    """Code running as read-only (a GET handler, a `read_only` one) tried to write: a bug."""


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Transactions begun inside this block only read: on SQLite they take no write lock, and an
    INSERT, UPDATE or DELETE in them raises ReadOnlyTransactionError on every backend."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def _refuse_writes_when_read_only(
    _connection: Connection, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    # Checked on every backend, and inside the test suite's savepoints too, so a GET that writes
    # fails its tests rather than only SQLite in production (where the deferred transaction below
    # could not take the write lock it would then need).
    if (
        _read_only.get()
        and context is not None
        and (context.isinsert or context.isupdate or context.isdelete)
    ):
        verb = statement.split(None, 1)[0]
        raise ReadOnlyTransactionError(
            f"{verb} in a read-only transaction (a GET, HEAD or OPTIONS request, or a read_only handler)"
        )


def _sqlite_begin(connection: Connection) -> None:
    # A transaction that may write takes the write lock up front with IMMEDIATE, waiting under the
    # busy timeout. A deferred BEGIN that reads and then writes fails at once ("database is
    # locked") when another connection - a job thread, the mail outbox - committed in between:
    # SQLite cannot upgrade a stale read snapshot. So every writing transaction is short, and none
    # is held open while waiting on the network.
    # A read-only transaction begins deferred: in WAL mode it reads a snapshot while a writer
    # writes, so readers never queue behind each other or behind a writer.
    connection.exec_driver_sql("BEGIN" if _read_only.get() else "BEGIN IMMEDIATE")


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's outermost transaction commits; drop it if the
    transaction (or the SAVEPOINT it was registered in) rolls back."""
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault("on_commit", []).append((owner, callback))


@event.listens_for(Session, "after_commit")
def _run_on_commit_callbacks(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT (begin_nested) is released; the work is
    # not durable until the outermost transaction commits, so callbacks wait for that one.
    if session.get_nested_transaction() is not None:
        return
    for _, callback in session.info.pop("on_commit", []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_commit_callbacks(session: Session, rolled_back: SessionTransaction) -> None:
    """Forget the callbacks of work that was undone: that of `rolled_back` and the SAVEPOINTs in it."""
    pending = session.info.get("on_commit")
    if not pending:
        return
    session.info["on_commit"] = [
        (owner, callback) for owner, callback in pending if not _inside(owner, rolled_back)
    ]


def _inside(owner: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    if rolled_back.parent is None:
        return True  # the whole transaction
    transaction = owner
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


def rows_changed(result: Any) -> int:
    """How many rows an UPDATE or DELETE changed (typed Result objects do not declare rowcount)."""
    return int(result.rowcount)
