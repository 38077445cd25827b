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


def test_0010_and_0011_fill_in_photos_already_stored(tmp_path):
    """A county upgrading with photos on file: their hash bytes are filed (0010) and, analysed at upload
    before 0011, they count as analysed then."""
    from sqlalchemy import text
    from sqlmodel import Session

    from api.config import Settings
    from api.county import demo
    from api.county.demo_history import load_history
    from api.photos.service import hash_bands

    url = dbutil.create_database(tmp_path, "backfill")
    engine = make_engine(url)
    try:
        migrate.upgrade(url)
        settings = Settings(data_dir=tmp_path / "data", database_url=url, secret_key="t" * 40)
        with Session(engine) as session:
            demo.load(session)
            load_history(session, settings, count=12)
            session.commit()
        migrate.downgrade(url, "0009")  # as a database made before 0010 would be
        migrate.upgrade(url)
        with engine.connect() as conn:
            photos = conn.execute(text("SELECT id, phash FROM photos WHERE phash IS NOT NULL")).all()
            bands = conn.execute(text("SELECT photo_id, band, value FROM photo_hash_bands")).all()
        assert len(photos) >= 12
        expected = {(str(photo_id), band, value) for photo_id, phash in photos for band, value in hash_bands(phash)}
        assert {(str(photo_id), band, value) for photo_id, band, value in bands} == expected
        with engine.connect() as conn:
            unanalysed = conn.execute(text("SELECT count(*) FROM photos WHERE received_at IS NOT NULL"
                                           " AND (analysed_at IS NULL OR analysed_at != received_at)")).scalar()
        assert unanalysed == 0
    finally:
        engine.dispose()
        dbutil.drop_database(url)
