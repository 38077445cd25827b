"""SQLite write transactions queue on locks (api/database.py), those of one process on a thread lock
and those of several processes on a file lock: every writer gets in, none fails with "database is
locked", and the locks are let go however a transaction ends."""

import fcntl
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import text

from api.config import REPO_ROOT
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
    done, thread = _write_in_thread(sqlite_engine, "UPDATE counter SET n = n + 1")
    assert done.wait(10)  # another thread gets in at once (were the lock kept, it would wait 30 s)
    thread.join()


def _write_in_thread(engine, statement: str) -> tuple[threading.Event, threading.Thread]:
    """A write transaction in another thread of this process; the event is set once it has committed."""
    done = threading.Event()

    def write() -> None:
        with write_session(engine) as session:
            session.execute(text(statement))
            session.commit()
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return done, thread


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


# A writer in another process: bumps the counter `times` times, read then write; with `hold`, it
# stops inside its first transaction until a line arrives on stdin.
WRITER = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from api.database import make_engine, write_session
    engine = make_engine(sys.argv[1])
    times, hold = int(sys.argv[2]), sys.argv[3] == "hold"
    for i in range(times):
        with write_session(engine) as session:
            n = session.execute(text("SELECT n FROM counter")).one()[0]
            session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            if hold and i == 0:
                print("holding", flush=True)
                sys.stdin.readline()
            session.commit()
""")


def _writer_process(engine, times: int, hold: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(engine.url), str(times), "hold" if hold else "go"],
                            cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_a_writer_in_another_process_holds_the_file_lock_until_it_commits(sqlite_engine):
    child = _writer_process(sqlite_engine, 1, hold=True)
    try:
        assert child.stdout.readline() == "holding\n", child.stderr.read()
        with open(f"{sqlite_engine.url.database}-writer", "rb") as lock:
            with pytest.raises(BlockingIOError):
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            done, thread = _write_in_thread(sqlite_engine, "UPDATE counter SET n = n * 10")
            assert not done.wait(0.5)  # queued behind the other process's transaction
            child.communicate("commit\n", timeout=30)
            assert child.returncode == 0
            assert done.wait(10)
            thread.join()
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # let go by both
            fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        child.kill()
        child.wait()
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 10  # (0 + 1) * 10: in that order


def test_racing_writers_of_several_processes_all_succeed(sqlite_engine):
    children = [_writer_process(sqlite_engine, 40) for _ in range(3)]
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 120  # no lost update
