"""Plain SQL (api/plainsql.py) stores values exactly as SQLAlchemy's column types do, so that either
reads what the other wrote, and it runs inside the session's transaction."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, text
from sqlmodel import Session, select

from api.database import write_session
from api.plainsql import PlainSQL, json_of, utc_of, uuid_of
from api.tickets.models import TicketEvent
from tests.factories import photo_bytes, submit

_INSERT = PlainSQL("INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, action, from_status, to_status,"
                   " payload, action_id) VALUES (:ticket_id, :at, :actor_id, :actor_role, :action, :from_status,"
                   " :to_status, :payload, :action_id)")
_STORED = text("SELECT ticket_id, at, actor_id, actor_role, from_status, to_status, payload, action_id"
               " FROM ticket_events WHERE action = :action")


def test_plain_sql_stores_what_sqlalchemy_stores(client, inspector, engine):
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    # Microseconds of zero, a zone other than UTC, unicode and nesting in the JSON: the cases a format could miss.
    values = {"ticket_id": uuid.UUID(ticket_id),
              "at": datetime(2026, 12, 4, 22, 0, tzinfo=timezone(timedelta(hours=8))),
              "actor_id": None, "actor_role": "inspector", "from_status": None, "to_status": "reported",
              "payload": {"原因": "占道经营", "ids": [1, 2], "none": None}}
    with write_session(engine) as session:
        _INSERT.run(session, {**values, "action": "by_plain_sql", "action_id": uuid.uuid4()})
        session.execute(insert(TicketEvent.__table__), {**values, "action": "by_sqlalchemy",
                                                         "action_id": uuid.uuid4()})
        session.commit()
    with engine.connect() as conn:  # the stored values as the driver returns them: text on SQLite
        plain = conn.execute(_STORED, {"action": "by_plain_sql"}).one()
        orm = conn.execute(_STORED, {"action": "by_sqlalchemy"}).one()
    assert plain[:-2] == orm[:-2]  # all but the JSON text's spacing and the action ids
    assert json_of(plain[-2]) == json_of(orm[-2]) == values["payload"]
    assert utc_of(plain[1]) == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert uuid_of(plain[0]) == uuid.UUID(ticket_id)
    # and the ORM reads it back as its own
    with Session(engine) as session:
        event = session.exec(select(TicketEvent).where(TicketEvent.action == "by_plain_sql")).one()
        assert (event.ticket_id, event.at, event.payload) == (uuid.UUID(ticket_id), values["at"], values["payload"])


def test_plain_sql_runs_in_the_sessions_transaction(client, inspector, engine):
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    row = {"ticket_id": uuid.UUID(ticket_id), "at": datetime.now(UTC), "actor_id": None, "actor_role": None,
           "action": "rolled_back", "from_status": None, "to_status": None, "payload": {}, "action_id": None}
    with write_session(engine) as session:
        _INSERT.run(session, row)
        assert session.execute(_STORED, {"action": "rolled_back"}).first() is not None  # seen inside
        session.rollback()
    with engine.connect() as conn:
        assert conn.execute(_STORED, {"action": "rolled_back"}).first() is None



def test_each_transaction_of_a_session_runs_its_own_statements(client, inspector, engine):
    """The driver connection is kept per transaction: after a commit the next statement begins anew."""
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    row = {"ticket_id": uuid.UUID(ticket_id), "at": datetime.now(UTC), "actor_id": None, "actor_role": None,
           "from_status": None, "to_status": None, "payload": {}, "action_id": None}
    with write_session(engine) as session:
        _INSERT.run(session, {**row, "action": "first"})
        session.commit()
        _INSERT.run(session, {**row, "action": "second"})
        session.rollback()
        _INSERT.run(session, {**row, "action": "third"})
        session.commit()
    with engine.connect() as conn:
        kept = {action for action, in conn.execute(text("SELECT action FROM ticket_events WHERE action IN"
                                                        " ('first', 'second', 'third')"))}
    assert kept == {"first", "third"}
