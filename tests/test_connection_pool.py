"""PostgreSQL connections that sat idle are pinged before use and replaced when the server cut them
(api/database.py); busy ones are not pinged; a burst's connections are kept for the next; read
sessions keep their connection's prepared statements; the connection returned last goes out first."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from api import database
from tests import dbutil

pytestmark = pytest.mark.skipif(dbutil.ENGINE_NAME != "postgresql", reason="PostgreSQL's pool")


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _cut(database_url: str, pid: int) -> None:
    """What a server restart does to one connection, from outside the pool."""
    admin = create_engine(database.normalize_url(database_url))
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        admin.dispose()


@pytest.fixture
def cut_connection(database_url):
    """A pool whose one connection the server has cut while it sat in the pool: (engine, its pid)."""
    engine = database.make_engine(database_url)
    first = _backend_pid(engine)
    _cut(database_url, first)
    yield engine, first
    engine.dispose()


def test_an_idle_connection_that_was_cut_is_replaced_before_use(cut_connection, monkeypatch):
    engine, first = cut_connection
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # as if it had sat idle for a while
    assert _backend_pid(engine) != first  # the ping found it dead and the pool opened a new one: no error


def test_a_connection_in_recent_use_is_not_pinged(cut_connection, monkeypatch):
    engine, first = cut_connection
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 3600.0)
    with pytest.raises(OperationalError):  # the trade-off: one request fails...
        _backend_pid(engine)
    assert _backend_pid(engine) != first  # ...and the pool has replaced the connection


def test_twenty_connections_at_once_are_kept_between_bursts(database_url):
    """Beyond what the pool keeps, each connection is closed when it is returned: under load that was a
    new server process every few requests."""
    engine = database.make_engine(database_url)

    def burst() -> set[int]:
        connections = [engine.connect() for _ in range(20)]
        try:
            return {conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in connections}
        finally:
            for conn in connections:
                conn.close()

    try:
        assert burst() == burst()
    finally:
        engine.dispose()


def test_the_connection_returned_last_goes_out_first(database_url):
    """Work stays on the server processes it has just used, warm, instead of going round the pool."""
    engine = database.make_engine(database_url)
    try:
        connections = [engine.connect() for _ in range(3)]
        pids = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in connections]
        for conn in connections:
            conn.close()
        for _ in range(3):
            assert _backend_pid(engine) == pids[-1]
    finally:
        engine.dispose()


def test_statements_of_read_sessions_stay_prepared(database_url):
    """psycopg prepares a statement once a connection has run it 5 times, and drops all of them on every
    ROLLBACK: read sessions end with COMMIT instead, so what every request reads (its token, above
    all) is parsed and planned once per connection, not each time."""
    engine = database.make_engine(database_url)
    statement = text("SELECT :n + 1")
    try:
        for n in range(8):
            with database.read_session(engine) as session:
                assert session.execute(statement, {"n": n}).scalar_one() == n + 1
        with database.read_session(engine) as session:
            prepared = session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        assert "SELECT $1 + 1" in prepared
    finally:
        engine.dispose()


def test_a_connection_back_from_a_read_session_runs_transactions_again(database_url):
    """Read sessions run in autocommit; the connection they return must not take that to the next
    session, whose statements would then each commit on their own."""
    engine = database.make_engine(database_url)
    xact = text("SELECT pg_current_xact_id_if_assigned()")
    try:
        with database.read_session(engine) as session:
            session.execute(text("SELECT pg_current_xact_id()"))  # assigns an id, ends with the statement
            assert session.execute(xact).scalar_one() is None
        with database.write_session(engine) as session:
            assigned = session.execute(text("SELECT pg_current_xact_id()")).scalar_one()
            assert session.execute(xact).scalar_one() == assigned  # the same transaction
    finally:
        engine.dispose()
