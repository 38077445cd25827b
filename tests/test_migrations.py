"""The real Alembic migrations go up, down and up again, and match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from api import migrate
from api.database import make_engine, metadata
from tests import dbutil


def test_upgrade_downgrade_upgrade(tmp_path):
    url = dbutil.create_database(tmp_path, "migrations")
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables

        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []

        migrate.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        migrate.upgrade(url)
        assert {t.name for t in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
        engine.dispose()
    finally:
        dbutil.drop_database(url)
