"""Plain SQL (api/plainsql.py) stores values exactly as SQLAlchemy's column types do, so that either
reads what the other wrote; it runs inside the session's transaction; a driver's error surfaces as
SQLAlchemy's."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.database import write_session
from api.photos.models import Photo
from api.plainsql import json_of, utc_of, uuid_of
from api.tickets.models import TicketEvent
from api.tickets.service import _INSERT_EVENT, _INSERT_PHOTO
from tests.factories import photo_bytes, submit

_EVENT = text("SELECT ticket_id, at, actor_id, actor_role, from_status, to_status, payload, action_id"
              " FROM ticket_events WHERE action = :action")


def _event(ticket_id: str, action: str, **values) -> dict:
    return {"ticket_id": uuid.UUID(ticket_id), "at": datetime.now(UTC), "actor_id": None, "actor_role": None,
            "action": action, "from_status": None, "to_status": None, "payload": {}, "action_id": None, **values}


def test_an_event_is_stored_as_sqlalchemy_stores_it(client, inspector, engine):
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    # Microseconds of zero, a zone other than UTC, unicode and nesting in the JSON: the cases a format could miss.
    values = {"at": datetime(2026, 12, 4, 22, 0, tzinfo=timezone(timedelta(hours=8))), "actor_role": "inspector",
              "to_status": "reported", "payload": {"原因": "占道经营", "ids": [1, 2], "none": None}}
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "by_plain_sql", action_id=uuid.uuid4(), **values))
        session.execute(insert(TicketEvent.__table__), _event(ticket_id, "by_sqlalchemy", action_id=uuid.uuid4(),
                                                              **values))
        session.commit()
    with engine.connect() as conn:  # the stored values as the driver returns them: text on SQLite
        plain = conn.execute(_EVENT, {"action": "by_plain_sql"}).one()
        orm = conn.execute(_EVENT, {"action": "by_sqlalchemy"}).one()
    assert plain[:-2] == orm[:-2]  # all but the JSON text's spacing and the action ids
    assert json_of(plain[-2]) == json_of(orm[-2]) == values["payload"]
    assert utc_of(plain[1]) == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert uuid_of(plain[0]) == uuid.UUID(ticket_id)
    # and the ORM reads it back as its own
    with Session(engine) as session:
        event = session.exec(select(TicketEvent).where(TicketEvent.action == "by_plain_sql")).one()
        assert (event.ticket_id, event.at, event.payload) == (uuid.UUID(ticket_id), values["at"], values["payload"])


def test_a_photo_row_is_stored_as_sqlalchemy_stores_it(client, inspector, engine):
    """Nullable JSON columns included: SQLAlchemy stores None there as JSON null, not SQL NULL."""
    ticket_id, ticket = submit(client, inspector, [photo_bytes()])
    first_photo = ticket["photos"][0]
    row = {"ticket_id": uuid.UUID(ticket_id), "kind": "after", "position": 3, "sha256": "ab" * 32,
           "content_type": "image/jpeg", "size": 1234, "uploaded_by": 1, "client_exif": None,
           "received_at": datetime.now(UTC), "width": None, "height": None, "exif": None, "analysed_at": None,
           "analysis_attempts": 0, "phash": None, "flags": []}
    with Session(engine) as session:
        row["uploaded_by"] = session.get(Photo, uuid.UUID(first_photo["id"])).uploaded_by
    plain_id, orm_id = uuid.uuid4(), uuid.uuid4()
    with write_session(engine) as session:
        _INSERT_PHOTO.run(session, {**row, "id": plain_id})
        session.execute(insert(Photo.__table__), {**row, "id": orm_id})
        session.commit()
    columns = ", ".join(c for c in row if c not in ("client_exif", "exif", "flags"))
    stored = text(f"SELECT {columns}, client_exif IS NULL, exif IS NULL, flags FROM photos WHERE id = :id"
                  ).bindparams(bindparam("id", type_=Photo.__table__.c.id.type))
    with engine.connect() as conn:
        plain = conn.execute(stored, {"id": plain_id}).one()
        orm = conn.execute(stored, {"id": orm_id}).one()
    assert plain[:-1] == orm[:-1]
    assert json_of(plain[-1]) == json_of(orm[-1]) == []


def test_a_driver_error_is_raised_as_sqlalchemys(client, inspector, engine):
    """Handlers catch sqlalchemy.exc.IntegrityError (a racing action_id, a taken photo id) whichever way
    the statement ran."""
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    action_id = uuid.uuid4()
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "first", action_id=action_id))
        with pytest.raises(IntegrityError):
            _INSERT_EVENT.run(session, _event(ticket_id, "again", action_id=action_id))
        session.rollback()


def test_plain_sql_runs_in_the_sessions_transaction(client, inspector, engine):
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "rolled_back"))
        assert session.execute(_EVENT, {"action": "rolled_back"}).first() is not None  # seen inside
        session.rollback()
    with engine.connect() as conn:
        assert conn.execute(_EVENT, {"action": "rolled_back"}).first() is None


def test_each_transaction_of_a_session_runs_its_own_statements(client, inspector, engine):
    """After a commit or a rollback, the next statement begins a transaction of its own."""
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "first"))
        session.commit()
        _INSERT_EVENT.run(session, _event(ticket_id, "second"))
        session.rollback()
        _INSERT_EVENT.run(session, _event(ticket_id, "third"))
        session.commit()
    with engine.connect() as conn:
        kept = {action for action, in conn.execute(text("SELECT action FROM ticket_events WHERE action IN"
                                                        " ('first', 'second', 'third')"))}
    assert kept == {"first", "third"}
