"""What the acknowledgement checks without decoding, and the analysis after it: copies, perceptual hash
and likeness flags, made once, by the live job or, when its process died first, by the worker."""

import base64
import errno
import hashlib
import os
import random
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select, update

from api.database import utcnow
from api.notifications import worker
from api.photos import pipeline, service
from api.photos.models import PhotoHashBand
from api.tickets.models import Photo
from tests.factories import PHOTOS, analysed, capture_body, login, photo_bytes, submit

LAT, LON = 28.9078, 120.0270


def _segment(data: bytes, marker: int) -> int:
    segments, _scan = pipeline._header_segments(data)
    return next(start for m, start, _end in segments if m == marker)


def _broken_inside() -> bytes:
    """A whole JPEG (every segment, an end marker) whose frame names a quantisation table that does not
    exist: only a decode finds out."""
    data = bytearray(photo_bytes("gps_DSCN0010.jpg"))
    data[_segment(data, 0xC0) + 12] = 3  # the first component's table: 0 → 3
    return bytes(data)


def _codes(photo: dict) -> set[str]:
    return {f["code"] for f in photo["flags"]}


def test_whole_jpegs_are_vouched_for_without_a_decode_and_others_are_decoded(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(_broken_inside())
    assert pipeline.inspect(broken, "image/jpeg", 50_000_000).width == 640
    with pytest.raises(pipeline.PhotoInvalid):
        pipeline.analyse(broken)
    # Bytes between segments: the structure cannot be vouched for, so the picture is decoded to decide.
    data = photo_bytes("gps_DSCN0010.jpg")
    quant = _segment(data, 0xDB)
    odd = data[:quant] + b"\0\0" + data[quant:]
    assert pipeline._header_segments(odd) is None
    (tmp_path / "odd.jpg").write_bytes(odd)
    assert pipeline.inspect(tmp_path / "odd.jpg", "image/jpeg", 50_000_000).width == 640
    for name, cut in (("odd_truncated.jpg", odd), ("truncated.jpg", data)):
        (tmp_path / name).write_bytes(cut[: len(cut) * 6 // 10])
        with pytest.raises(pipeline.PhotoInvalid, match="truncated"):
            pipeline.inspect(tmp_path / name, "image/jpeg", 50_000_000)
    # Random bytes behind a valid header and before an end marker: byte pairs no scan holds, so decoded.
    scan = pipeline._header_segments(data)[1]
    picture_data = scan + 2 + int.from_bytes(data[scan + 2:scan + 4], "big")  # after the scan's own header
    noise = data[:picture_data] + random.Random(1).randbytes(50_000) + b"\xff\xd9"
    (tmp_path / "noise.jpg").write_bytes(noise)
    with pytest.raises(pipeline.PhotoInvalid, match="broken data stream"):
        pipeline.inspect(tmp_path / "noise.jpg", "image/jpeg", 50_000_000)
    # A read that fails is the machine's error, not the picture's: it is not reported as a damaged photo.
    with pytest.raises(IsADirectoryError):
        pipeline.inspect(tmp_path, "image/jpeg", 50_000_000)
    # An embedded EXIF thumbnail has its own end marker, before the picture data: it does not count.
    head = data[: _segment(data, 0xDB) + 400]
    assert head.count(b"\xff\xd9") >= 1
    (tmp_path / "head.jpg").write_bytes(head)
    with pytest.raises(pipeline.PhotoInvalid):
        pipeline.inspect(tmp_path / "head.jpg", "image/jpeg", 50_000_000)


@pytest.mark.parametrize("chunk", [pipeline._SCAN_CHUNK, 1000, 7])
def test_a_single_byte_pair_no_scan_holds_is_found_anywhere_in_the_picture_data(tmp_path, monkeypatch, chunk):
    """The structural check's edges: a forbidden pair (FF 02) at the first byte of the picture data, in
    the middle, and right before the end marker; stuffing (FF 00) and restart markers are allowed. With
    small chunks, pairs fall across the edges between them."""
    monkeypatch.setattr(pipeline, "_SCAN_CHUNK", chunk)
    data = photo_bytes("gps_DSCN0010.jpg")
    scan = pipeline._header_segments(data)[1]
    first = scan + 2 + int.from_bytes(data[scan + 2:scan + 4], "big")
    end = data.index(b"\xff\xd9", first)
    assert pipeline._jpeg_is_whole(PHOTOS / "gps_DSCN0010.jpg")
    for at in (first, first + 999, (first + end) // 2, end - 2):
        for pair, whole in ((b"\xff\x02", False), (b"\xff\x00", True), (b"\xff\xd3", True)):
            path = tmp_path / f"{at}-{pair.hex()}.jpg"
            path.write_bytes(data[:at] + pair + data[at + 2:])
            assert pipeline._jpeg_is_whole(path) is whole, (at - first, pair)


def _ends_cleanly_by_the_rule(data: bytes, start: int) -> bool:
    """The rule read plainly: the first FF D9 from `start`, and every FF before it followed by a byte
    picture data may hold."""
    for i in range(start, len(data) - 1):
        if data[i] == 0xFF:
            if data[i + 1] == 0xD9:
                return True
            if not pipeline._MAY_FOLLOW_FF[data[i + 1]]:
                return False
    return False


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, pipeline._SCAN_CHUNK])
def test_the_chunked_scan_follows_the_rule_on_every_short_string(monkeypatch, chunk):
    monkeypatch.setattr(pipeline, "_SCAN_CHUNK", chunk)
    rng = random.Random(chunk)
    alphabet = [0xFF, 0xFF, 0xD9, 0x00, 0x02, 0xD3, 0xC4, 0x41]
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(14)))
        start = rng.randrange(len(data) + 1)
        assert pipeline._picture_data_ends_cleanly(data, start) == _ends_cleanly_by_the_rule(data, start), \
            (data.hex(), start)


def test_one_decode_gives_the_hash_and_both_copies():
    analysis = pipeline.analyse(PHOTOS / "mobile_jolla.jpg")  # 3264×2448: decoded at a quarter scale
    assert len(analysis.phash) == 16 and set(analysis.copies) == {"display", "thumb"}


def test_an_analysis_waits_for_a_moment_with_no_capture_in_flight(client, inspector, db, app):
    """Uploads come first: the analysis of a photo received while another phone's upload is still in
    flight waits for it to end."""
    data = photo_bytes("gps_DSCN0010.jpg")
    body, ticket_id = capture_body([data], lat=LAT, lon=LON), uuid.uuid4()
    photo_id = uuid.UUID(body["photos"][0]["id"])
    with app.state.captures.running():  # the other upload
        assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
        assert client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", content=data,
                          headers={**inspector, "Content-Type": "image/jpeg"}).status_code == 201
        time.sleep(0.5)
        assert db.get(Photo, photo_id).analysed_at is None
        db.rollback()  # a fresh snapshot next time
    analysed(app)
    assert db.get(Photo, photo_id).analysed_at is not None


def test_a_process_never_quiet_still_analyses_after_a_while():
    activity = service.CaptureActivity(max_wait_s=0.2)
    with activity.running():
        with activity.running():
            pass
        started = time.monotonic()
        assert activity.wait_for_quiet() is False  # one capture is still in flight
        assert time.monotonic() - started >= 0.2
    assert activity.wait_for_quiet() is True


def test_a_whole_jpeg_that_cannot_be_decoded_is_kept_and_flagged(client, inspector):
    data = _broken_inside()
    _, ticket = submit(client, inspector, [data], lat=LAT, lon=LON)
    (photo,) = ticket["photos"]
    assert ticket["status"] == "dispatched" and photo["analysed"] and "undecodable" in _codes(photo)
    preview = client.get(photo["urls"]["thumb"], headers=inspector)
    assert preview.status_code == 404 and preview.json()["error"]["code"] == "no_preview"
    original = client.get(photo["urls"]["original"], headers=inspector)
    assert original.status_code == 200 and original.content == data


def test_photos_whose_analysis_never_ran_are_analysed_by_the_worker(client, inspector, db, engine, settings, app,
                                                                       monkeypatch):
    first_id, _ = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)  # its process died first
    ticket_id, ticket = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], category="0102",
                               lat=LAT, lon=LON)
    (photo,) = ticket["photos"]
    photo_id = uuid.UUID(photo["id"])
    assert ticket["status"] == "dispatched" and not photo["analysed"] and "near_duplicate" not in _codes(photo)
    assert client.get(photo["urls"]["thumb"], headers=inspector).status_code == 200  # made on demand meanwhile

    def sweep() -> int:
        with httpx.Client() as http:
            return worker.run_once(engine, settings, http)["photos_analysed"]

    assert sweep() == 0  # received just now: the live job's to do
    db.exec(update(Photo).where(Photo.id == photo_id).values(received_at=utcnow() - timedelta(minutes=11)))
    db.commit()
    assert sweep() == 1
    assert sweep() == 0 and not service.analyse_photo(engine, settings, app.state.storage, photo_id)
    (photo,) = client.get(f"/api/v1/tickets/{ticket_id}", headers=inspector).json()["photos"]
    assert photo["analysed"] and [f["code"] for f in photo["flags"]].count("near_duplicate") == 1
    assert next(f for f in photo["flags"] if f["code"] == "near_duplicate")["tickets"] == [first_id]
    db.expire_all()
    stored = db.get(Photo, photo_id)
    bands = db.exec(select(PhotoHashBand.band, PhotoHashBand.value).where(PhotoHashBand.photo_id == photo_id)).all()
    assert sorted(bands) == service.hash_bands(stored.phash)


def test_a_missing_original_is_not_taken_for_an_undecodable_picture(client, inspector, engine, settings, app,
                                                                    monkeypatch, tmp_path):
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)
    ticket_id, ticket = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)
    (photo,) = ticket["photos"]
    storage, photo_id = app.state.storage, uuid.UUID(photo["id"])
    original = storage.original_path(photo["sha256"])
    original.rename(tmp_path / "away")  # a disk mishap, say
    assert not service.analyse_photo(engine, settings, storage, photo_id)
    (tmp_path / "away").rename(original)
    assert service.analyse_photo(engine, settings, storage, photo_id)
    (photo,) = client.get(f"/api/v1/tickets/{ticket_id}", headers=inspector).json()["photos"]
    assert photo["analysed"] and "undecodable" not in _codes(photo)


def test_a_photo_the_sweep_cannot_analyse_does_not_hold_up_the_others(client, inspector, db, engine, settings, app,
                                                                      monkeypatch, tmp_path):
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)
    storage = app.state.storage
    stuck = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)[1]["photos"][0]
    fine = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)[1]["photos"][0]
    storage.original_path(stuck["sha256"]).rename(tmp_path / "away")
    db.exec(update(Photo).values(received_at=utcnow() - timedelta(minutes=11)))
    db.commit()
    assert service.analyse_pending(engine, settings, storage) == 1  # the stuck one first, and then the other
    for _ in range(service.SWEEP_ATTEMPTS):
        service.analyse_pending(engine, settings, storage)
    db.expire_all()
    stuck_row, fine_row = db.get(Photo, uuid.UUID(stuck["id"])), db.get(Photo, uuid.UUID(fine["id"]))
    assert fine_row.analysed_at is not None and stuck_row.analysed_at is None
    assert stuck_row.analysis_attempts == service.SWEEP_ATTEMPTS  # then left alone


def test_a_hash_filed_before_the_upgrade_is_filed_again_not_twice(client, inspector, db, engine, settings, app,
                                                                   monkeypatch):
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)
    (photo,) = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)[1]["photos"]
    photo_id = uuid.UUID(photo["id"])
    row = db.get(Photo, photo_id)
    row.phash = "0123456789abcdef"  # what a server from before 0011 wrote, leaving analysed_at empty
    service.index_phash(db, row)
    db.commit()
    assert service.analyse_photo(engine, settings, app.state.storage, photo_id)
    db.expire_all()
    phash = db.get(Photo, photo_id).phash
    bands = db.exec(select(PhotoHashBand.band, PhotoHashBand.value).where(PhotoHashBand.photo_id == photo_id)).all()
    assert phash != "0123456789abcdef" and sorted(bands) == service.hash_bands(phash)


def _act(client, headers, ticket_id, action, **body):
    response = client.post(f"/api/v1/tickets/{ticket_id}/actions/{action}", headers=headers,
                           json={"action_id": str(uuid.uuid4()), **body})
    assert response.status_code == 200, response.text
    return response.json()


def _after_photo(client, headers, ticket_id, data: bytes) -> str:
    photo_id = str(uuid.uuid4())
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    response = client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", params={"kind": "after"}, content=data,
                          headers={**headers, "Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"})
    assert response.status_code == 201, response.text
    return photo_id


def test_a_verdict_is_recorded_with_the_evidence_checked(client, inspector, db, monkeypatch):
    """A verification that arrives while an after-photo still waits for its analysis (its process died;
    the sweep would come in minutes) analyses it first, in the same transaction: the closed ticket
    carries the "same as before" flag the verifier's screen was still waiting for."""
    bureau = login(client, "zhzf1", "demo1234")
    picture = photo_bytes("mobile_jolla.jpg")
    ticket_id, _ = submit(client, inspector, [picture], category="0506", lat=LAT, lon=LON)
    _act(client, bureau, ticket_id, "accept")
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)
    after_id = _after_photo(client, bureau, ticket_id, picture)  # "fixed": the same picture again
    rectified = _act(client, bureau, ticket_id, "rectify", note="已整改", photo_ids=[after_id])
    (after,) = [p for p in rectified["photos"] if p["kind"] == "after"]
    assert not after["analysed"] and "same_as_before" not in _codes(after)

    closed = _act(client, inspector, ticket_id, "verify", result="pass", note="已核实")
    (after,) = [p for p in closed["photos"] if p["kind"] == "after"]
    assert closed["status"] == "closed" and after["analysed"] and "same_as_before" in _codes(after)
    stored = db.get(Photo, uuid.UUID(after_id))
    bands = db.exec(select(PhotoHashBand.band, PhotoHashBand.value).where(PhotoHashBand.photo_id == stored.id)).all()
    assert sorted(bands) == service.hash_bands(stored.phash)
    thumb = client.get(after["urls"]["thumb"], headers=inspector)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


def test_a_verdict_stands_when_a_pending_photo_cannot_be_read(client, inspector, monkeypatch):
    bureau = login(client, "zhzf1", "demo1234")
    ticket_id, _ = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], category="0506", lat=LAT, lon=LON)
    _act(client, bureau, ticket_id, "accept")
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)
    after_id = _after_photo(client, bureau, ticket_id, photo_bytes("mobile_jolla.jpg"))
    _act(client, bureau, ticket_id, "rectify", note="已整改", photo_ids=[after_id])

    def unreadable(path):
        raise OSError(errno.EIO, "Input/output error", str(path))

    monkeypatch.setattr(pipeline, "analyse", unreadable)
    closed = _act(client, inspector, ticket_id, "verify", result="pass", note="EXIF 时间有误，现场已复核")
    (after,) = [p for p in closed["photos"] if p["kind"] == "after"]
    assert closed["status"] == "closed" and not after["analysed"]  # left to the sweep


def test_a_before_photo_analysed_late_is_compared_with_the_after_photos(client, inspector, db, engine, settings,
                                                                          app, monkeypatch):
    """After a crash the sweep may analyse a before-photo after the ticket's after-photos, which were
    then compared with nothing: they are compared when it comes."""
    bureau = login(client, "zhzf1", "demo1234")
    picture = photo_bytes("mobile_jolla.jpg")
    monkeypatch.setattr(service, "analyse_in_background", lambda *args: None)  # the before-photo's job is lost
    ticket_id, ticket = submit(client, inspector, [picture], category="0506", lat=LAT, lon=LON)
    before_id = uuid.UUID(ticket["photos"][0]["id"])
    monkeypatch.undo()
    _act(client, bureau, ticket_id, "accept")
    after_id = _after_photo(client, bureau, ticket_id, picture)
    analysed(app)
    after = db.get(Photo, uuid.UUID(after_id))
    assert after.analysed_at is not None and "same_as_before" not in {f["code"] for f in after.flags}

    db.rollback()  # end the read snapshot
    assert service.analyse_photo(engine, settings, app.state.storage, before_id)
    codes = [f["code"] for f in db.get(Photo, uuid.UUID(after_id)).flags]
    assert codes.count("same_as_before") == 1


def test_the_sweep_passes_over_temp_files_a_live_process_moves_meanwhile(engine, app, monkeypatch):
    """The sweep runs beside live servers, whose copies pass through the temp folder: a file listed and
    then renamed into place before it is looked at is not the sweep's, and no reason to fail."""
    storage = app.state.storage
    stale, moved = storage.tmp / "left-by-a-crash.jpg", storage.tmp / "renamed-meanwhile.derived"
    stale.write_bytes(b"half a photo")
    os.utime(stale, (0, 0))
    real_iterdir = type(storage.tmp).iterdir
    monkeypatch.setattr(type(storage.tmp), "iterdir",  # `moved` was there when the folder was listed
                        lambda self: iter([stale, moved]) if self == storage.tmp else real_iterdir(self))
    removed = service.sweep(engine, storage, grace=timedelta(hours=1))
    assert removed["temp_files"] == 1 and not stale.exists()
