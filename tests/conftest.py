import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from api import migrate
from api.config import Settings
from api.county import demo
from api.database import make_engine, metadata
from api.main import create_app
from tests import dbutil
from tests.factories import login


def pytest_report_header(config):
    return f"gridpatrol database engine: {dbutil.ENGINE_NAME}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if dbutil.ENGINE_NAME == "postgresql":
        url = dbutil.MAIN_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrate.upgrade(url)  # the real migrations, not create_all
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Each test starts from empty tables (the schema stays migrated)."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("engine")
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key="t" * 40,
                    pwa_dir=tmp_path / "no-pwa")


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings, engine):
    app = create_app(settings, engine)
    yield app
    # The app's shutdown leaves a running analysis to finish on its own; wait for it here, or its open
    # transaction and the next test's TRUNCATE can deadlock on PostgreSQL.
    app.state.analysis_pool.shutdown(wait=True)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def county(db):
    """The demo county: 34 cells, bureaus, rules; insp05 patrols 330790001002001."""
    demo.load(db)
    db.commit()


@pytest.fixture
def inspector(client, county):
    return login(client, "insp05", "demo1234")
