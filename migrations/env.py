from alembic import context
from sqlalchemy import text

import api.models  # noqa: F401  (registers every table)
from api.database import make_engine, metadata

config = context.config
# Several API replicas run `serve` (which migrates) at once; on PostgreSQL one waits for the other.
MIGRATION_LOCK_ID = 74_716_001


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        is_pg = connection.dialect.name == "postgresql"
        if is_pg:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
        if connection.dialect.name == "sqlite":
            # Batch migrations copy a table and drop the old one; with foreign keys enforced, dropping a
            # table other rows point at fails. Off for the migration (outside its transaction, as SQLite
            # requires: on the driver's connection, which SQLAlchemy would otherwise BEGIN first), and
            # the keys are checked once it is done.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=metadata,
                              render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
                if connection.dialect.name == "sqlite":
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            if is_pg:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `gridpatrol migrate`")
run_migrations_online()
