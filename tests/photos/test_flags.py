"""Flags specific to after-photos: the same picture as before, or taken before the report."""

import uuid
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from api.photos import pipeline
from api.photos.service import likeness_flags, metadata_flags
from api.tickets.models import Photo, Ticket
from tests.factories import PHOTOS, photo_bytes, submit


def _after(db, settings, ticket: Ticket, path: Path, **exif):
    facts = pipeline.inspect(path, "image/jpeg", settings.photo_max_pixels)
    phash = pipeline.analyse(path).phash
    photo = Photo(id=uuid.uuid4(), ticket_id=ticket.id, kind="after", position=0, sha256="0" * 64,
                  content_type="image/jpeg", size=1, uploaded_by=ticket.author_id, client_exif=exif or None)
    return {f["code"] for f in metadata_flags(settings, ticket, photo, facts.exif)
            + likeness_flags(db, settings, ticket, photo, phash)}


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


def _stored_photo(db, ticket: Ticket, phash: str) -> None:
    from api.photos.service import index_phash

    photo = Photo(id=uuid.uuid4(), ticket_id=ticket.id, kind="before", position=0, sha256="0" * 64,
                  content_type="image/jpeg", size=1, uploaded_by=ticket.author_id, phash=phash)
    db.add(photo)
    db.flush()
    index_phash(db, photo)
    db.flush()


def _flip(phash: str, bits: list[int]) -> str:
    value = int(phash, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_near_duplicates_are_found_through_the_hash_bands_at_every_distance(client, inspector, db, settings):
    import random

    from api.photos import service

    # Two tickets: the new photo's and the one a stored photo hangs on (their own photos are unrelated).
    ticket_id, _ = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], lat=28.9078, lon=120.027)
    other_id, _ = submit(client, inspector, [photo_bytes("gps_DSCN0010.jpg")], lat=28.9078, lon=120.027)
    ticket, other = db.get(Ticket, uuid.UUID(ticket_id)), db.get(Ticket, uuid.UUID(other_id))
    rng = random.Random(3)
    base = f"{rng.getrandbits(64):016x}"
    assert settings.flag_phash_distance == 6
    for trial in range(40):  # the differing bits land anywhere, also one or more in every byte
        distance = trial % 9
        stored = _flip(base, rng.sample(range(64), distance))
        _stored_photo(db, other, stored)
        twins, capped = service._near_duplicates(db, ticket.id, base, settings.flag_phash_distance)
        assert (str(other.id) in twins) == (distance <= 6), (distance, stored)
        assert not capped
        db.rollback()
    spread = _flip(base, [60, 52, 44, 36, 28, 20])  # one bit in each of the first six bytes: only 6, 7 agree
    _stored_photo(db, other, spread)
    assert service._near_duplicates(db, ticket.id, base, 6)[0] == [str(other.id)]


def test_only_photos_sharing_enough_bytes_are_read(client, inspector, db, monkeypatch):
    from api.photos import service

    ticket_id, _ = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], lat=28.9078, lon=120.027)
    other_id, _ = submit(client, inspector, [photo_bytes("gps_DSCN0010.jpg")], lat=28.9078, lon=120.027)
    ticket, other = db.get(Ticket, uuid.UUID(ticket_id)), db.get(Ticket, uuid.UUID(other_id))
    base = "0123456789abcdef"
    _stored_photo(db, other, "01" + "fe" * 7)  # one byte in place: cannot be within 6 bits
    _stored_photo(db, other, "0123" + "fe" * 6)  # two bytes in place: a candidate (far, as it turns out)
    monkeypatch.setattr(service, "NEAR_DUPLICATE_CANDIDATES", 2)
    assert service._near_duplicates(db, ticket.id, base, 6) == ([], False)  # one row read, not two
    assert service._near_duplicates(db, ticket.id, base, 7) == ([], True)  # within 7 bits one byte is enough


def test_the_near_duplicate_search_is_bounded(client, inspector, db, settings, monkeypatch):
    from api.photos import service

    ticket_id, _ = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], lat=28.9078, lon=120.027)
    other_ids = [submit(client, inspector, [photo_bytes("gps_DSCN0010.jpg")], lat=28.9078, lon=120.027)[0]
                 for _ in range(5)]
    ticket = db.get(Ticket, uuid.UUID(ticket_id))  # after the submits: db's snapshot starts here
    others = [db.get(Ticket, uuid.UUID(i)) for i in other_ids]
    phash = "0123456789abcdef"
    for other in others:
        _stored_photo(db, other, phash)
    monkeypatch.setattr(service, "NEAR_DUPLICATE_CANDIDATES", 3)
    twins, capped = service._near_duplicates(db, ticket.id, phash, 6)
    assert capped and len(twins) <= 3
    photo = Photo(id=uuid.uuid4(), ticket_id=ticket.id, kind="before", position=1, sha256="0" * 64,
                  content_type="image/jpeg", size=1, uploaded_by=ticket.author_id)
    flag = next(f for f in likeness_flags(db, settings, ticket, photo, phash) if f["code"] == "near_duplicate")
    assert "至少" in flag["reason"] and "at least" in flag["reason_en"]
