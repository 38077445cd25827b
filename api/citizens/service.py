"""Citizens' reports (随手拍, docs/citizens.md): taken without an account under the page's UUID, limited per
address and per device, reviewed by the dispatcher into a ticket (source `citizen`), a duplicate of one, or
a refusal with a reason the reporter reads."""

import hashlib
import hmac
import json
import math
import secrets
import uuid
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.audit import service as audit
from api.catalog.models import Category
from api.citizens.models import (
    CitizenSettings,
    CitizenSettingsWrite,
    Open311Key,
    PublicCategory,
    PublicCategoryList,
    PublicReport,
    PublicReportPhoto,
    PublicReportSubmit,
)
from api.config import Settings
from api.database import utcnow
from api.errors import ApiError, not_found
from api.grid.index import GridIndexCache
from api.tickets.models import Photo
from api.tickets import service as ticket_service
from api.tickets.models import PhotoDeclaration, Ticket, TicketCapture

# Unambiguous to read aloud or copy by hand: no 0/O, 1/I/L. 31 symbols, 10 of them: ~50 bits, not guessable.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
# Reports per window, a phone's (its page's device id) and an address's, as the county's settings allow:
# counted from the reports themselves, in the database, so every server process sees the same count.
RATE_WINDOW = timedelta(hours=1)
# What the reporter reads for each stage (docs/citizens.md).
STAGE_WORDS = {
    "received": ("已收到，等待审核", "Received, waiting for review"),
    "accepted": ("已受理，已交责任单位处理", "Accepted and sent to the responsible unit"),
    "fixed": ("已整改", "Fixed"),
    "closed": ("已办结", "Closed"),
    "rejected": ("未受理", "Not accepted"),
}


def closed() -> ApiError:
    return ApiError(503, "public_reports_closed", "随手拍暂停受理，请稍后再试或拨打 12345 热线",
                    "public reporting is closed for now; try later or call the 12345 hotline")


def _keyed(settings: Settings, kind: str, value: str) -> str:
    return hmac.new(settings.signing_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def address_key(settings: Settings, client: str) -> str:
    return _keyed(settings, "address", client)


def device_key(settings: Settings, device_id: str | None) -> str | None:
    return _keyed(settings, "device", device_id) if device_id else None


# --- the county's settings ---

def settings_of(session: Session) -> CitizenSettings:
    """The stored row, or the defaults while the county has set none."""
    return session.get(CitizenSettings, 1) or CitizenSettings()


def may_review(session: Session, user: User) -> bool:
    return user.role == Role.admin or user.role == settings_of(session).reviewer_role


def set_settings(session: Session, body: CitizenSettingsWrite, by: str) -> CitizenSettings:
    row = session.get(CitizenSettings, 1)
    before = CitizenSettingsWrite.model_validate(row, from_attributes=True).model_dump() if row else None
    row = row or CitizenSettings()
    for field, value in body.model_dump().items():
        setattr(row, field, value)
    row.updated_at, row.updated_by = utcnow(), by
    session.add(row)
    session.flush()
    audit.record(session, actor=by, entity="citizen_settings", key="1", action="update" if before else "create",
                 before=before, after=body.model_dump())
    return row


# --- the public list ---

def public_categories(session: Session) -> list[dict]:
    rows = session.exec(select(PublicCategory).join(Category, col(Category.code) == PublicCategory.category_code)
                        .where(Category.is_active == True)  # noqa: E712
                        .order_by(col(PublicCategory.position), col(PublicCategory.category_code))).all()
    return [{"code": r.category_code, "name": r.public_name, "name_en": r.public_name_en} for r in rows]


def set_public_categories(session: Session, body: PublicCategoryList) -> list[dict]:
    """Replace the list: these categories, in this order, under these names."""
    codes = [c.category_code for c in body.categories]
    if len(set(codes)) != len(codes):
        raise ApiError(422, "duplicate_category", "类别重复", "a category appears twice")
    active = set(session.exec(select(Category.code).where(col(Category.code).in_(codes),
                                                           Category.is_active == True)).all())  # noqa: E712
    unknown = [c for c in codes if c not in active]
    if unknown:
        raise ApiError(422, "unknown_category", "类别不存在或已停用", "unknown or inactive categories",
                       {"codes": unknown})
    session.exec(delete(PublicCategory))
    session.add_all(PublicCategory(category_code=c.category_code, public_name=c.public_name,
                                   public_name_en=c.public_name_en, position=n)
                    for n, c in enumerate(body.categories, 1))
    session.flush()
    return public_categories(session)


# --- taking a report ---

def _fingerprint(body: PublicReportSubmit) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _conflict() -> ApiError:
    return ApiError(409, "report_conflict", "该报告编号已被使用且内容不同",
                    "this report id is already used with a different body")


def _replay_or_conflict(report: PublicReport, sha: str) -> tuple[PublicReport, bool]:
    if report.request_sha256 != sha:
        raise _conflict()
    return report, False


def _take_turn(session: Session, keys: list[str]) -> None:
    """On PostgreSQL, this address's and this device's reports are counted one at a time (locks held to the
    end of the transaction, taken in one order: no deadlock). SQLite's write transactions take turns anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(int.from_bytes(bytes.fromhex(k[:16]), "big", signed=True) for k in keys):
        session.exec(select(func.pg_advisory_xact_lock(key)))


def _check_rate(session: Session, limits: list[tuple[Any, str | int | None, int]]) -> None:
    """429 with Retry-After (when the oldest report in the window leaves it) once any of (column, key, limit)
    has had its share of reports in the window."""
    _take_turn(session, [_keyed_lock(column, key) for column, key, _ in limits if key is not None])
    since = utcnow() - RATE_WINDOW
    for column, key, limit in limits:
        if key is None:
            continue
        count, oldest = session.exec(select(func.count(), func.min(PublicReport.received_at))
                                     .where(column == key, col(PublicReport.received_at) >= since)).one()
        if count >= limit:
            wait = max(1, math.ceil((oldest + RATE_WINDOW - utcnow()).total_seconds()))
            raise ApiError(429, "too_many_reports", "提交过于频繁，请稍后再试", "too many reports; try again later",
                           {"retry_after_s": wait}, headers={"Retry-After": str(wait)})


def _keyed_lock(column: Any, key: str | int) -> str:
    """The lock's name: a digest already (address, device), or one made of the key's id."""
    return key if isinstance(key, str) else hashlib.sha256(f"{column.key}:{key}".encode()).hexdigest()


def _new_code(session: Session) -> str:
    while True:  # a clash is a one-in-10^15 event; checked all the same, the column is unique
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(PublicReport.id).where(PublicReport.tracking_code == code)).first() is None:
            return code


def put_report(session: Session, settings: Settings, report_id: uuid.UUID, body: PublicReportSubmit, *,
               address: str) -> tuple[PublicReport, bool]:
    """Take the report on first sight (True); the same body again is a replay (False), another body a conflict."""
    sha = _fingerprint(body)
    found = session.get(PublicReport, report_id)
    if found is not None:
        return _replay_or_conflict(found, sha)
    if body.category not in {c["code"] for c in public_categories(session)}:
        raise ApiError(422, "unknown_category", "请从列表中选择问题类别", "choose a category from the public list",
                       {"category": body.category})
    too_big = [str(p.id) for p in body.photos if p.size > settings.photo_max_bytes]
    if too_big:
        raise ApiError(413, "photo_too_large", f"照片超过 {settings.photo_max_bytes // 2**20} MB 上限",
                       f"photos over the {settings.photo_max_bytes // 2**20} MB limit", {"photo_ids": too_big})
    device = device_key(settings, body.device_id)
    county = settings_of(session)
    _check_rate(session, [(PublicReport.device_key, device, county.per_device_hourly),
                          (PublicReport.address_key, address, county.per_address_hourly)])
    photo_ids = [p.id for p in body.photos]
    if session.exec(select(PublicReportPhoto.id).where(col(PublicReportPhoto.id).in_(photo_ids))).first():
        raise ApiError(409, "photo_conflict", "照片编号已被使用", "a photo id is already used")
    report = PublicReport(id=report_id, tracking_code=_new_code(session), category_code=body.category, lat=body.lat,
                          lon=body.lon, accuracy_m=body.accuracy_m, located_at=body.located_at,
                          description=body.description, phone=body.phone, created_at=body.created_at,
                          address_key=address, device_key=device, request_sha256=sha)
    try:
        session.add(report)
        session.flush()
        session.add_all(PublicReportPhoto(id=p.id, report_id=report_id, position=n, sha256=p.sha256,
                                          content_type=p.content_type, size=p.size)
                        for n, p in enumerate(body.photos))
        session.flush()
    except IntegrityError:  # the same id, sent twice at once: the other request took it first
        session.rollback()
        found = session.get(PublicReport, report_id)
        if found is None:
            raise
        return _replay_or_conflict(found, sha)
    return report, True


class ReceivedMedia(NamedTuple):
    """A photo sent with an Open311 request, checked and stored as evidence."""

    sha256: str
    content_type: str
    size: int
    width: int
    height: int


def put_open311_report(session: Session, settings: Settings, key: Open311Key, *, category: str, lat: float,
                       lon: float, description: str, phone: str | None, device_id: str | None,
                       media_url: str | None, fingerprint: str) -> tuple[PublicReport, bool]:
    """A request another system posts through Open311 (api/open311), into the same review queue. It has no
    client UUID: the same request from the same key within the hour is answered as the report it made, so a
    retry never doubles it. Limited by the key's own hourly limit (and by the device, when one is named). Its
    photo, if any, comes after (add_open311_photo)."""
    since = utcnow() - RATE_WINDOW
    found = session.exec(select(PublicReport).where(PublicReport.api_key_id == key.id,
                                                    PublicReport.request_sha256 == fingerprint,
                                                    col(PublicReport.received_at) >= since)).first()
    if found is not None:
        return found, False
    if category not in {c["code"] for c in public_categories(session)}:
        raise ApiError(422, "unknown_category", "服务类别不在公开列表中", "service_code is not on the public list",
                       {"service_code": category})
    device = device_key(settings, f"{key.id}:{device_id}" if device_id else None)
    _check_rate(session, [(PublicReport.api_key_id, key.id, key.hourly_limit),
                          (PublicReport.device_key, device, settings_of(session).per_device_hourly)])
    now = utcnow()
    report = PublicReport(id=uuid.uuid4(), tracking_code=_new_code(session), category_code=category, lat=lat, lon=lon,
                          accuracy_m=0.0, located_at=now, description=description, phone=phone, created_at=now,
                          received_at=now, address_key=_keyed(settings, "open311", str(key.id)), device_key=device,
                          request_sha256=fingerprint, channel="open311", api_key_id=key.id, media_url=media_url)
    session.add(report)
    session.flush()
    return report, True


def add_open311_photo(session: Session, report_id: uuid.UUID, media: ReceivedMedia) -> bool:
    """The photo of an Open311 report, stored already: True when recorded now, False when it is the report's
    photo already; another photo is refused (one a request)."""
    report = _locked(session, report_id)
    if report.status != "received":
        raise ApiError(409, "report_decided", "该报告已审核，不再接收照片", "this report was reviewed already")
    photos = photos_of(session, report_id)
    if photos:
        if photos[0].sha256 == media.sha256:
            return False
        raise ApiError(409, "photo_conflict", "该请求已有另一张照片", "this request has another photo already")
    session.add(PublicReportPhoto(id=uuid.uuid4(), report_id=report_id, position=0, sha256=media.sha256,
                                  content_type=media.content_type, size=media.size, received_at=utcnow(),
                                  width=media.width, height=media.height))
    session.flush()
    return True


def photos_of(session: Session, report_id: uuid.UUID) -> list[PublicReportPhoto]:
    return list(session.exec(select(PublicReportPhoto).where(PublicReportPhoto.report_id == report_id)
                             .order_by(col(PublicReportPhoto.position))).all())


def declared_photo(session: Session, report_id: uuid.UUID, photo_id: uuid.UUID) -> PublicReportPhoto:
    photo = session.get(PublicReportPhoto, photo_id)
    if photo is None or photo.report_id != report_id:
        raise not_found("照片", "Photo", str(photo_id))
    return photo


def report_status(session: Session, report_id: uuid.UUID) -> str:
    return session.exec(select(PublicReport.status).where(PublicReport.id == report_id)).one()


def mark_received(session: Session, photo_id: uuid.UUID, width: int, height: int) -> bool:
    """False when another request recorded it first."""
    photo = session.exec(select(PublicReportPhoto).where(PublicReportPhoto.id == photo_id).with_for_update()).one()
    if photo.received_at is not None:
        return False
    photo.received_at, photo.width, photo.height = utcnow(), width, height
    session.add(photo)
    session.flush()
    return True


# --- what the reporter sees ---

def by_code(session: Session, code: str) -> PublicReport:
    report = session.exec(select(PublicReport).where(PublicReport.tracking_code == code.upper())).first()
    if report is None:
        raise not_found("报告", "Report", code)
    return report


def ticket_of(session: Session, report: PublicReport) -> Ticket:
    return session.exec(select(Ticket).where(Ticket.id == report.ticket_id)).one()


def stage_of(session: Session, report: PublicReport) -> tuple[str, Ticket | None]:
    """The stage the reporter is shown, and the ticket behind it: an accepted or merged report follows its
    ticket (fixed once the unit has rectified it; closed if the ticket was cancelled)."""
    if report.status in ("received", "rejected"):
        return report.status, None
    ticket = ticket_of(session, report)
    if ticket.status in ("rectified", "closed"):
        return "fixed", ticket
    return ("closed" if ticket.status == "cancelled" else "accepted"), ticket


def after_photo_ids(session: Session, ticket: Ticket | None) -> list[uuid.UUID]:
    """The ticket's received after-photos (none without a ticket)."""
    if ticket is None:
        return []
    return list(session.exec(select(Photo.id).where(Photo.ticket_id == ticket.id, Photo.kind == "after",
                                                    col(Photo.received_at).is_not(None))
                             .order_by(col(Photo.received_at), col(Photo.position))).all())


def category_names(session: Session, code: str) -> tuple[str, str]:
    """The public name; the category's own if it has left the public list since."""
    public = session.get(PublicCategory, code)
    if public is not None:
        return public.public_name, public.public_name_en
    category = session.exec(select(Category).where(Category.code == code)).one()
    return category.name, category.name_en


def public_status(session: Session, report: PublicReport) -> dict:
    stage, ticket = stage_of(session, report)
    name, name_en = category_names(session, report.category_code)
    photos = after_photo_ids(session, ticket) if stage == "fixed" else []
    words, words_en = STAGE_WORDS[stage]
    return {"tracking_code": report.tracking_code, "stage": stage, "stage_text": words, "stage_text_en": words_en,
            "category_name": name, "category_name_en": name_en, "received_at": report.received_at,
            "reject_reason": report.reject_reason if stage == "rejected" else None,
            "after_photos": [f"/api/v1/public/reports/{report.tracking_code}/photos/{p}" for p in photos]}


def public_after_photo(session: Session, code: str, photo_id: uuid.UUID) -> Photo:
    """An after-photo of the report's ticket, once the stage is `fixed`; 404 for anything else."""
    report = by_code(session, code)
    stage, ticket = stage_of(session, report)
    if stage != "fixed" or photo_id not in after_photo_ids(session, ticket):
        raise not_found("照片", "Photo", str(photo_id))
    return session.exec(select(Photo).where(Photo.id == photo_id)).one()


# --- the review queue (审核) ---

def review_list(session: Session, status: str | None, limit: int) -> list[PublicReport]:
    query = select(PublicReport).order_by(col(PublicReport.received_at), col(PublicReport.id)).limit(limit)
    if status:
        query = query.where(PublicReport.status == status)
    return list(session.exec(query).all())


def review_render(session: Session, reports: list[PublicReport]) -> list[dict]:
    ids = [r.id for r in reports]
    photos: dict[uuid.UUID, list[PublicReportPhoto]] = {}
    for photo in session.exec(select(PublicReportPhoto).where(col(PublicReportPhoto.report_id).in_(ids))
                              .order_by(col(PublicReportPhoto.position))).all():
        photos.setdefault(photo.report_id, []).append(photo)
    names = dict(session.exec(select(Category.code, Category.name)
                              .where(col(Category.code).in_({r.category_code for r in reports}))).all())
    systems = dict(session.exec(select(Open311Key.id, Open311Key.system)
                                .where(col(Open311Key.id).in_({r.api_key_id for r in reports if r.api_key_id}))).all())
    rendered = []
    for report in reports:
        base = f"/api/v1/citizen-reports/{report.id}/photos"
        rendered.append({
            **report.model_dump(exclude={"address_key", "device_key", "request_sha256", "api_key_id"}),
            "system": systems.get(report.api_key_id) if report.api_key_id else None,
            "category_name": names.get(report.category_code, report.category_code),
            "photos": [{"id": p.id, "received": p.received_at is not None,
                        "original_url": f"{base}/{p.id}/original" if p.received_at else None,
                        "display_url": f"{base}/{p.id}/display" if p.received_at else None}
                       for p in photos.get(report.id, [])]})
    return rendered


def _locked(session: Session, report_id: uuid.UUID) -> PublicReport:
    report = session.exec(select(PublicReport).where(PublicReport.id == report_id).with_for_update()).first()
    if report is None:
        raise not_found("报告", "Report", str(report_id))
    return report


def _decided(report: PublicReport) -> ApiError:
    return ApiError(409, "report_decided", "该报告已审核", f"this report was {report.status} already",
                    {"status": report.status, "ticket_id": str(report.ticket_id) if report.ticket_id else None})


def _decide(report: PublicReport, user: User, status: str) -> None:
    report.status, report.reviewed_by, report.reviewed_at = status, user.id, utcnow()


def accept(session: Session, settings: Settings, grid_index: GridIndexCache, user: User, report_id: uuid.UUID,
           category: str | None) -> tuple[PublicReport, bool]:
    """The report becomes a ticket (source `citizen`) through the ticket domain's own capture and completion:
    located, routed and deadlined as an inspector's. Its photos are the ticket's before-photos (the same stored
    originals). Accepting an accepted report again changes nothing."""
    report = _locked(session, report_id)
    if report.status == "accepted":
        return report, False
    if report.status != "received":
        raise _decided(report)
    photos = photos_of(session, report_id)
    if not photos:  # an Open311 request may come without one; a ticket rests on its before-photo
        raise ApiError(409, "no_photo", "该报告没有照片，无法立案：可合并到已有工单或退回",
                       "this report has no photo to raise a ticket on: merge it into a ticket or reject it")
    missing = [str(p.id) for p in photos if p.received_at is None]
    if missing:
        raise ApiError(409, "photos_missing", "报告的照片尚未全部上传", "the report's photos have not all arrived",
                       {"photo_ids": missing})
    declared = [PhotoDeclaration.model_validate({"id": uuid.uuid4(), "sha256": p.sha256,
                                                 "content_type": p.content_type, "size": p.size}) for p in photos]
    capture = TicketCapture(category=category or report.category_code, lat=report.lat, lon=report.lon,
                            accuracy_m=report.accuracy_m, located_at=report.located_at,
                            captured_at=report.created_at, description=report.description, photos=declared)
    ticket, _ = ticket_service.put_ticket(session, settings, user, uuid.uuid4(), capture)
    row = session.exec(select(Ticket).where(Ticket.id == ticket.id)).one()
    row.source = ticket.source = "citizen"
    session.add(row)
    now = utcnow()
    received = {d.id: p for d, p in zip(declared, photos, strict=True)}
    for photo in session.exec(select(Photo).where(col(Photo.id).in_(list(received)))).all():
        photo.received_at, photo.width, photo.height = now, received[photo.id].width, received[photo.id].height
        session.add(photo)
    session.flush()
    ticket_service.complete(session, settings, grid_index, ticket, user)
    _decide(report, user, "accepted")
    report.ticket_id = ticket.id
    session.add(report)
    session.flush()
    return report, True


def merge(session: Session, user: User, report_id: uuid.UUID, ticket_id: uuid.UUID) -> tuple[PublicReport, bool]:
    """A duplicate of a ticket already raised: the reporter follows that ticket."""
    report = _locked(session, report_id)
    if report.status == "merged" and report.ticket_id == ticket_id:
        return report, False
    if report.status != "received":
        raise _decided(report)
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.status in ("incomplete", "cancelled"):
        raise ApiError(422, "unknown_ticket", "工单不存在或已作废", "no such ticket, or it was cancelled",
                       {"ticket_id": str(ticket_id)})
    _decide(report, user, "merged")
    report.ticket_id = ticket_id
    session.add(report)
    session.flush()
    return report, True


def reject(session: Session, user: User, report_id: uuid.UUID, reason: str) -> tuple[PublicReport, bool]:
    report = _locked(session, report_id)
    if report.status == "rejected" and report.reject_reason == reason:
        return report, False
    if report.status != "received":
        raise _decided(report)
    _decide(report, user, "rejected")
    report.reject_reason = reason
    session.add(report)
    session.flush()
    return report, True
