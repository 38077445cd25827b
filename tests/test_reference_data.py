"""The per-process copy of the county's reference data: reused while nothing changed, replaced as soon
as anything did, through the API, the config import (bulk statements) or plain ORM writes."""

from sqlalchemy import event, text
from sqlmodel import Session, delete

from api.catalog.models import Category
from api.driverstatements import DriverStatement
from api.reference_data import reference
from api.routing.models import RoutingRule
from tests.factories import login, photo_bytes, submit

# insp05's cell 330790001002001; 0506 人行道乱停车 goes to 综合执法局 (zhzf) by rule #2 of the demo.
LAT, LON = 28.9078, 120.0270


def _statements(engine):
    """Every statement run from now: through SQLAlchemy, and on the driver's connection (DriverStatement)."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    def record_driver(statement, session, params=None):
        cursor, dialect = run_driver(statement, session, params)
        seen.append(statement._for(dialect).sql)
        return cursor, dialect

    run_driver = DriverStatement._execute
    event.listen(engine, "before_cursor_execute", record)
    DriverStatement._execute = record_driver

    def stop():
        event.remove(engine, "before_cursor_execute", record)
        DriverStatement._execute = run_driver

    return seen, stop


def _assert_cached(engine):
    """Two sessions get the same copy: what follows tests a replacement, not a cache that is off."""
    with Session(engine) as one, Session(engine) as two:
        assert reference(one) is reference(two)


def test_a_second_session_reads_one_row_not_the_reference_tables(engine, county):
    with Session(engine) as session:
        first = reference(session)
    seen, stop = _statements(engine)
    try:
        with Session(engine) as session:
            second = reference(session)
            assert reference(session) is second  # once per session
    finally:
        stop()
    assert second is first
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "reference_version" in selects[0]


def test_an_orm_write_replaces_the_copy(engine, county):
    _assert_cached(engine)
    with Session(engine) as session:
        assert reference(session).categories["0506"].deadline_value == 2
    with Session(engine) as session:
        category = session.get(Category, "0506")
        category.deadline_value = 5
        session.add(category)
        session.flush()
        assert reference(session).categories["0506"].deadline_value == 5  # the writer sees its own change
        session.rollback()
    with Session(engine) as session:
        assert reference(session).categories["0506"].deadline_value == 2  # rolled back: the old copy holds
        session.get(Category, "0506").deadline_value = 5
        session.commit()
    with Session(engine) as session:
        assert reference(session).categories["0506"].deadline_value == 5


def test_an_unflushed_write_is_flushed_before_the_token_is_read(engine, county):
    """As a query through the ORM would: the session sees its own change, and a rollback of it leaves
    no copy behind that others would take for current."""
    _assert_cached(engine)
    with Session(engine) as session:
        session.get(Category, "0506").deadline_value = 5
        assert reference(session).categories["0506"].deadline_value == 5
        session.rollback()
    with Session(engine) as session:
        assert reference(session).categories["0506"].deadline_value == 2


def test_a_wiped_version_row_is_written_again(engine, county):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reference_version"))
    with Session(engine) as session:
        session.get(Category, "0506").name = "人行道违停"
        session.commit()
    with Session(engine) as session:
        assert reference(session).categories["0506"].name == "人行道违停"
        assert session.exec(text("SELECT count(*) FROM reference_version")).one()[0] == 1
    _assert_cached(engine)


def test_routing_follows_rules_edited_after_the_copy_was_made(client, inspector, engine):
    _, before = submit(client, inspector, [photo_bytes()], category="0506", lat=LAT, lon=LON)
    assert before["bureau_code"] == "zhzf"
    _assert_cached(engine)
    admin = login(client, "admin", "demo1234")
    created = client.post("/api/v1/routing/rules", headers=admin, json={
        "name": "人行道乱停车改由交警", "category_codes": ["0506"], "bureau_code": "jjdd", "position": 1})
    assert created.status_code == 201, created.text
    _, after = submit(client, inspector, [photo_bytes("gps_DSCN0012.jpg")], category="0506", lat=LAT, lon=LON)
    assert after["bureau_code"] == "jjdd" and "人行道乱停车改由交警" in after["routing"]["reason"]

    # The config import deletes every rule with one bulk statement, outside the flush.
    document = client.get("/api/v1/config/export", headers=admin).json()
    document["routing_rules"] = [r for r in document["routing_rules"] if r["name"] != "人行道乱停车改由交警"]
    assert client.post("/api/v1/config/import", headers=admin, json=document).status_code == 200
    _, again = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], category="0506", lat=LAT, lon=LON)
    assert again["bureau_code"] == "zhzf"


def test_a_bulk_statement_replaces_the_copy(engine, county):
    _assert_cached(engine)
    with Session(engine) as session:
        assert reference(session).rules
    with Session(engine) as session:
        session.exec(delete(RoutingRule))
        session.commit()
    with Session(engine) as session:
        assert reference(session).rules == []
