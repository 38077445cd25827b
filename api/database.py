"""Engine, metadata conventions, the session dependency and shared column types."""

import contextlib
import fcntl
import math
import os
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Table, for statements in SQLAlchemy Core."""
    return model.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models but does not declare it


def stored_id(row_id: int | None) -> int:
    """The id of a row that is in the database (read, or flushed): the models type it Optional for the moment
    between constructing a row and flushing it, when the database has not yet given it one."""
    if row_id is None:
        raise ValueError("the row has no id: it was never flushed")
    return row_id


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC; SQLite keeps no zone, so we normalise on the way in and out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy would pick psycopg2, which we do not ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


WRITER_WAIT_S = 30
PING_AFTER_IDLE_S = 5.0


def _writer_lock_file(engine: Engine) -> int | None:
    """A file beside the database whose flock() the writers of every process take in turn (none for an
    in-memory database, which no other process can open)."""
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    weakref.finalize(engine, os.close, fd)
    return fd


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # We issue BEGIN ourselves (below); pysqlite's own transaction handling breaks SAVEPOINTs.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # 256 KB of pages per connection, not SQLite's 2 MB: a process keeps up to 40 connections,
            # and each one's cache is emptied whenever another connection has written (under a load
            # of uploads, every transaction), so a large one held memory and little else.
            cursor.execute("PRAGMA cache_size=-256")
            cursor.close()

        # SQLite lets one writer in at a time and makes the others poll with growing sleeps (up to
        # 100 ms each), which under load left some requests waiting seconds. Writers queue on locks
        # instead and are woken the moment the previous one commits: the writers of this process on a
        # thread lock, then the one holding it on a file lock shared by every process (serve
        # --workers N, the worker, the CLI). SQLite's own lock (busy_timeout) stays the last word.
        writers = threading.Lock()
        lock_file = _writer_lock_file(engine)

        def _release(info) -> None:
            if info.pop("holds_writer_lock", False):
                if lock_file is not None:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
                writers.release()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # Write transactions (see write_session) take the lock up front: two deferred ones that
            # both read and then write would make one fail at once with "database is locked".
            if not conn.get_execution_options().get("sqlite_immediate"):
                conn.exec_driver_sql("BEGIN")
                return
            if writers.acquire(timeout=WRITER_WAIT_S):  # on timeout, fall back to SQLite's busy wait
                conn.info["holds_writer_lock"] = True
            try:
                if conn.info.get("holds_writer_lock") and lock_file is not None:
                    # No timeout: the holder is in a transaction SQLite's lock would make us wait for
                    # anyway, and the file lock goes when that ends or its process dies.
                    fcntl.flock(lock_file, fcntl.LOCK_EX)
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn.info)
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _end(conn):
            _release(conn.info)

        @event.listens_for(engine.pool, "checkin")
        def _checkin(_dbapi_connection, record):
            _release(record.info)  # a connection returned without commit or rollback

        return engine
    # The pool keeps up to 20 connections: beyond pool_size each one is closed when it is returned, and
    # under load that was a new PostgreSQL backend every few requests (with 10: 120 in 15 s of the
    # ingest bench, a sixth of its throughput). At most 30 a process (docker-compose.yml sizes
    # max_connections for that). The most recently returned connection goes out first, so the work
    # stays on as few server processes as it needs, warm (their prepared statements, caches), rather
    # than going round all 20: 4 % less PostgreSQL CPU per ticket in the ingest bench.
    engine = create_engine(url, pool_size=20, max_overflow=10, pool_use_lifo=True)

    # A connection that sat idle may have been cut (server restart, failover, a firewall's timeout):
    # ping it before use, and let the pool replace it if it is gone. Not on every checkout, as
    # pool_pre_ping would: under load connections are never idle, and the pings were ~6 % of the CPU
    # of a capture. A connection that dies while busy fails its request once, and the pool then
    # replaces every connection older than the failure.
    @event.listens_for(engine.pool, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", math.inf) < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError() from exc  # the pool retries with a new connection
            raise

    return engine


def write_session(engine: Engine) -> Session:
    """A session for read-then-write work that may race (idempotent PUTs): on SQLite it holds the
    write lock from BEGIN, so racers queue instead of failing; PostgreSQL ignores the option."""
    return Session(engine.execution_options(sqlite_immediate=True), expire_on_commit=False)


@contextlib.contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session that only reads. On PostgreSQL it runs outside any transaction (autocommit): no BEGIN
    and COMMIT round trips, and no ROLLBACK, on which psycopg drops all of a connection's prepared
    statements (under a load of uploads, whose authentication had ended that way, nothing stayed
    prepared and PostgreSQL parsed and planned every statement anew). Each statement then reads its own
    snapshot, which a lookup or two does not mind. On SQLite, a transaction ended by COMMIT."""
    if engine.dialect.name == "postgresql":
        with Session(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False) as session:
            yield session
        return
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.commit()


@contextlib.contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session whose work is committed when the block ends, or rolled back if it raises. With the request's
    session (get_session, which is built on it) the only place that commits: for the writes that stand apart
    from a request's transaction (a login attempt, a token's last use, an analysis, the worker's batches, the
    command line). `write` takes SQLite's write lock at BEGIN (write_session)."""
    with write_session(engine) if write else Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """The one owner of a request's transaction: handlers and services flush, this commits or rolls back.
    Requests that may write (anything but GET/HEAD) use a write session, so on SQLite they queue for
    the lock at BEGIN rather than fail when another request wrote in between their read and write."""
    with transaction(request.app.state.engine, write=request.method not in ("GET", "HEAD", "OPTIONS")) as session:
        yield session


# scope="function": commit before the response is sent, so a 2xx always means "stored".
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
