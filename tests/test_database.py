"""SQLite write transactions of one process queue on a lock (api/database.py): every writer gets in,
none fails with "database is locked", and the lock is let go however a transaction ends."""

import threading

import pytest
from sqlalchemy import text

from api.database import make_engine, write_session
from tests import dbutil

pytestmark = pytest.mark.skipif(dbutil.ENGINE_NAME != "sqlite", reason="the writer lock is SQLite's")


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("ending", ["commit", "rollback", "close", "error"])
def test_the_lock_is_released_however_the_transaction_ends(sqlite_engine, ending):
    session = write_session(sqlite_engine)
    try:
        session.execute(text("UPDATE counter SET n = n + 1"))
        if ending == "commit":
            session.commit()
        elif ending == "rollback":
            session.rollback()
        elif ending == "error":
            with pytest.raises(Exception, match="no such table"):
                session.execute(text("UPDATE missing SET n = 1"))
    finally:
        session.close()
    done = threading.Event()

    def write() -> None:  # another thread gets in at once (were the lock kept, it would wait 30 s)
        with write_session(sqlite_engine) as other:
            other.execute(text("UPDATE counter SET n = n + 1"))
            other.commit()
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert done.wait(10)
    thread.join()


def test_racing_read_then_write_transactions_all_succeed(sqlite_engine):
    errors = []

    def bump(times: int) -> None:
        try:
            for _ in range(times):
                with write_session(sqlite_engine) as session:
                    n = session.execute(text("SELECT n FROM counter")).one()[0]
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                    session.commit()
        except Exception as exc:  # collected: an assertion in a thread would go unseen
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)  # a lock left held would make each writer wait 30 s
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 200  # no lost update
