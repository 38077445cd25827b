"""A capture time from before the plausible window (api/inputs.py), stored by a build that took it, does not
break what reads it: on SQLite the capture path wrote a year before 1000 unpadded, which no read parsed, so
the ticket, its events, its photo upload and its author's list (the phone's sync) answered 500 for good.
Migration 0015 pads such years."""

import uuid
from datetime import UTC, datetime

from sqlmodel import select

from api import migrate
from api.accounts.models import User
from api.tickets import service
from api.tickets.models import PhotoDeclaration, TicketCapture
from tests.factories import capture_body, photo_bytes

LAT, LON = 28.9078, 120.0270


def test_a_ticket_captured_in_the_year_999_reads_again(client, inspector, db, settings, database_url):
    data = photo_bytes()
    fields = TicketCapture.model_validate(capture_body([data], lat=LAT, lon=LON)).model_dump()
    long_ago = datetime(999, 6, 1, tzinfo=UTC)
    # As a build without the window stored it: the same capture path, the body as it was accepted then.
    body = TicketCapture.model_construct(**{**fields, "located_at": long_ago, "captured_at": long_ago,
                                            "photos": [PhotoDeclaration(**p) for p in fields["photos"]]})
    ticket_id = uuid.uuid4()
    author = db.exec(select(User).where(User.username == "insp05")).one()
    service.put_ticket(db, settings, author, ticket_id, body)
    db.commit()

    migrate.downgrade(database_url, "0014")  # as a database upgraded from before 0015 would be
    migrate.upgrade(database_url)

    listed = client.get("/api/v1/tickets", params={"author": "me"}, headers=inspector)
    assert listed.status_code == 200, listed.text
    assert [t["captured_at"][:10] for t in listed.json()["items"]] == ["0999-06-01"]
    assert client.get(f"/api/v1/tickets/{ticket_id}", headers=inspector).status_code == 200
    assert client.get(f"/api/v1/tickets/{ticket_id}/events", headers=inspector).status_code == 200
    upload = client.put(f"/api/v1/tickets/{ticket_id}/photos/{fields['photos'][0]['id']}", content=data,
                        headers={**inspector, "Content-Type": "image/jpeg"})
    assert upload.status_code == 201, upload.text
