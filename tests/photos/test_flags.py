"""Flags specific to after-photos: the same picture as before, or taken before the report."""

import uuid
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from api.photos import pipeline
from api.photos.models import Photo
from api.photos.service import integrity_flags
from api.tickets.models import Ticket
from tests.factories import PHOTOS, photo_bytes, submit


def _after(db, settings, ticket: Ticket, path: Path, **exif):
    facts = pipeline.inspect(path, "image/jpeg", settings.photo_max_pixels)
    photo = Photo(id=uuid.uuid4(), ticket_id=ticket.id, kind="after", position=0, sha256="0" * 64,
                  content_type="image/jpeg", size=1, uploaded_by=ticket.author_id, client_exif=exif or None)
    return {f["code"] for f in integrity_flags(db, settings, ticket, photo, facts)}


def test_after_photo_flags(client, inspector, db, settings):
    ticket_id, _ = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=28.9078, lon=120.027)
    ticket = db.exec(select(Ticket)).one()
    assert str(ticket.id) == ticket_id
    same = _after(db, settings, ticket, PHOTOS / "mobile_jolla.jpg")
    assert "same_as_before" in same and "near_duplicate" not in same
    before_report = (ticket.created_at - timedelta(days=2)).astimezone(settings.tz).replace(tzinfo=None)
    early = _after(db, settings, ticket, PHOTOS / "Canon_40D.jpg", datetime_original=before_report.isoformat())
    assert "taken_before_ticket" in early and "same_as_before" not in early
    # Canon_40D.jpg's own EXIF time (2008) wins over what a client claims: still before the report.
    fine = _after(db, settings, ticket, PHOTOS / "orientation_landscape_1.jpg",
                  make="HUAWEI", model="nova 11",
                  datetime_original=ticket.created_at.astimezone(settings.tz).replace(tzinfo=None).isoformat())
    assert fine == set()
