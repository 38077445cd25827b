"""Bulletins as records: who may read which, asking for one, versions, publication. Generation itself runs in
the background (api/bulletins/runner.py). Functions flush; the request's session commits."""

import uuid
from datetime import date, timedelta
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.bulletins.content import headline
from api.bulletins.models import PERIOD_KINDS, Bulletin, BulletinCreate, BulletinPublic, Kind, Status
from api.config import Settings
from api.database import stored_id, utcnow
from api.documents.store import DocumentStore
from api.errors import ApiError, not_found
from api.indicators import periods
from api.tickets.models import Photo
from api.tickets.models import Ticket

AUTHORS = (Role.dispatcher, Role.leader, Role.admin)  # ask for, regenerate, publish, delete drafts
# How long a queued bulletin waits for the process that queued it before the worker takes it.
START_WITHIN = timedelta(minutes=1)


def _conflict(code: str, zh: str, en: str) -> ApiError:
    return ApiError(409, code, zh, en)


def readable(session: Session, user: User, bulletin_id: uuid.UUID, *, lock: bool = False) -> Bulletin:
    """The bulletin, or 404: a unit's liaison reads published ones only (drafts are the office's)."""
    query = select(Bulletin).where(Bulletin.id == bulletin_id)
    if lock:  # publication and changes wait for each other
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.exec(query).first()
    if row is None or (user.role == Role.bureau and row.published_at is None):
        raise not_found("通报", "Bulletin", str(bulletin_id))
    return row


def latest_published(session: Session, kind: str, period: str) -> Bulletin | None:
    return session.exec(select(Bulletin).where(Bulletin.kind == kind, Bulletin.period == period,
                                               col(Bulletin.published_at).is_not(None))
                        .order_by(col(Bulletin.version).desc()).limit(1)).first()


_PERIOD_NAMES = {"weekly": ("周", "2026-W48"), "monthly": ("月度", "2026-11"), "quarterly": ("季度", "2026-Q4")}


def _period(kind: str, text: str, today: date) -> periods.Period:
    """The period a bulletin of this kind covers: 422 for one of another kind, or one not begun."""
    period = periods.parse(text)
    if period.kind != PERIOD_KINDS[kind]:
        name, example = _PERIOD_NAMES[kind]
        raise ApiError(422, "bad_period", f"{name}通报的期别应写作如 {example}",
                       f"a {kind} bulletin's period is written like {example}", {"period": text, "kind": kind})
    if period.first > today:
        raise ApiError(422, "period_not_started", "该期尚未开始，无法生成通报", "that period has not begun",
                       {"period": text})
    return period


def _check_showcase(session: Session, ticket_ids: list[uuid.UUID]) -> None:
    """The chosen tickets exist and each has a before-photo to show (the after-photo may still be missing:
    an unfixed problem is exposed too)."""
    found = set(session.exec(select(Ticket.id).where(col(Ticket.id).in_(ticket_ids))).all())
    unknown = [str(t) for t in ticket_ids if t not in found]
    if unknown:
        raise ApiError(422, "unknown_tickets", "曝光台所选工单不存在", "some chosen tickets do not exist",
                       {"ticket_ids": unknown})
    pictured = set(session.exec(select(Photo.ticket_id).where(
        col(Photo.ticket_id).in_(ticket_ids), Photo.kind == "before", col(Photo.received_at).is_not(None))).all())
    bare = [str(t) for t in ticket_ids if t not in pictured]
    if bare:
        raise ApiError(422, "ticket_without_photos", "曝光台所选工单没有问题照片",
                       "some chosen tickets have no photo of the problem", {"ticket_ids": bare})


def number(session: Session, row: Bulletin) -> None:
    """The version it will be published as, and the published one it then corrects."""
    latest = latest_published(session, row.kind, row.period)
    row.version = latest.version + 1 if latest else 1
    row.supersedes_id = latest.id if latest else None


def create(session: Session, settings: Settings, user: User, body: BulletinCreate) -> Bulletin:
    """A bulletin queued for generation (202: the caller follows its progress)."""
    period = _period(body.kind, body.period, utcnow().astimezone(settings.tz).date())
    if body.showcase_ticket_ids:
        _check_showcase(session, body.showcase_ticket_ids)
    assert period.label is not None  # a week, a month or a quarter
    row = Bulletin(kind=body.kind, period=period.label, created_by=stored_id(user.id), version=1,
                   showcase_ticket_ids=[str(t) for t in body.showcase_ticket_ids]
                   if body.showcase_ticket_ids is not None else None,
                   lease_until=utcnow() + START_WITHIN)
    number(session, row)
    session.add(row)
    session.flush()
    return row


def listed(session: Session, user: User, *, kind: str | None, period: str | None, limit: int) -> list[Bulletin]:
    query = select(Bulletin).order_by(col(Bulletin.created_at).desc(), col(Bulletin.id).desc()).limit(limit)
    if user.role == Role.bureau:
        query = query.where(col(Bulletin.published_at).is_not(None))
    if kind is not None:
        query = query.where(Bulletin.kind == kind)
    if period is not None:
        query = query.where(Bulletin.period == period)
    return list(session.exec(query).all())


def _unpublished_and_idle(row: Bulletin) -> None:
    if row.published_at is not None:
        raise _conflict("bulletin_published", "通报已发布，不能修改或删除；如需更正，请生成同期新版本",
                        "a published bulletin cannot be changed or deleted; generate a new version to correct it")
    if row.status in ("queued", "running"):
        raise _conflict("bulletin_busy", "通报正在生成，请稍候", "the bulletin is being generated; wait for it")


def regenerate(session: Session, row: Bulletin) -> Bulletin:
    """A draft (done or failed) made again from today's data."""
    _unpublished_and_idle(row)
    row.status, row.progress, row.attempts, row.error, row.error_en = "queued", 0, 0, None, None
    row.content = row.sha256 = row.size = row.generated_at = None
    row.lease_until = utcnow() + START_WITHIN
    number(session, row)
    session.add(row)
    session.flush()
    return row


def delete(session: Session, row: Bulletin) -> None:
    """A draft removed; its PDF goes with the documents' sweep."""
    _unpublished_and_idle(row)
    session.delete(row)
    session.flush()


def publish(session: Session, documents: DocumentStore, user: User, row: Bulletin) -> Bulletin:
    """Freeze the generated PDF as this period's next version. Publishing it again changes nothing."""
    if row.published_at is not None:
        return row
    if row.status != "done":
        raise _conflict("bulletin_not_ready", "通报尚未生成完成", "the bulletin has not been generated yet")
    latest = latest_published(session, row.kind, row.period)
    if (latest.id if latest else None) != row.supersedes_id:
        assert latest is not None  # what the draft corrects was published, and a published bulletin stays
        raise _conflict("bulletin_outdated", f"本期已发布第 {latest.version} 版，请重新生成后再发布",
                        f"version {latest.version} of this period was published since; regenerate, then publish")
    if row.sha256 is None or documents.digest(row.sha256) != row.sha256:
        raise _conflict("document_missing", "通报文件缺失或已损坏，请重新生成",
                        "the bulletin's file is missing or damaged; regenerate it")
    row.published_at, row.published_by = utcnow(), user.id
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # another draft of the period was published as this version at the same moment
        raise _conflict("bulletin_outdated", "本期刚有其他版本发布，请重新生成后再发布",
                        "another version of this period was just published; regenerate, then publish") from None
    return row


def title(row: Bulletin) -> str:
    return headline(row.kind, periods.parse(row.period))


def public(session: Session, rows: list[Bulletin]) -> list[BulletinPublic]:
    """The rows as the API shows them, with the names of their authors and the versions they correct."""
    users = dict(session.exec(select(User.id, User.username).where(
        col(User.id).in_({r.created_by for r in rows}))).all()) if rows else {}
    corrected = {r.supersedes_id for r in rows if r.supersedes_id}
    versions = dict(session.exec(select(Bulletin.id, Bulletin.version).where(
        col(Bulletin.id).in_(corrected))).all()) if corrected else {}
    # cast: the table's constraints hold kind and status to these values.
    return [BulletinPublic(
        id=r.id, kind=cast(Kind, r.kind), period=r.period, title=title(r), status=cast(Status, r.status),
        progress=r.progress, version=r.version, supersedes=r.supersedes_id,
        supersedes_version=versions.get(r.supersedes_id) if r.supersedes_id else None,
        published_at=r.published_at, sha256=r.sha256, size=r.size, error=r.error, error_en=r.error_en,
        showcase_ticket_ids=[uuid.UUID(t) for t in r.showcase_ticket_ids] if r.showcase_ticket_ids is not None
        else None,
        created_at=r.created_at, created_by=users.get(r.created_by, ""), generated_at=r.generated_at,
        pdf_url=f"/api/v1/bulletins/{r.id}.pdf", html_url=f"/api/v1/bulletins/{r.id}.html") for r in rows]
