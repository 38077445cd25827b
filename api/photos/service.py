import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from api.accounts.models import User
from api.config import Settings
from api.database import read_session, table_of, transaction, utcnow
from api.driverstatements import DriverStatement, detached
from api.errors import ApiError, not_found
from api.geo import distance_m
from api.grid.index import GridIndexCache
from api.photos import integrity, pipeline
from api.photos.models import EVIDENCE_COLUMNS, Photo, PhotoHashBand
from api.photos.storage import LocalStorage
from api.tickets import access, workflow
from api.tickets import service as ticket_service
from api.tickets.models import Ticket

log = logging.getLogger(__name__)


def find_declared_photo(session: Session, user: User, ticket_id: uuid.UUID,
                        photo_id: uuid.UUID) -> tuple[Ticket, Photo]:
    """The ticket and the declared photo this user may upload, or 404 (also for someone else's ticket).
    One query, of the columns a capture reads: the others are not loaded (detached: reading one raises)."""
    found = _TICKET_AND_PHOTO.first(session, {"ticket_id": ticket_id, "photo_id": photo_id})
    if found is None or found[0] != user.id:
        raise not_found("工单", "Ticket", str(ticket_id))
    ticket = detached(Ticket, {"id": ticket_id, **dict(zip(_TICKET_COLUMNS, found[:len(_TICKET_COLUMNS)],
                                                           strict=True))})
    photo_values = dict(zip(_PHOTO_COLUMNS, found[len(_TICKET_COLUMNS):], strict=True))
    if photo_values["kind"] is None:
        raise ApiError(404, "photo_not_declared", "该照片未在工单中声明",
                       "this photo was not declared for the ticket", {"photo_id": str(photo_id)})
    return ticket, detached(Photo, {"id": photo_id, "ticket_id": ticket_id, **photo_values})


# Statements on the driver connection (api/driverstatements.py), like the others every upload runs.
_TICKET_COLUMNS = ("author_id", "status", "category_code", "point_type_code", "description", "lat", "lon", "accuracy_m",
                   "located_at", "captured_at", "created_at", "cell_override", "cell_code", "bureau_code",
                   "deadline_at", "recurring_of")
_PHOTO_COLUMNS = ("kind", "position", "sha256", "content_type", "size", "uploaded_by", "client_exif", "received_at")
_T, _P = table_of(Ticket), table_of(Photo)
_TICKET_AND_PHOTO = DriverStatement(
    select(*(_T.c[c] for c in _TICKET_COLUMNS), *(_P.c[c] for c in _PHOTO_COLUMNS))
    .select_from(_T.outerjoin(_P, and_(_P.c.id == bindparam("photo_id"), _P.c.ticket_id == _T.c.id)))
    .where(_T.c.id == bindparam("ticket_id")))
# Not one statement with the photos joined: PostgreSQL re-reads only the locked row after waiting for
# its lock, and the photos joined to it would be as of before the wait (another upload's arrival unseen).
_LOCK_TICKET = DriverStatement(select(_T.c.status).where(_T.c.id == bindparam("ticket_id")).with_for_update())
_ARRIVALS = DriverStatement(select(_P.c.id, _P.c.received_at).where(_P.c.ticket_id == bindparam("ticket_id"),
                                                                    _P.c.kind == bindparam("kind")))
_MARK_RECEIVED = DriverStatement(update(_P).where(_P.c.id == bindparam("photo_id")).values(
    {c: bindparam(c) for c in ("received_at", "width", "height", "exif", "flags")}))


def _flag(code: str, reason: str, reason_en: str) -> dict:
    return {"code": code, "reason": reason, "reason_en": reason_en}


# A bound on the rows one upload reads when many stored photos look alike (the flag then says "at least").
NEAR_DUPLICATE_CANDIDATES = 2000


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _alike(phash: str | None, other: str, distance: int) -> bool:
    """Within `distance` bits; a photo not analysed, or not decodable, has no hash and is like nothing."""
    return phash is not None and _hamming(phash, other) <= distance


def _distance(metres: float) -> tuple[str, str]:
    km = metres / 1000
    text = f"{km:.0f} 公里" if km >= 10 else f"{km:.1f} 公里" if km >= 1 else f"{metres:.0f} 米"
    return text, text.replace("公里", "km").replace("米", "m")


def metadata_flags(settings: Settings, ticket: Ticket, photo: Photo, exif: dict) -> list[dict]:
    """Reasons from EXIF's time and place a verifier should look twice at, known at upload (camera
    origin and editors' traces need the file's header in full: integrity_flags, when analysed).
    Flags inform; they never reject."""
    exif = {k: v for k, v in (photo.client_exif or {}).items() if v is not None} | {
        k: v for k, v in exif.items() if v is not None}
    flags = []
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
                    zh, en = integrity.span(gap)
                    flags.append(_flag("capture_time_mismatch", f"照片拍摄时间与上报的拍摄时间相差 {zh}",
                                       f"the photo was taken {en} from the reported time"))
            elif photo.kind in ("after", "spotcheck") and taken < ticket.created_at - timedelta(
                    minutes=settings.flag_capture_time_minutes):
                zh, en = integrity.span(ticket.created_at - taken)
                flags.append(_flag("taken_before_ticket", f"整改照片拍摄时间早于问题上报 {zh}",
                                   f"the after-photo was taken {en} before the problem was reported"))
    if exif.get("gps_lat") is not None and exif.get("gps_lon") is not None:
        far = distance_m(exif["gps_lat"], exif["gps_lon"], ticket.lat, ticket.lon)
        if far > settings.flag_gps_distance_m:
            zh, en = _distance(far)
            flags.append(_flag("gps_far", f"照片拍摄位置距问题位置 {zh}", f"the photo was taken {en} from the problem"))
    return flags


SAME_AS_BEFORE = _flag("same_as_before", "整改照片与问题照片几乎相同（疑似未整改或重复使用）",
                       "the after-photo is near-identical to the before-photo")


def likeness_flags(session: Session, settings: Settings, ticket: Ticket, photo: Photo, phash: str) -> list[dict]:
    """Reasons from the pixels, known once the photo is analysed: an after-photo that looks like the
    before-photo, and a photo that looks like another ticket's."""
    flags = []
    # A verifier's photo of a failed rectification is expected to look like the before-photo.
    if photo.kind in ("after", "spotcheck"):
        befores = session.exec(select(Photo.phash).where(Photo.ticket_id == ticket.id, Photo.kind == "before",
                                                         col(Photo.phash).is_not(None))).all()
        if any(_alike(h, phash, settings.flag_phash_distance) for h in befores):
            flags.append(SAME_AS_BEFORE)
    twins, capped = _near_duplicates(session, ticket.id, phash, settings.flag_phash_distance)
    if twins:
        at_least, at_least_en = ("至少 ", "at least ") if capped else ("", "")
        flags.append(_flag("near_duplicate", f"与其他{at_least}{len(twins)} 张工单照片几乎相同（疑似重复使用）",
                           f"near-identical to photos of {at_least_en}{len(twins)} other ticket(s): reused?")
                     | {"tickets": twins[:10]})
    return flags


def hash_bands(phash: str) -> list[tuple[int, int]]:
    return [(band, int(phash[2 * band:2 * band + 2], 16)) for band in range(8)]


def index_phash(session: Session, photo: Photo) -> None:
    """File the (analysed) photo's hash bytes, so later uploads find it among the candidates."""
    if photo.phash is None:
        raise ValueError(f"photo {photo.id} has no perceptual hash to file")
    session.add_all(PhotoHashBand(band=band, value=value, photo_id=photo.id)
                    for band, value in hash_bands(photo.phash))


def _near_duplicates(session: Session, ticket_id: uuid.UUID, phash: str, distance: int) -> tuple[list[str], bool]:
    """Other tickets with a photo within `distance` bits: (their ids, sorted; whether the search hit
    its cap). Hashes at most d bits apart differ in at most d of their eight bytes, so they agree on at
    least 8 − d bytes in place: only photos sharing that many are read (2 at the default 6 bits: about
    one stored photo in 2,000 by chance, where sharing any one byte would be one in 32)."""
    query = select(Photo.ticket_id, Photo.phash).where(Photo.ticket_id != ticket_id, col(Photo.phash).is_not(None))
    if distance < 8:
        sharing = (select(PhotoHashBand.photo_id)
                   .where(or_(*(and_(col(PhotoHashBand.band) == band, col(PhotoHashBand.value) == value)
                                for band, value in hash_bands(phash))))
                   .group_by(col(PhotoHashBand.photo_id)).having(func.count() >= 8 - distance))
        query = query.where(col(Photo.id).in_(sharing))
    rows = session.exec(query.limit(NEAR_DUPLICATE_CANDIDATES)).all()
    twins = sorted({str(t) for t, h in rows if _alike(h, phash, distance)})
    return twins, len(rows) == NEAR_DUPLICATE_CANDIDATES


# Who may add an undeclared photo of a kind a domain above this one owns (`spotcheck`: api/spotchecks), and
# when: its check raises ApiError to refuse. Each registers at import, so this domain imports none of them.
ExtraPhotoCheck = Callable[[Session, User, Ticket], None]
_extra_kinds: dict[str, ExtraPhotoCheck] = {}


def admit_extra_photos(kind: str, check: ExtraPhotoCheck) -> None:
    _extra_kinds[kind] = check


def extra_photo_replay(session: Session, user: User, ticket_id: uuid.UUID, photo_id: uuid.UUID, sha256: str,
                       kind: str) -> tuple[Ticket, Photo | None]:
    """Checks before an undeclared upload: `after` (整改照片) by the handling bureau while the ticket is
    being fixed; `verification` (核查照片) by whoever may verify it while it waits for verification; the
    other kinds as their domain's check says (`spotcheck`, 抽查照片: a supervisor while a spot check of the
    ticket is open). Returns the ticket, and the photo when this upload was already stored (a replay)."""
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
        _extra_kinds[kind](session, user, ticket)
    return ticket, None


def record_photo(engine: Engine, settings: Settings, grid_index: GridIndexCache, user: User, ticket: Ticket,
                 photo: Photo, facts: pipeline.PhotoFacts) -> bool:
    """Mark the stored photo received, in one transaction with the ticket row locked; complete the
    ticket (the ticket domain's work) when it was the last one. `photo` is the declared row, or a new one
    for an undeclared photo (after, verification, spotcheck), which is added.
    False when another request recorded it first (a replay).
    `ticket` and a declared `photo` are as read before the upload: what is read under the lock is only
    what may have changed since (the ticket's status, which photos have arrived), and the writes are
    plain UPDATEs of the columns that change."""
    flags = metadata_flags(settings, ticket, photo, facts.exif)
    received = {"received_at": utcnow(), "width": facts.width, "height": facts.height, "exif": facts.exif,
                "flags": flags}
    with transaction(engine) as session:
        # Lock the ticket first, then read its photos of this kind: concurrent uploads of one ticket take
        # turns here. One read tells whether this one was recorded already, and what else is missing.
        locked = _LOCK_TICKET.first(session, {"ticket_id": ticket.id})
        assert locked is not None  # tickets are never deleted
        status = locked[0]
        arrived = dict(_ARRIVALS.all(session, {"ticket_id": ticket.id, "kind": photo.kind}))
        if arrived.get(photo.id) is not None:
            return False
        if photo.id in arrived:
            _MARK_RECEIVED.run(session, {"photo_id": photo.id, **received})
        else:
            photo.position = len(arrived)
            photo.sqlmodel_update(received)
            session.add(photo)
            session.flush()
        ticket_service.add_event(session, ticket, "photo_received", actor=user, from_status=status,
                                 to_status=status, payload={"photo_id": str(photo.id), "kind": photo.kind,
                                                            "flags": [f["code"] for f in flags]})
        if status == "incomplete" and all(at is not None for i, at in arrived.items() if i != photo.id):
            ticket_service.complete(session, settings, grid_index, ticket, user)
        return True


UNDECODABLE = _flag("undecodable", "图片内容无法解码，只保留原件（无预览）",
                    "the picture data cannot be decoded; only the original is kept (no preview)")


def _lowest_priority() -> None:
    # Linux schedules threads on their own: at the lowest priority the decoding thread only takes CPU
    # that uploads leave idle, so under load analyses wait (GET makes copies on demand) and acks do not.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


# Only the decode runs at the lowest priority. The database work around it does not: a thread the
# scheduler starves must not hold SQLite's write lock, or anything other requests wait for.
_decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode", initializer=_lowest_priority)


# How often the worker's sweep tries a photo's analysis before giving up on it (logged).
SWEEP_ATTEMPTS = 5


def _decode_and_copy(storage: LocalStorage, photo: Photo, *, in_background: bool) -> pipeline.Analysis | None:
    """The decode and the copies stored; None when the picture cannot be decoded. In the background the
    decode runs on the lowest-priority thread; a request that holds locks decodes in its own thread."""
    path = storage.original_path(photo.sha256)
    try:
        analysis = _decoder.submit(pipeline.analyse, path).result() if in_background else pipeline.analyse(path)
    except pipeline.PhotoInvalid:
        return None
    for variant, data in analysis.copies.items():
        storage.put_derived(photo.sha256, variant, data)
    return analysis


def _analysis_flags(session: Session, settings: Settings, ticket: Ticket, photo: Photo,
                    analysis: pipeline.Analysis) -> list[dict]:
    """The flags that need the decoded pixels or the file's header in full."""
    return (likeness_flags(session, settings, ticket, photo, analysis.phash)
            + integrity.integrity_flags(analysis.traces, photo.client_exif))


def _record_analysis(session: Session, settings: Settings, photo: Photo, analysis: pipeline.Analysis | None,
                     flags: list[dict]) -> None:
    """The photo (locked, not yet analysed) gets its hash, its flags and analysed_at, and its hash is
    filed for later searches."""
    if photo.phash is not None:  # filed by a server from before migration 0011, during an upgrade
        session.exec(delete(PhotoHashBand).where(col(PhotoHashBand.photo_id) == photo.id))
    photo.phash = analysis.phash if analysis else None
    photo.flags = [*photo.flags, *(flags if analysis else [UNDECODABLE])]
    photo.analysed_at = utcnow()
    session.add(photo)
    if analysis:
        index_phash(session, photo)
        if photo.kind == "before":
            _recheck_later_photos(session, settings, photo, analysis.phash)


def _recheck_later_photos(session: Session, settings: Settings, before: Photo, phash: str) -> None:
    """A before-photo analysed after the ticket's after-photos (its own job was lost to a crash; the
    sweep or a verdict does it later): they were compared with no before-photo, so compare them now."""
    later = session.exec(select(Photo).where(Photo.ticket_id == before.ticket_id,
                                             col(Photo.kind).in_(("after", "spotcheck")),
                                             col(Photo.phash).is_not(None))
                         .with_for_update().execution_options(populate_existing=True)).all()
    for photo in later:
        if (_alike(photo.phash, phash, settings.flag_phash_distance)
                and not any(f["code"] == "same_as_before" for f in photo.flags)):
            photo.flags = [*photo.flags, SAME_AS_BEFORE]
            session.add(photo)


def analyse_photo(engine: Engine, settings: Settings, storage: LocalStorage, photo_id: uuid.UUID) -> bool:
    """After the acknowledgement: decode the received photo once for its display and thumbnail copies
    and its perceptual hash, read its header's traces, then add the flags that need them and file the
    hash for later searches.
    False when there was nothing to do (not received, or analysed already by another worker)."""
    with read_session(engine) as session:
        found = session.exec(select(Photo, Ticket).join(Ticket, col(Ticket.id) == Photo.ticket_id)
                             .where(Photo.id == photo_id)).first()
    if found is None or found[0].received_at is None or found[0].analysed_at is not None:
        return False
    photo, ticket = found
    if not storage.has_original(photo.sha256):  # not a picture that cannot be decoded: the sweep retries
        log.error("photo %s: its original %s is missing", photo_id, photo.sha256)
        return False
    analysis, flags = _decode_and_copy(storage, photo, in_background=True), []
    if analysis:
        with read_session(engine) as session:
            flags = _analysis_flags(session, settings, ticket, photo, analysis)
    with transaction(engine) as session:
        photo = session.exec(select(Photo).where(Photo.id == photo_id).with_for_update()).one()
        if photo.analysed_at is not None:
            return False
        _record_analysis(session, settings, photo, analysis, flags)
        return True


def analyse_now(session: Session, settings: Settings, storage: LocalStorage, ticket: Ticket) -> int:
    """Analyse, in the caller's transaction, the ticket's received photos still waiting for their
    analysis (seconds under load; after a crash, until the worker's sweep), so a verdict is stored with
    the likeness flags of its evidence. The decode runs here, at normal priority, holding the caller's
    locks (SQLite's writer lock too): tens of milliseconds, for an action far rarer than uploads. A photo
    that cannot be read or was given up on by the sweep stays pending and does not fail the verdict.
    Returns how many were analysed."""
    pending = session.exec(select(Photo).where(Photo.ticket_id == ticket.id, col(Photo.received_at).is_not(None),
                                               col(Photo.analysed_at).is_(None),
                                               Photo.analysis_attempts < SWEEP_ATTEMPTS)
                           .order_by(col(Photo.received_at)).with_for_update()
                           .execution_options(populate_existing=True)).all()
    analysed = 0
    for photo in pending:
        if not storage.has_original(photo.sha256):
            log.error("photo %s: its original %s is missing", photo.id, photo.sha256)
            continue
        try:
            analysis = _decode_and_copy(storage, photo, in_background=False)
        except Exception:  # a read or write error, a decoder bug: the sweep retries, the verdict stands
            log.exception("analysing photo %s failed", photo.id)
            continue
        flags = _analysis_flags(session, settings, ticket, photo, analysis) if analysis else []
        _record_analysis(session, settings, photo, analysis, flags)
        session.flush()  # the next photo's search sees this one's hash
        analysed += 1
    return analysed


class CaptureActivity:
    """The capture requests (ticket PUTs and uploads) in flight in this process, for the background
    analysis to wait for a moment with none. Beside uploads, its database work and the Python around
    its decode (which runs at the lowest priority, but the rest cannot: see `_decoder`) took the GIL
    from them: an eighth of the throughput under full load. The count changes on the event loop only."""

    def __init__(self, max_wait_s: float = 5.0) -> None:
        self.max_wait_s = max_wait_s
        self._in_flight = 0
        self._quiet = threading.Event()
        self._quiet.set()

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self._in_flight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._quiet.set()

    def wait_for_quiet(self) -> bool:
        """Until no capture is in flight, or at most max_wait_s: then the analysis goes ahead anyway, so
        a process that is never quiet still works through its queue. True if it was quiet."""
        return self._quiet.wait(self.max_wait_s)


def analyse_in_background(engine: Engine, settings: Settings, storage: LocalStorage, photo_id: uuid.UUID,
                          activity: CaptureActivity) -> None:
    activity.wait_for_quiet()
    try:
        analyse_photo(engine, settings, storage, photo_id)
    except Exception:  # the worker's sweep (analyse_pending) retries
        log.exception("analysing photo %s failed", photo_id)


def analyse_pending(engine: Engine, settings: Settings, storage: LocalStorage, *,
                    grace: timedelta = timedelta(minutes=10), limit: int = 100) -> int:
    """Analyse received photos that were not: their process died before its background job ran. Only
    those received more than `grace` ago, so a live process's queue is not raced (under a load long
    enough to queue for that long, the two may both analyse a photo; it is recorded once). A photo whose
    analysis keeps failing is given up on after SWEEP_ATTEMPTS tries (logged), so it cannot hold up
    the rest. Returns how many were analysed."""
    with read_session(engine) as session:
        pending = session.exec(select(Photo.id).where(col(Photo.received_at).is_not(None),
                                                      col(Photo.analysed_at).is_(None),
                                                      col(Photo.received_at) < utcnow() - grace,
                                                      Photo.analysis_attempts < SWEEP_ATTEMPTS)
                               .order_by(col(Photo.analysis_attempts), col(Photo.received_at)).limit(limit)).all()
    analysed = 0
    for photo_id in pending:
        try:
            done = analyse_photo(engine, settings, storage, photo_id)
        except Exception:
            log.exception("analysing photo %s failed", photo_id)
            done = False
        if done:
            analysed += 1
            continue
        with transaction(engine) as session:
            session.exec(update(Photo).where(col(Photo.id) == photo_id, col(Photo.analysed_at).is_(None))
                         .values(analysis_attempts=Photo.analysis_attempts + 1))
    return analysed


def ensure_derivatives(storage: LocalStorage, sha256: str) -> None:
    """The copies, made now if missing (not analysed yet, or lost). Raises PhotoInvalid when the
    picture cannot be decoded."""
    if all(storage.derived_path(sha256, v).exists() for v in pipeline.VARIANTS):
        return
    for variant, data in pipeline.analyse(storage.original_path(sha256)).copies.items():
        storage.put_derived(sha256, variant, data)


def sweep(engine: Engine, storage: LocalStorage, *, grace: timedelta = timedelta(hours=1)) -> dict[str, int]:
    """Remove what a crash can leave behind: temp files, and stored originals no received photo
    references (written, then the process died before its commit). Recent files are spared: their
    commit may still be in flight."""
    cutoff = time.time() - grace.total_seconds()
    removed_temp = 0
    for path in storage.tmp.iterdir():
        try:
            stale = path.stat().st_mtime < cutoff
        except FileNotFoundError:  # renamed into place, or removed, by a live process since the listing
            continue
        if stale:
            path.unlink(missing_ok=True)
            removed_temp += 1
    with read_session(engine) as session:
        referenced = {sha256 for sha_column, received_column in EVIDENCE_COLUMNS
                      for sha256 in session.exec(select(sha_column).where(col(received_column).is_not(None))).all()}
    removed = 0
    for sha256, _path, mtime in list(storage.originals()):
        if sha256 not in referenced and mtime < cutoff:
            storage.delete_original(sha256)
            removed += 1
    return {"temp_files": removed_temp, "orphan_originals": removed}
