"""The capture path's statements on the driver connection (api/driverstatements.py): the ORM reads back
what they write and they read what the ORM wrote, on either engine; they run inside the session's
transaction; a driver's error surfaces as SQLAlchemy's; the rows they return are the models' own."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import DetachedInstanceError
from sqlmodel import Session, select

from api.accounts.models import User
from api.database import write_session
from api.tickets.models import Photo
from api.photos.service import find_declared_photo
from api.tickets.models import Ticket, TicketEvent
from api.tickets.service import _INSERT_EVENT, _INSERT_PHOTO, _photo_row
from tests.factories import photo_bytes, submit


def _event(ticket_id: str, action: str, **values) -> dict:
    return {"ticket_id": uuid.UUID(ticket_id), "at": datetime.now(UTC), "actor_id": None, "actor_role": None,
            "action": action, "from_status": None, "to_status": None, "payload": {}, "action_id": None, **values}


def _actions(engine, *actions: str) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(TicketEvent.action).where(TicketEvent.action.in_(actions))).all())


def test_the_orm_reads_back_an_event_as_written(client, inspector, engine):
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    # A zone other than UTC, unicode and nesting in the JSON, an id type of its own per engine.
    at = datetime(2026, 12, 4, 22, 0, tzinfo=timezone(timedelta(hours=8)))
    payload, action_id = {"原因": "占道经营", "ids": [1, 2], "none": None}, uuid.uuid4()
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "by_driver", at=at, payload=payload, action_id=action_id))
        session.commit()
    with Session(engine) as session:
        event = session.exec(select(TicketEvent).where(TicketEvent.action == "by_driver")).one()
    assert (event.ticket_id, event.at, event.payload, event.action_id) == (uuid.UUID(ticket_id), at, payload, action_id)
    assert event.at.tzinfo == UTC


def test_the_orm_reads_back_a_photo_with_empty_json_columns(client, inspector, engine):
    ticket_id, ticket = submit(client, inspector, [photo_bytes()])
    with Session(engine) as session:
        uploaded_by = session.get(Photo, uuid.UUID(ticket["photos"][0]["id"])).uploaded_by
    photo_id = uuid.uuid4()
    with write_session(engine) as session:
        _INSERT_PHOTO.run(session, _photo_row(id=photo_id, ticket_id=uuid.UUID(ticket_id), kind="after", position=3,
                                              sha256="ab" * 32, content_type="image/jpeg", size=1234,
                                              uploaded_by=uploaded_by, client_exif=None))
        session.commit()
    with Session(engine) as session:
        photo = session.get(Photo, photo_id)
        # JSON null, as the ORM stores None: a query for SQL NULL must not find it either way round.
        assert (photo.client_exif, photo.exif, photo.flags, photo.received_at) == (None, None, [], None)
        assert session.exec(select(Photo.id).where(Photo.id == photo_id, Photo.ticket_id == uuid.UUID(ticket_id),
                                                   Photo.kind == "after")).one() == photo_id


def test_the_capture_path_reads_the_rows_the_orm_wrote_as_its_models(client, inspector, engine):
    ticket_id, ticket = submit(client, inspector, [photo_bytes(), photo_bytes("Canon_40D.jpg")])
    photo_id = uuid.UUID(ticket["photos"][0]["id"])
    with Session(engine) as session:
        stored = session.get(Ticket, uuid.UUID(ticket_id))
        author = session.get(User, stored.author_id)
        stored_photo = session.get(Photo, photo_id)
    with write_session(engine) as session:
        found, photo = find_declared_photo(session, author, uuid.UUID(ticket_id), photo_id)
        session.rollback()
    assert isinstance(found, Ticket) and isinstance(photo, Photo)
    assert (found.id, found.captured_at, found.created_at, found.lat, found.status) == (
        stored.id, stored.captured_at, stored.created_at, stored.lat, stored.status)
    assert found.captured_at.tzinfo == UTC
    assert (photo.sha256, photo.size, photo.received_at, photo.client_exif) == (
        stored_photo.sha256, stored_photo.size, stored_photo.received_at, stored_photo.client_exif)
    with pytest.raises(DetachedInstanceError):  # a column the statement did not read is not made up
        found.routing_reason


def test_a_detached_row_changed_and_added_to_a_session_is_updated_not_inserted(client, inspector, engine):
    ticket_id, ticket = submit(client, inspector, [photo_bytes(), photo_bytes("Canon_40D.jpg")])
    photo_id = uuid.UUID(ticket["photos"][0]["id"])
    with Session(engine) as session:
        author = session.get(User, session.get(Ticket, uuid.UUID(ticket_id)).author_id)
    with write_session(engine) as session:
        _, photo = find_declared_photo(session, author, uuid.UUID(ticket_id), photo_id)
        photo.size = 4321
        session.add(photo)
        session.commit()
    with Session(engine) as session:
        assert session.get(Photo, photo_id).size == 4321


def test_a_driver_error_is_raised_as_sqlalchemys(client, inspector, engine):
    """Handlers catch sqlalchemy.exc.IntegrityError (a racing action_id, a taken photo id)."""
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    action_id = uuid.uuid4()
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "first", action_id=action_id))
        with pytest.raises(IntegrityError):
            _INSERT_EVENT.run(session, _event(ticket_id, "again", action_id=action_id))
        session.rollback()


def test_statements_run_in_the_sessions_transaction(client, inspector, engine):
    ticket_id, _ = submit(client, inspector, [photo_bytes()])
    with write_session(engine) as session:
        _INSERT_EVENT.run(session, _event(ticket_id, "rolled_back"))
        seen = session.execute(core_select(TicketEvent.action).where(TicketEvent.action == "rolled_back")).first()
        assert seen is not None  # seen inside
        session.rollback()
    assert _actions(engine, "rolled_back") == set()


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
    assert _actions(engine, "first", "second", "third") == {"first", "third"}
