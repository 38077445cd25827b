import contextlib
import logging
import os
import threading
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from api.accounts.models import Role, User
from api.config import Settings
from api.database import utcnow, write_session
from api.errors import ApiError, not_found
from api.geo import distance_m
from api.grid.index import GridIndexCache
from api.photos import pipeline
from api.photos.models import Photo, PhotoHashBand
from api.photos.storage import LocalStorage
from api.tickets import access, workflow
from api.tickets import service as ticket_service
from api.tickets.models import Ticket

log = logging.getLogger(__name__)

# Editors whose name in EXIF Software means the picture was reworked (domain.md §8).
EDITORS = ("photoshop", "gimp", "lightroom", "snapseed", "picsart", "美图", "meitu", "醒图", "faceu", "pixlr",
           "affinity", "paint.net", "vsco", "美颜", "polarr", "canva")


def find_declared_photo(engine: Engine, user: User, ticket_id: uuid.UUID,
                        photo_id: uuid.UUID) -> tuple[Ticket, Photo]:
    """The ticket and the declared photo this user may upload (one query), or 404 (also for someone
    else's ticket)."""
    with Session(engine) as session:
        found = session.exec(select(Ticket, Photo).outerjoin(Photo, and_(
            col(Photo.id) == photo_id, col(Photo.ticket_id) == Ticket.id)).where(Ticket.id == ticket_id)).first()
        if found is None or found[0].author_id != user.id:
            raise not_found("工单", "Ticket", str(ticket_id))
        ticket, photo = found
        if photo is None:
            raise ApiError(404, "photo_not_declared", "该照片未在工单中声明",
                           "this photo was not declared for the ticket", {"photo_id": str(photo_id)})
        return ticket, photo


def _flag(code: str, reason: str, reason_en: str) -> dict:
    return {"code": code, "reason": reason, "reason_en": reason_en}


# A bound on the rows one upload reads when many stored photos look alike (the flag then says "at least").
NEAR_DUPLICATE_CANDIDATES = 2000


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def integrity_flags(session: Session, settings: Settings, ticket: Ticket, photo: Photo,
                    facts: pipeline.PhotoFacts) -> list[dict]:
    """Reasons a verifier should look twice. Flags inform; they never reject."""
    exif = {k: v for k, v in (photo.client_exif or {}).items() if v is not None} | {
        k: v for k, v in facts.exif.items() if v is not None}
    flags = []
    software = (exif.get("software") or "").lower()
    editor = next((e for e in EDITORS if e in software), None)
    if editor:
        flags.append(_flag("editing_software", f"EXIF 显示经编辑软件处理：{exif['software']}",
                           f"EXIF names editing software: {exif['software']}"))
    if not exif.get("make") and not exif.get("model"):
        flags.append(_flag("camera_metadata_missing", "缺少相机信息（品牌、型号），可能经过编辑或转存",
                           "camera make and model missing: edited or re-saved?"))
    if exif.get("datetime_original"):
        try:
            taken = datetime.fromisoformat(exif["datetime_original"])
        except ValueError:
            taken = None
        if taken is not None:
            if taken.tzinfo is None:  # camera clocks keep local time
                taken = taken.replace(tzinfo=settings.tz)
            if photo.kind == "before":
                gap = abs(taken - ticket.captured_at)
                if gap > timedelta(minutes=settings.flag_capture_time_minutes):
                    hours = gap.total_seconds() / 3600
                    flags.append(_flag("capture_time_mismatch", f"照片拍摄时间与上报的拍摄时间相差 {hours:.1f} 小时",
                                       f"EXIF capture time is {hours:.1f} h from captured_at"))
            elif photo.kind in ("after", "spotcheck") and taken < ticket.created_at - timedelta(
                    minutes=settings.flag_capture_time_minutes):
                flags.append(_flag("taken_before_ticket", "整改照片的拍摄时间早于问题上报时间",
                                   "the after-photo was taken before the problem was reported"))
    if exif.get("gps_lat") is not None and exif.get("gps_lon") is not None:
        far = distance_m(exif["gps_lat"], exif["gps_lon"], ticket.lat, ticket.lon)
        if far > settings.flag_gps_distance_m:
            flags.append(_flag("gps_far", f"照片GPS位置距工单位置 {far / 1000:.1f} 公里",
                               f"EXIF GPS is {far / 1000:.1f} km from the ticket's location"))
    # A verifier's photo of a failed rectification is expected to look like the before-photo.
    if photo.kind in ("after", "spotcheck"):
        befores = session.exec(select(Photo.phash).where(Photo.ticket_id == ticket.id, Photo.kind == "before",
                                                         col(Photo.phash).is_not(None))).all()
        if any(_hamming(h, facts.phash) <= settings.flag_phash_distance for h in befores):
            flags.append(_flag("same_as_before", "整改照片与问题照片几乎相同（疑似未整改或重复使用）",
                               "the after-photo is near-identical to the before-photo"))
    twins, capped = _near_duplicates(session, ticket.id, facts.phash, settings.flag_phash_distance)
    if twins:
        at_least, at_least_en = ("至少 ", "at least ") if capped else ("", "")
        flags.append(_flag("near_duplicate", f"与其他{at_least}{len(twins)} 张工单照片几乎相同（疑似重复使用）",
                           f"near-identical to photos of {at_least_en}{len(twins)} other ticket(s): reused?")
                     | {"tickets": twins[:10]})
    return flags


def hash_bands(phash: str) -> list[tuple[int, int]]:
    return [(band, int(phash[2 * band:2 * band + 2], 16)) for band in range(8)]


def index_phash(session: Session, photo: Photo) -> None:
    """File the photo's hash bytes, so later uploads find it among the candidates."""
    session.add_all(PhotoHashBand(band=band, value=value, photo_id=photo.id)
                    for band, value in hash_bands(photo.phash))


def _near_duplicates(session: Session, ticket_id: uuid.UUID, phash: str, distance: int) -> tuple[list[str], bool]:
    """Other tickets with a photo within `distance` bits: (their ids, sorted; whether the search hit
    its cap). Within 7 bits two hashes share a byte in place, so only photos sharing one are read."""
    query = select(Photo.ticket_id, Photo.phash).where(Photo.ticket_id != ticket_id, col(Photo.phash).is_not(None))
    if distance < 8:
        shares_a_byte = select(PhotoHashBand.photo_id).where(or_(*(
            and_(PhotoHashBand.band == band, PhotoHashBand.value == value) for band, value in hash_bands(phash))))
        query = query.where(col(Photo.id).in_(shares_a_byte))
    rows = session.exec(query.limit(NEAR_DUPLICATE_CANDIDATES)).all()
    twins = sorted({str(t) for t, h in rows if _hamming(h, phash) <= distance})
    return twins, len(rows) == NEAR_DUPLICATE_CANDIDATES


def extra_photo_replay(engine: Engine, user: User, ticket_id: uuid.UUID, photo_id: uuid.UUID, sha256: str,
                       kind: str) -> tuple[Ticket, Photo | None]:
    """Checks before an undeclared upload: `after` (整改照片) by the handling bureau while the ticket is
    being fixed; `verification` (核查照片) by whoever may verify it while it waits for verification;
    `spotcheck` (抽查照片) by a supervisor while a spot check of the ticket is open.
    Returns the ticket, and the photo when this upload was already stored (a replay)."""
    from api.spotchecks.models import SpotCheck

    with Session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or not access.can_read(session, user, ticket):
            raise not_found("工单", "Ticket", str(ticket_id))
        photo = session.get(Photo, photo_id)
        if photo is not None:
            if photo.ticket_id != ticket_id or photo.kind != kind or photo.sha256 != sha256:
                raise ApiError(409, "photo_conflict", "照片编号已用于其他照片",
                               "this photo id is used by another photo")
            return ticket, photo
        if kind == "after":
            if not workflow.may(session, user, ticket, "rectify"):
                raise ApiError(403, "forbidden", "只有承办单位可以上传整改照片",
                               "only the handling bureau uploads after-photos")
            if ticket.status not in ("accepted", "rework"):
                raise ApiError(409, "invalid_transition", "工单当前状态不能上传整改照片",
                               f"a ticket that is {ticket.status} takes no after-photos")
        elif kind == "verification":
            if not workflow.may(session, user, ticket, "verify"):
                raise ApiError(403, "forbidden", "只有上报人、本网格网格员或督察组可以上传核查照片",
                               "only the reporter, the cell's inspectors or supervisors upload verification photos")
            if ticket.status != "rectified":
                raise ApiError(409, "invalid_transition", "工单当前状态不能上传核查照片",
                               f"a ticket that is {ticket.status} takes no verification photos")
        else:
            if user.role != Role.supervisor:
                raise ApiError(403, "forbidden", "只有督察组可以上传抽查照片",
                               "only supervisors upload spot-check photos")
            if session.exec(select(SpotCheck).where(SpotCheck.ticket_id == ticket_id,
                                                    SpotCheck.status == "open")).first() is None:
                raise ApiError(409, "no_open_spotcheck", "该工单没有待完成的抽查", "no open spot check for this ticket")
        return ticket, None


def record_photo(engine: Engine, settings: Settings, grid_index: GridIndexCache, user: User,
                 ticket: Ticket, photo_id: uuid.UUID, facts: pipeline.PhotoFacts,
                 extra: dict | None = None, declared: Photo | None = None) -> bool:
    """Mark the stored photo received, in one transaction with the ticket row locked; complete the
    ticket when it was the last one. `extra` ({kind, sha256, content_type, size}) creates an
    undeclared photo (after / spotcheck).
    False when another request recorded it first (a replay).
    `ticket` and `declared` (the photo row, for a declared photo) are as read before the upload.
    The integrity flags are worked out before taking the lock: on SQLite the lock is the database's."""
    ticket_id = ticket.id
    with Session(engine) as session:
        photo = declared or Photo(id=photo_id, ticket_id=ticket_id, position=0, uploaded_by=user.id, **extra)
        flags = integrity_flags(session, settings, ticket, photo, facts)
    with write_session(engine) as session:
        # Lock the ticket first, then read the photo: concurrent uploads of one ticket take turns here.
        ticket = session.exec(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).one()
        photo = session.get(Photo, photo_id)
        if photo is None:
            position = session.exec(select(func.count()).select_from(Photo).where(
                Photo.ticket_id == ticket_id, Photo.kind == extra["kind"])).one()
            photo = Photo(id=photo_id, ticket_id=ticket_id, position=position, uploaded_by=user.id, **extra)
        elif photo.received_at is not None:
            return False
        photo.received_at = utcnow()
        photo.width, photo.height, photo.exif, photo.phash = facts.width, facts.height, facts.exif, facts.phash
        photo.flags = flags
        session.add(photo)
        index_phash(session, photo)
        ticket_service.add_event(session, ticket, "photo_received", actor=user, from_status=ticket.status,
                                 to_status=ticket.status, payload={"photo_id": str(photo.id), "kind": photo.kind,
                                                                   "flags": [f["code"] for f in photo.flags]})
        session.flush()
        ticket_service.complete_if_ready(session, settings, grid_index, ticket, user)
        session.commit()
        return True


def ensure_derivatives(storage: LocalStorage, sha256: str) -> None:
    if all(storage.derived_path(sha256, v).exists() for v in pipeline.VARIANTS):
        return
    for variant, data in pipeline.derive(storage.original_path(sha256)).items():
        storage.put_derived(sha256, variant, data)


def derive_in_background(storage: LocalStorage, sha256: str) -> None:
    # Linux schedules threads on their own: at the lowest priority a derivation thread only takes CPU
    # that uploads leave idle, so under load copies wait (GET derives on demand) and acks do not.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    try:
        ensure_derivatives(storage, sha256)
    except Exception:  # the GET path derives on demand if this failed
        log.exception("deriving %s failed", sha256)


def sweep(engine: Engine, storage: LocalStorage, *, grace: timedelta = timedelta(hours=1)) -> dict[str, int]:
    """Remove what a crash can leave behind: temp files, and stored originals no received photo
    references (written, then the process died before its commit). Recent files are spared: their
    commit may still be in flight."""
    cutoff = time.time() - grace.total_seconds()
    removed_temp = 0
    for path in storage.tmp.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed_temp += 1
    with Session(engine) as session:
        referenced = set(session.exec(select(Photo.sha256).where(col(Photo.received_at).is_not(None))).all())
    removed = 0
    for sha256, _path, mtime in list(storage.originals()):
        if sha256 not in referenced and mtime < cutoff:
            storage.delete_original(sha256)
            removed += 1
    return {"temp_files": removed_temp, "orphan_originals": removed}
