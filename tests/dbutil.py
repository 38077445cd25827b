"""Test databases: SQLite files by default; PostgreSQL when GRIDPATROL_TEST_DATABASE_URL names one.

Extra databases (migration tests, the browser tests' server) are created beside the main one.
"""

import os
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.database import normalize_url

MAIN_URL = normalize_url(os.environ.get("GRIDPATROL_TEST_DATABASE_URL", ""))
ENGINE_NAME = "postgresql" if MAIN_URL.startswith("postgresql") else "sqlite"


def _admin_engine():
    return create_engine(make_url(MAIN_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(directory: Path, name: str) -> str:
    """A new, empty database of the engine under test; returns its URL."""
    if ENGINE_NAME == "sqlite":
        return f"sqlite:///{directory / (name + '.db')}"
    db_name = f"gp_{name}_{uuid.uuid4().hex[:8]}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    engine.dispose()
    return make_url(MAIN_URL).set(database=db_name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if ENGINE_NAME == "sqlite":
        return
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


if __name__ == "__main__":
    # Used by test.sh: `python -m tests.dbutil create ADMIN_URL` prints a fresh database URL;
    # `python -m tests.dbutil drop URL` removes it.
    action, url = sys.argv[1], normalize_url(sys.argv[2])
    if action == "create":
        MAIN_URL, ENGINE_NAME = url, "postgresql"
        print(create_database(Path("."), "run"))
    else:
        MAIN_URL, ENGINE_NAME = url, "postgresql"
        drop_database(url)
