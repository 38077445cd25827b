"""Patrols as the phone sends them (exactly once), what is due, coverage, and the readiness board."""

import hashlib
import json
import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.catalog.models import Category
from api.config import Settings
from api.database import utcnow
from api.errors import ApiError, not_found
from api.geo import distance_m
from api.grid.models import CellInspector
from api.keypoints import service as keypoints
from api.keypoints.models import KeyPoint
from api.patrols.models import (
    Coverage,
    CoverageFigures,
    CoverageMiss,
    CoverageRow,
    DueList,
    DuePoint,
    OpenTicket,
    Patrol,
    PatrolItem,
    PatrolPhoto,
    PatrolPhotoPublic,
    PatrolPublic,
    PatrolSubmit,
    PointReadiness,
    Readiness,
    ReadinessDay,
)
from api.tickets.models import OPEN_STATUSES, Ticket

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little ahead of the server's
WORKING = ("dispatched", "accepted", "rework")  # the unit's clock running, as the overview counts overdue


def _refused(code: str, zh: str, en: str, details=None, status: int = 422) -> ApiError:
    return ApiError(status, code, zh, en, details)


def request_sha256(body: PatrolSubmit) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def my_cells(session: Session, user_id: int) -> set[str]:
    return set(session.exec(select(CellInspector.cell_code).where(CellInspector.user_id == user_id)).all())


def _check(session: Session, settings: Settings, user: User, body: PatrolSubmit) -> tuple[KeyPoint, float]:
    """Everything that would refuse the patrol, before anything is written. Returns the point and the
    distance from it."""
    now = utcnow()
    times = (body.started_at, body.finished_at, body.located_at)
    if any(t < EARLIEST or t > now + CLOCK_SKEW for t in times) or body.finished_at < body.started_at:
        raise _refused("bad_patrol_time", "巡查时间无效（晚于当前时间、早于2000年或结束早于开始）",
                       "patrol times must not be in the future, before 2000, or end before they start")
    point = session.get(KeyPoint, body.key_point_id)
    day = body.started_at.astimezone(settings.tz).date()
    if point is None or not point.active_on(day):
        raise _refused("unknown_key_point", f"点位 {body.key_point_id} 不存在或未启用",
                       f"key point {body.key_point_id} does not exist or is not active")
    if point.cell_code not in my_cells(session, user.id):
        raise _refused("point_not_assigned", f"点位「{point.name}」不在您负责的网格内",
                       "this key point is not in your cells", {"key_point_id": point.id}, status=403)
    checklist = keypoints.checklist_version(session, point.point_type_code, body.checklist_version)
    if checklist is None:
        raise _refused("unknown_checklist_version", f"测评清单版本 {body.checklist_version} 不存在",
                       f"checklist version {body.checklist_version} does not exist for this point type")
    codes = [item["code"] for item in checklist.items]
    answered = [item.code for item in body.items]
    unknown = sorted(set(answered) - set(codes))
    if unknown:
        raise _refused("unknown_item_code", f"清单中没有这些项目：{', '.join(unknown)}",
                       f"items not on the checklist: {', '.join(unknown)}", {"codes": unknown})
    missing = [code for code in codes if code not in answered]
    if missing or len(answered) != len(set(answered)):
        raise _refused("items_incomplete", "清单每一项须且只须填写一次", "answer every checklist item exactly once",
                       {"missing": missing})
    fails = [item for item in body.items if item.result == "fail"]
    if any(item.ticket_id is None for item in fails):
        raise _refused("fail_needs_ticket", "不合格项须拍照上报为问题工单",
                       "a failed item needs the ticket (with its photos) it raised",
                       {"codes": [item.code for item in fails if item.ticket_id is None]})
    if len({item.ticket_id for item in fails}) != len(fails):
        raise _refused("fail_needs_ticket", "每个不合格项须有各自的工单", "each failed item needs its own ticket")
    if not fails and not body.photos:
        raise _refused("overview_photo_required", "全部合格时须拍一张现场全景照片",
                       "a patrol with no failed item needs an overview photo")
    distance = distance_m(body.lat, body.lon, point.lat, point.lon)
    if distance > settings.patrol_radius_m and not (body.off_site_reason or "").strip():
        raise _refused("off_site_reason_required",
                       f"距点位 {distance:.0f} 米，超出 {settings.patrol_radius_m:.0f} 米，请说明原因",
                       f"{distance:.0f} m from the point, beyond {settings.patrol_radius_m:.0f} m: say why",
                       {"distance_m": round(distance, 1), "radius_m": settings.patrol_radius_m})
    return point, distance


def put_patrol(session: Session, settings: Settings, user: User, patrol_id: uuid.UUID,
               body: PatrolSubmit) -> tuple[Patrol, bool]:
    """Store the patrol on first sight (True); the same body again is a replay (False); another body
    under the same id is a 409. Safe under racing duplicates."""
    sha = request_sha256(body)

    def replay(existing: Patrol) -> tuple[Patrol, bool]:
        if existing.inspector_id != user.id or existing.request_sha256 != sha:
            raise _refused("patrol_conflict", "该巡查编号已被使用且内容不同",
                           "this patrol id is already used with a different body", status=409)
        return existing, False

    existing = session.get(Patrol, patrol_id)
    if existing is not None:
        return replay(existing)
    point, distance = _check(session, settings, user, body)
    patrol = Patrol(id=patrol_id, key_point_id=point.id, inspector_id=user.id, started_at=body.started_at,
                    finished_at=body.finished_at, day=body.started_at.astimezone(settings.tz).date(), lat=body.lat,
                    lon=body.lon, accuracy_m=body.accuracy_m, located_at=body.located_at,
                    distance_m=round(distance, 1), off_site_reason=(body.off_site_reason or "").strip() or None,
                    checklist_version=body.checklist_version, items=[i.model_dump(mode="json") for i in body.items],
                    note=body.note, request_sha256=sha)
    try:
        with session.begin_nested():  # a racing duplicate that committed first fails only this savepoint
            session.add(patrol)
            session.flush()
            session.add_all(PatrolPhoto(id=p.id, patrol_id=patrol_id, position=n, sha256=p.sha256,
                                        content_type=p.content_type, size=p.size)
                            for n, p in enumerate(body.photos))
            session.flush()
    except IntegrityError:
        existing = session.get(Patrol, patrol_id)
        if existing is None:
            raise _refused("photo_conflict", "照片编号已被使用", "a photo id is already used", status=409) from None
        return replay(existing)
    return patrol, True


def readable_patrol(session: Session, user: User, patrol_id: uuid.UUID) -> Patrol:
    """The patrol, or 404 for whoever may not see it: its inspector, staff, the point's unit."""
    patrol = session.get(Patrol, patrol_id)
    if patrol is not None:
        if patrol.inspector_id == user.id or user.role in (Role.dispatcher, Role.supervisor, Role.ledger,
                                                           Role.leader, Role.admin):
            return patrol
        point = session.get(KeyPoint, patrol.key_point_id)
        if user.role == Role.bureau and user.bureau_code and point.bureau_code == user.bureau_code:
            return patrol
    raise not_found("巡查记录", "Patrol", str(patrol_id))


def patrol_public(session: Session, patrol: Patrol) -> PatrolPublic:
    point = session.get(KeyPoint, patrol.key_point_id)
    inspector = session.get(User, patrol.inspector_id)
    photos = session.exec(select(PatrolPhoto).where(PatrolPhoto.patrol_id == patrol.id)
                          .order_by(PatrolPhoto.position)).all()
    return PatrolPublic(
        id=patrol.id, key_point_id=patrol.key_point_id, key_point_name=point.name, inspector=inspector.display_name,
        started_at=patrol.started_at, finished_at=patrol.finished_at, day=patrol.day, distance_m=patrol.distance_m,
        on_site=patrol.off_site_reason is None, off_site_reason=patrol.off_site_reason,
        checklist_version=patrol.checklist_version, items=[PatrolItem.model_validate(i) for i in patrol.items],
        note=patrol.note, photos=[PatrolPhotoPublic(id=p.id, received=p.received_at is not None) for p in photos],
        created_at=patrol.created_at)


def declared_photo(session: Session, user_id: int, patrol_id: uuid.UUID, photo_id: uuid.UUID) -> PatrolPhoto:
    """A photo the caller's patrol declared (404 otherwise: others' patrols are not revealed)."""
    photo = session.get(PatrolPhoto, photo_id)
    patrol = session.get(Patrol, patrol_id)
    if photo is None or patrol is None or photo.patrol_id != patrol_id or patrol.inspector_id != user_id:
        raise not_found("巡查照片", "Patrol photo", str(photo_id))
    return photo


def mark_received(session: Session, photo_id: uuid.UUID) -> bool:
    """Record the bytes as stored; False when they already were (a replay)."""
    photo = session.get(PatrolPhoto, photo_id, with_for_update=True)
    if photo.received_at is not None:
        return False
    photo.received_at = utcnow()
    session.add(photo)
    session.flush()
    return True


# --- what is due ---

def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _patrolled(session: Session, point_ids, first: date, last: date) -> dict[int, dict[date, datetime]]:
    """For each point, the days in [first, last] it was patrolled, with the latest patrol's start."""
    found: dict[int, dict[date, datetime]] = defaultdict(dict)
    if not point_ids:
        return found
    rows = session.exec(select(Patrol.key_point_id, Patrol.day, Patrol.started_at)
                        .where(col(Patrol.key_point_id).in_(point_ids), col(Patrol.day) >= first,
                               col(Patrol.day) <= last)).all()
    for point_id, day, started in rows:
        days = found[point_id]
        days[day] = max(days.get(day, started), started)
    return found


def _patrol_days(session: Session, point_ids, first: date, last: date) -> dict[int, set[date]]:
    """For each point, the days in [first, last] it was patrolled: (key_point_id, day) alone, which
    PostgreSQL reads from the index without visiting the table's wide rows."""
    found: dict[int, set[date]] = defaultdict(set)
    if point_ids:
        # Streamed (Core, not the ORM, which holds every row at once): 15,000 rows for 500 points in 30 days.
        for point_id, day in session.connection().execute(select(Patrol.key_point_id, Patrol.day).where(
                col(Patrol.key_point_id).in_(point_ids), col(Patrol.day) >= first, col(Patrol.day) <= last)):
            found[point_id].add(day)
    return found


def due_today(session: Session, settings: Settings, user: User, day: date) -> DueList:
    cells = my_cells(session, user.id)
    points = [p for p in keypoints.list_points(session) if p.cell_code in cells and p.active_on(day)]
    patrolled = _patrolled(session, [p.id for p in points], _monday(day), day)
    ids = defaultdict(list)
    if points:
        for patrol_id, point_id in session.exec(select(Patrol.id, Patrol.key_point_id).where(
                col(Patrol.key_point_id).in_([p.id for p in points]), Patrol.day == day)).all():
            ids[point_id].append(patrol_id)
    rendered = keypoints.render(session, points)
    due = []
    for point, public in zip(points, rendered, strict=True):
        days = patrolled.get(point.id, {})
        done = day in days if point.patrol_frequency == "daily" else bool(days)
        due.append(DuePoint(key_point=public, due=True, done=done, patrol_ids=ids[point.id],
                            last_patrolled_at=max(days.values()) if days else None))
    return DueList(date=day, radius_m=settings.patrol_radius_m, points=due)


# --- coverage ---

def _periods(point: KeyPoint, first: date, last: date) -> list[tuple[date, date]]:
    """The point's due periods that touch [first, last]: each day it is active, or each ISO week
    (Monday to Sunday) with an active day inside the range."""
    # The days `active_on` accepts form one run: [active_from, active_to], clipped to the range.
    if not point.is_active:
        return []
    start, end = max(first, point.active_from or first), min(last, point.active_to or last)
    if point.patrol_frequency == "daily":
        return [(day, day) for day in _days(start, end)]
    weeks = []
    for monday in _days(_monday(first), last)[::7]:
        sunday = monday + timedelta(days=6)
        if max(monday, start) <= min(sunday, end):
            weeks.append((monday, sunday))
    return weeks


def coverage(session: Session, settings: Settings, *, first: date, last: date, by: str,
             bureau: str | None = None, now: datetime | None = None) -> Coverage:
    """Due, patrolled, missed and pending per point, cell, inspector or unit over [first, last]. A due
    period not patrolled is missed once it has ended (in the county's zone), pending while it runs."""
    today = (now or utcnow()).astimezone(settings.tz).date()
    points = keypoints.list_points(session, bureau=bureau)
    seen = _patrol_days(session, [p.id for p in points], _monday(first), last + timedelta(days=6))
    if by == "inspector":
        inspectors = defaultdict(list)
        for cell, username, name in session.exec(select(CellInspector.cell_code, User.username, User.display_name)
                                                 .join(User, col(User.id) == CellInspector.user_id)).all():
            inspectors[cell].append((username, name))
    elif by in ("cell", "bureau"):
        rendered = {p.id: p for p in keypoints.render(session, points)}
    # Counted in plain integers, [due, patrolled, missed, pending], and made into rows at the end: a row
    # model per due day cost more than the rest of the call (15,000 due days for 500 points in 30 days).
    patrolled, missed, pending = 1, 2, 3  # places in those lists
    totals = [0, 0, 0, 0]
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    missed_points: dict[str, list[CoverageMiss]] = {}
    keys_of = {
        "point": lambda point: [(str(point.id), point.name)],
        "cell": lambda point: [(point.cell_code or "", rendered[point.id].cell_name or "—")],
        "bureau": lambda point: [(point.bureau_code or "", rendered[point.id].bureau_name or "—")],
        "inspector": lambda point: inspectors.get(point.cell_code, []),
    }
    for point in points:
        keys = keys_of[by](point)
        days = seen.get(point.id, set())
        done_in = days if point.patrol_frequency == "daily" else {_monday(day) for day in days}
        for start, end in _periods(point, first, last):
            n = patrolled if start in done_in else missed if end < today else pending
            totals[0] += 1
            totals[n] += 1
            for key, name in keys:
                if key not in counts:
                    counts[key], names[key], missed_points[key] = [0, 0, 0, 0], name, []
                row = counts[key]
                row[0] += 1
                row[n] += 1
                if n == missed:
                    missed_points[key].append(CoverageMiss(key_point_id=point.id, name=point.name, date=start))

    def figures(due: int, done: int, missed: int, pending: int) -> dict:
        return {"due": due, "patrolled": done, "missed": missed, "pending": pending,
                "rate": round(done / due, 4) if due else None}

    rows = [CoverageRow(key=key, name=names[key], missed_points=missed_points[key], **figures(*row))
            for key, row in counts.items()]
    ordered = sorted(rows, key=lambda r: (r.rate if r.rate is not None else 2, r.name))
    return Coverage(**{"from": first}, to=last, by=by, totals=CoverageFigures(**figures(*totals)), rows=ordered)


# --- readiness ---

def _day_end(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tz)


class _BoardTicket(NamedTuple):
    """What the board reads of a ticket, as a plain tuple: a result row's attribute costs ten times more."""

    id: uuid.UUID
    key_point_id: int
    status: str
    category_code: str
    created_at: datetime
    deadline_at: datetime | None
    stopped_at: datetime | None  # when the unit stopped the clock: rectified, else closed


_BOARD_COLUMNS = (Ticket.id, Ticket.key_point_id, Ticket.status, Ticket.category_code, Ticket.created_at,
                  Ticket.deadline_at, func.coalesce(Ticket.rectified_at, Ticket.closed_at))


def readiness(session: Session, settings: Settings, *, days: int, cctv_only: bool = False,
              bureau: str | None = None, now: datetime | None = None) -> Readiness:
    """The board: every CCTV point and declared site, the last `days` days, worst first."""
    tz = settings.tz
    now = now or utcnow()
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    points = [p for p in keypoints.list_points(session, bureau=bureau, active=True)
              if (p.has_cctv or (p.is_declared and not cctv_only)) and p.active_on(today)]
    ids = [p.id for p in points]
    patrolled = _patrol_days(session, ids, _monday(first), today)
    dates = [first + timedelta(days=n) for n in range(days)]
    # In order, so a ticket is late on a run of days; in UTC like the tickets' times, which compare fast.
    moments = [min(_day_end(day, tz), now).astimezone(UTC) for day in dates]
    raised = defaultdict(lambda: [0] * days)  # per point and day
    late = defaultdict(lambda: [0] * days)
    still_open = defaultdict(list)
    names = {}
    if ids:
        window_start = datetime.combine(first, time(), tz)
        # Raised there in the window, or still open, or closed in the window (overdue on some days): the
        # columns the board reads, from the index ix_tickets_key_point (no row of the wide table). Counted
        # as they stream: only the open ones are kept.
        query = (select(*_BOARD_COLUMNS)
                 .where(col(Ticket.key_point_id).in_(ids), Ticket.status != "incomplete",
                        (col(Ticket.created_at) >= window_start) | col(Ticket.status).in_(OPEN_STATUSES)
                        | (col(Ticket.closed_at) >= window_start)))
        for row in session.connection().execute(query):
            t = _BoardTicket(*row)
            if first <= (created := t.created_at.astimezone(tz).date()) <= today:
                raised[t.key_point_id][(created - first).days] += 1
            if span := _overdue_span(t):  # late at the moments strictly inside the span
                after, until = span
                point_late = late[t.key_point_id]
                for n in range(bisect_right(moments, after), bisect_left(moments, until) if until else days):
                    point_late[n] += 1
            if t.status in OPEN_STATUSES:
                still_open[t.key_point_id].append((t, span))
        codes = {t.category_code for found in still_open.values() for t, _ in found}
        names = dict(session.exec(select(Category.code, Category.name).where(col(Category.code).in_(codes))).all())
    strips: dict[tuple, ReadinessDay] = {}  # equal days shared: 400 points × 30 days of models cost ~35 ms
    boards = []
    for point, public in zip(points, keypoints.render(session, points), strict=True):
        seen = patrolled.get(point.id, set())
        point_raised, point_late = raised.get(point.id, [0] * days), late.get(point.id, [0] * days)
        strip = []
        for n, day in enumerate(dates):
            key = (n, day in seen, point_raised[n], point_late[n])
            if key not in strips:
                strips[key] = ReadinessDay(date=day, patrolled=key[1], problems=key[2], overdue=key[3])
            strip.append(strips[key])
        open_tickets = [OpenTicket(id=t.id, status=t.status, category_name=names[t.category_code],
                                   deadline_at=t.deadline_at, overdue=_late(span, now))
                        for t, span in sorted(still_open.get(point.id, []), key=lambda pair: pair[0].created_at)]
        reasons = _reasons(point, seen, open_tickets, today)
        status = "red" if {"overdue_problem", "missed_yesterday"} & set(reasons) else "yellow" if reasons else "green"
        boards.append(PointReadiness(key_point=public, status=status, reasons=reasons, days=strip,
                                     open_tickets=open_tickets))
    rank = {"red": 0, "yellow": 1, "green": 2}
    boards.sort(key=lambda b: (rank[b.status], -sum(d.overdue > 0 for d in b.days),
                               sum(d.patrolled for d in b.days), b.key_point.name))
    return Readiness(as_of=now, days=days, points=boards)


def _overdue_span(ticket: _BoardTicket) -> tuple[datetime, datetime | None] | None:
    """When a ticket is open past its deadline: dispatched, at the moments strictly after the deadline and
    before the unit stopped (rectified or closed; None: not yet). None if it never is (no deadline, parked,
    cancelled, or no longer working with no time it stopped)."""
    if ticket.deadline_at is None or ticket.status in ("cancelled", "parked"):
        return None
    if ticket.status in WORKING:
        return ticket.deadline_at, None
    return (ticket.deadline_at, ticket.stopped_at) if ticket.stopped_at is not None else None


def _late(span: tuple[datetime, datetime | None] | None, moment: datetime) -> bool:
    """Open past its deadline at `moment`, given the ticket's `_overdue_span`."""
    return span is not None and span[0] < moment and (span[1] is None or moment < span[1])


def _reasons(point: KeyPoint, seen: set[date], open_tickets: list[OpenTicket], today: date) -> list[str]:
    reasons = []
    if any(t.overdue for t in open_tickets):
        reasons.append("overdue_problem")
    yesterday = today - timedelta(days=1)
    if point.patrol_frequency == "daily":
        if point.active_on(yesterday) and yesterday not in seen:
            reasons.append("missed_yesterday")
        patrolled_now = today in seen
    else:
        patrolled_now = any(_monday(day) == _monday(today) for day in seen)
    if any(not t.overdue for t in open_tickets):
        reasons.append("open_problem")
    if not patrolled_now:
        reasons.append("not_patrolled_today")
    return reasons
