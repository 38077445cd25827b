"""The capture path's statements in plain SQL, run on the session's own driver connection.

SQLAlchemy's execution costs more CPU than the statement's own trip to the database: measured on
PostgreSQL, one lookup cost 360 µs through the ORM, 270 µs as a Core statement through the session,
and 115 µs straight on psycopg; a ticket's capture runs about fifteen. So the statements every
capture runs are written here in SQL and run on the session's connection, inside its transaction
(its BEGIN, which on SQLite takes the writer lock, and its COMMIT, through the session as before).

Values are stored as SQLAlchemy's column types store them, so the ORM reads back what these write:
on SQLite a UUID as 32 hex digits, a datetime as naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' and JSON
as text; on PostgreSQL the driver's own types, JSON wrapped. Results come back as the driver gives
them: `uuid_of`, `utc_of` and `json_of` read a column the same way on both engines.
"""

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Json
from sqlmodel import Session


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _postgresql_value(value: Any) -> Any:
    return Json(value) if isinstance(value, dict | list) else value


_ADAPT = {"sqlite": _sqlite_value, "postgresql": _postgresql_value}


class PlainSQL:
    """One statement with `:name` parameters; `postgresql` and `sqlite` give an engine its own text."""

    def __init__(self, sql: str, *, postgresql: str | None = None, sqlite: str | None = None) -> None:
        self.sql = sql
        self._text = {"postgresql": re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", postgresql or sql),
                      "sqlite": sqlite or sql}

    def run(self, session: Session, params: dict[str, Any] | None = None):
        """Execute in the session's transaction (begun if need be); returns the driver's cursor."""
        driver = session.connection().connection.dbapi_connection
        dialect = session.get_bind().dialect.name
        adapt = _ADAPT[dialect]
        return driver.execute(self._text[dialect], {k: adapt(v) for k, v in (params or {}).items()})


def uuid_of(value: Any) -> uuid.UUID | None:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(value)


def utc_of(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_of(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def insert(table: str, columns: list[str], *, suffix: str = "") -> PlainSQL:
    """INSERT INTO table (columns) VALUES (:column, …), then `suffix` (ON CONFLICT …)."""
    return PlainSQL(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
                    + (f" {suffix}" if suffix else ""))
