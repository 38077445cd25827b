"""The capture path's statements in plain SQL, run on the session's own driver connection.

SQLAlchemy's execution costs more CPU than the statement's own trip to the database: measured on
PostgreSQL, one lookup cost 360 µs through the ORM, 270 µs as a Core statement through the session,
and 115 µs straight on psycopg; a ticket's capture runs about fifteen. So the statements every
capture runs are written here in SQL and run on the session's connection, inside its transaction
(its BEGIN, which on SQLite takes the writer lock, and its COMMIT, through the session as before).

Values are stored as SQLAlchemy's column types store them, so the ORM reads back what these write:
on SQLite a UUID as 32 hex digits, a datetime as naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'; on
PostgreSQL the driver's own types. The JSON columns a statement names are stored as JSON, None as
JSON null, as SQLAlchemy's JSON type does. Results come back as the driver gives them: `uuid_of`,
`utc_of` and `json_of` read a column the same way on both engines. A driver's error is raised as
SQLAlchemy's (an IntegrityError is sqlalchemy.exc.IntegrityError), so handlers need not know which
way a statement ran.
"""

import json
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return _naive_utc(value).isoformat(sep=" ", timespec="microseconds")  # years zero-padded, as SQLAlchemy
    return value


def _postgresql_value(value: Any) -> Any:
    if isinstance(value, datetime):
        _naive_utc(value)  # refused alike on both engines
    return value


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None)


_ADAPT: dict[str, Callable[[Any], Any]] = {"sqlite": _sqlite_value, "postgresql": _postgresql_value}
_JSON: dict[str, Callable[[Any], Any]] = {"sqlite": json.dumps, "postgresql": Json}


class PlainSQL:
    """One statement with `:name` parameters; `postgresql` and `sqlite` give an engine its own text;
    `json_params` names the parameters stored in JSON columns."""

    def __init__(self, sql: str, *, postgresql: str | None = None, sqlite: str | None = None,
                 json_params: Iterable[str] = ()) -> None:
        self.sql = sql
        # psycopg's placeholders are %(name)s, so a literal % is written %%.
        self._text = {"postgresql": re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", (postgresql or sql).replace("%", "%%")),
                      "sqlite": sqlite or sql}
        self._json = frozenset(json_params)

    def run(self, session: Session, params: dict[str, Any] | None = None):
        """Execute in the session's transaction (begun if need be); returns the driver's cursor."""
        driver = session.connection().connection.dbapi_connection
        dialect = session.get_bind().dialect
        adapt, as_json = _ADAPT[dialect.name], _JSON[dialect.name]
        values = {k: as_json(v) if k in self._json else adapt(v) for k, v in (params or {}).items()}
        try:
            return driver.execute(self._text[dialect.name], values)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, values, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


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


def insert(table: Table, columns: list[str] | None = None, *, suffix: str = "") -> PlainSQL:
    """INSERT INTO table (columns, by default every one) VALUES (:column, …), then `suffix` (ON CONFLICT …)."""
    columns = columns or [c.name for c in table.columns]
    return PlainSQL(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
                    + (f" {suffix}" if suffix else ""),
                    json_params=[c for c in columns if isinstance(table.c[c].type, JSON)])
