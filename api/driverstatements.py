"""SQLAlchemy Core statements run on the session's own driver connection: the capture path's.

A capture runs about fifteen statements, and SQLAlchemy's execution of each (the session, the
connection's events, the result object) costs more CPU than the statement's own trip to the database
(docs/decisions/0001-driver-statements-on-the-capture-path.md). So each statement here is compiled once
per dialect and run on the session's driver connection, inside the session's transaction (its BEGIN,
which on SQLite takes the writer lock, and its COMMIT). Parameters and results pass through the bind
and result processors of the statement's own column types, as in SQLAlchemy's execution, so what these
statements store is what the ORM stores and what they read is what the ORM would read. A driver's error
is raised as SQLAlchemy's (an IntegrityError is sqlalchemy.exc.IntegrityError).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import class_mapper, make_transient_to_detached
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, SQLModel

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: bool
    # Per parameter: its name in the SQL, the key callers pass it by (None for a constant of the
    # statement), the constant's value, and the type's bind processor.
    params: tuple[tuple[str, str | None, Any, _Processor], ...]
    names: tuple[str, ...]  # the parameters' names in the SQL
    result_types: tuple[TypeEngine, ...]  # the selected columns' types, as the dialect implements them


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = dialect.statement_compiler(dialect, statement)  # statement.compile(dialect=…), typed as it is
    # What SQLAlchemy's execution would add per execution: column defaults computed in Python, IN lists
    # of a parameter (write `col.in_([literal(v), …])`).
    if compiled.insert_prefetch or compiled.update_prefetch or compiled.post_compile_params:
        raise ValueError(f"not for a statement on the driver connection: {compiled.string}")
    # In the order they appear in the SQL, which a positional dialect's compiler (only) lists.
    names = compiled.positiontup if compiled.positiontup is not None else list(compiled.bind_names.values())
    params = []
    for name in names:
        param = compiled.binds[name]
        processor = param.type.dialect_impl(dialect).bind_processor(dialect)
        params.append((name, param.key, None, processor) if param.required
                      else (name, None, param.effective_value, processor))
    types = tuple(c.type.dialect_impl(dialect) for c in getattr(statement, "selected_columns", ()))
    return _Compiled(compiled.string, dialect.positional, tuple(params), tuple(p[0] for p in params), types)


class DriverStatement:
    """A Core statement (or one per dialect: `postgresql=`, `sqlite=`) with `bindparam("name")`
    parameters, compiled on first use with each dialect."""

    def __init__(self, statement: ClauseElement | None = None, **by_dialect: ClauseElement) -> None:
        self._statements = by_dialect
        self._default = statement
        self._compiled: dict[str, _Compiled] = {}
        self._results: dict[str, tuple[_Processor, ...]] = {}  # dialect → each column's result processor

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            statement = self._statements.get(dialect.name, self._default)
            if statement is None:
                raise NotImplementedError(f"no statement for {dialect.name}")
            compiled = self._compiled[dialect.name] = _compile(statement, dialect)
        return compiled

    def _execute(self, session: Session, params: Mapping[str, Any] | None):
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._for(dialect)
        params = params or {}
        values = []
        for _, key, constant, processor in compiled.params:
            value = params[key] if key is not None else constant
            values.append(value if processor is None else processor(value))
        arguments = tuple(values) if compiled.positional else dict(zip(compiled.names, values, strict=True))
        driver = connection.connection.dbapi_connection
        assert driver is not None  # None only once the pool has it back, and the session's transaction holds it
        try:
            return driver.execute(compiled.sql, arguments), dialect
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(compiled.sql, arguments, exc, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from exc

    def run(self, session: Session, params: Mapping[str, Any] | None = None):
        """Execute in the session's transaction (begun if need be); returns the driver's cursor."""
        return self._execute(session, params)[0]

    def _processors(self, dialect: Dialect, cursor) -> tuple[_Processor, ...]:
        """As SQLAlchemy does, from the first result's description: some processors depend on the type
        the database reports (PostgreSQL's numeric or float)."""
        processors = self._results.get(dialect.name)
        if processors is None:
            types = self._for(dialect).result_types
            processors = self._results[dialect.name] = tuple(
                t.result_processor(dialect, column[1]) for t, column in zip(types, cursor.description, strict=True))
        return processors

    def first(self, session: Session, params: Mapping[str, Any] | None = None) -> tuple | None:
        """The first row's values, converted as SQLAlchemy converts them, or None."""
        cursor, dialect = self._execute(session, params)
        row = cursor.fetchone()
        return None if row is None else _convert(self._processors(dialect, cursor), row)

    def all(self, session: Session, params: Mapping[str, Any] | None = None) -> list[tuple]:
        cursor, dialect = self._execute(session, params)
        processors = self._processors(dialect, cursor)
        return [_convert(processors, row) for row in cursor.fetchall()]


def _convert(processors: tuple[_Processor, ...], row: Sequence[Any]) -> tuple:
    return tuple(value if p is None or value is None else p(value) for p, value in zip(processors, row, strict=True))


def values_of(table: Table, columns: Sequence[str] | None = None, *, into: Callable[[Table], Insert] = insert):
    """`into(table)` (an INSERT; a dialect's own for its ON CONFLICT) of `columns`, by default all, each
    a parameter of its own name."""
    return into(table).values({c: bindparam(c) for c in columns or [c.name for c in table.columns]})


M = TypeVar("M", bound=SQLModel)


def detached(model: type[M], values: Mapping[str, Any]) -> M:
    """A row these statements read or wrote, as the ORM loads it (the model's class, built without its
    constructor, its values as committed), detached: in no session, like an object whose session has
    closed. Columns not in `values` are unloaded, and reading one raises rather than answer None."""
    # Configured first, as a query or a constructor would (the first request may come here first).
    mapper = class_mapper(model)
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    return instance
