"""Patrols as the phone sends them (exactly once), what is due, coverage, and the readiness board."""

import hashlib
import json
import typing
import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import Row, String, bindparam, case, cast, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.bureaus.models import Bureau
from api.catalog.models import Category
from api.config import Settings
from api.database import stored_id, table_of, utcnow
from api.errors import ApiError, not_found
from api.geo import distance_m
from api.grid.models import CellInspector, GridCell
from api.keypoints import service as keypoints
from api.keypoints.models import KeyPoint
from api.patrols.models import (
    WORKED_STATUSES,
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
from api.tickets.models import CLOCK_RUNNING, Ticket
from api.tickets.service import status_in

# Closer than DeviceTime's day: a patrol is walked before it is sent, so one from the future is a wrong clock.
CLOCK_SKEW = timedelta(minutes=10)


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
    if any(t > now + CLOCK_SKEW for t in times) or body.finished_at < body.started_at:
        raise _refused("bad_patrol_time", "巡查时间无效（晚于当前时间或结束早于开始）",
                       "patrol times must not be in the future or end before they start")
    point = session.get(KeyPoint, body.key_point_id)
    day = body.started_at.astimezone(settings.tz).date()
    if point is None or not point.active_on(day):
        raise _refused("unknown_key_point", f"点位 {body.key_point_id} 不存在或未启用",
                       f"key point {body.key_point_id} does not exist or is not active")
    if point.cell_code not in my_cells(session, stored_id(user.id)):
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
    patrol = Patrol(id=patrol_id, key_point_id=stored_id(point.id), inspector_id=stored_id(user.id),
                    started_at=body.started_at, finished_at=body.finished_at,
                    day=body.started_at.astimezone(settings.tz).date(), lat=body.lat, lon=body.lon,
                    accuracy_m=body.accuracy_m, located_at=body.located_at,
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
        point = session.get_one(KeyPoint, patrol.key_point_id)
        if user.role == Role.bureau and user.bureau_code and point.bureau_code == user.bureau_code:
            return patrol
    raise not_found("巡查记录", "Patrol", str(patrol_id))


def patrol_public(session: Session, patrol: Patrol) -> PatrolPublic:
    point = session.get_one(KeyPoint, patrol.key_point_id)
    inspector = session.get_one(User, patrol.inspector_id)
    photos = session.exec(select(PatrolPhoto).where(PatrolPhoto.patrol_id == patrol.id)
                          .order_by(col(PatrolPhoto.position))).all()
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
    photo = session.get_one(PatrolPhoto, photo_id, with_for_update=True)
    if photo.received_at is not None:
        return False
    photo.received_at = utcnow()
    session.add(photo)
    session.flush()
    return True


# --- what is due ---

def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _patrolled(session: Session, point_ids, first: date, last: date) -> dict[int, dict[date, datetime]]:
    """For each point, the days in [first, last] it was patrolled, with the latest patrol's start."""
    found: dict[int, dict[date, datetime]] = defaultdict(dict)
    if not point_ids:
        return found
    rows = session.exec(select(col(Patrol.key_point_id), col(Patrol.day), col(Patrol.started_at))
                        .where(col(Patrol.key_point_id).in_(point_ids), col(Patrol.day) >= first,
                               col(Patrol.day) <= last)).all()
    for point_id, day, started in rows:
        days = found[point_id]
        days[day] = max(days.get(day, started), started)
    return found


def due_today(session: Session, settings: Settings, user: User, day: date) -> DueList:
    cells = my_cells(session, stored_id(user.id))
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
        days = patrolled.get(stored_id(point.id), {})
        done = day in days if point.patrol_frequency == "daily" else bool(days)
        due.append(DuePoint(key_point=public, due=True, done=done, patrol_ids=ids[stored_id(point.id)],
                            last_patrolled_at=max(days.values()) if days else None))
    return DueList(date=day, radius_m=settings.patrol_radius_m, points=due)


# --- hundreds of points at once: coverage and the board ---

def _point_rows(session: Session, *where) -> Sequence[Row]:
    """Key points as plain rows, for the calls that read hundreds: an ORM object costs three times as long to
    load, and leaves six objects for the garbage collector to walk where a row leaves one."""
    return session.connection().execute(table_of(KeyPoint).select().where(*where).order_by(col(KeyPoint.id))).all()


def _active_on(point: Row, day: date) -> bool:
    return KeyPoint.active_on(typing.cast(KeyPoint, point), day)  # the model's rule, read off a row


def _among(column, ids: list[int]):
    """`column IN (1, 2, …)` with the ids written into the SQL: hundreds of bound parameters cost more to
    render, send and parse than the query they are in."""
    return col(column).in_(bindparam(None, ids, expanding=True, literal_execute=True))


def _patrol_masks(session: Session, point_ids, start: date, end: date) -> dict[int, int]:
    """For each point, the days in [start, end] it was patrolled, as the bits of an integer (bit n: `start` plus
    n days): a period's patrols are then one `&`, and there is no object per day for the collector to walk."""
    masks: dict[int, int] = {}
    if point_ids:
        bit = {(start + timedelta(days=n)).isoformat(): 1 << n for n in range((end - start).days + 1)}
        # One row a point, its days as text: ISO dates on both engines (SQLite stores them so; psycopg reads
        # PostgreSQL only with DateStyle ISO). From ix_patrols_key_point_day alone.
        query = (select(Patrol.key_point_id, func.aggregate_strings(cast(Patrol.day, String), ","))
                 .where(_among(Patrol.key_point_id, point_ids), col(Patrol.day) >= start, col(Patrol.day) <= end)
                 .group_by(col(Patrol.key_point_id)))
        for point_id, days in session.connection().execute(query):
            masks[point_id] = sum(bit[day] for day in set(days.split(",")))
    return masks


def _bits(start: date, first: date, last: date) -> int:
    """The days [first, last] (none when last < first) as bits counted from `start`, no later than `first`."""
    if last < first:
        return 0
    return ((1 << ((last - first).days + 1)) - 1) << (first - start).days


def _days_in(mask: int, start: date) -> list[date]:
    """The days whose bits are set, in order."""
    days = []
    while mask:
        lowest = mask & -mask
        days.append(start + timedelta(days=lowest.bit_length() - 1))
        mask ^= lowest
    return days


# --- coverage ---

def _point_coverage(point: Row, patrolled: int, start: date, first: date, last: date,
                    today: date) -> tuple[int, int, int, list[date]]:
    """A point's due periods over [first, last] — each day it is active, or each ISO week (Monday to Sunday)
    with an active day in the range — as (due, patrolled, pending, the missed ones' first days). `patrolled`:
    its patrol days as bits from `start`, a Monday, through the Sunday of `last`'s week."""
    if not point.is_active:
        return 0, 0, 0, []
    # The days `active_on` accepts form one run: [active_from, active_to], clipped to the range.
    active_first, active_last = max(first, point.active_from or first), min(last, point.active_to or last)
    if point.patrol_frequency == "daily":
        due = _bits(start, active_first, active_last)
        ended = _bits(start, active_first, min(active_last, today - timedelta(days=1)))
        done, missed = due & patrolled, ended & ~patrolled
        return due.bit_count(), done.bit_count(), (due & ~done & ~missed).bit_count(), _days_in(missed, start)
    due = done = pending = 0
    missed_weeks = []
    monday = _monday(active_first)
    while monday <= active_last:
        sunday = monday + timedelta(days=6)
        due += 1
        if patrolled & _bits(start, monday, sunday):
            done += 1
        elif sunday < today:
            missed_weeks.append(monday)
        else:
            pending += 1
        monday += timedelta(days=7)
    return due, done, pending, missed_weeks


def _row_keys(session: Session, by: str, points: Sequence[Row]) -> Callable[[Row], list[tuple[str, str]]]:
    """The rows a point counts in, as (key, name): its own, its cell's, its unit's, or one per inspector of
    its cell."""
    if by == "point":
        return lambda point: [(str(point.id), point.name)]
    if by == "inspector":
        inspectors = defaultdict(list)
        for cell, username, name in session.exec(select(CellInspector.cell_code, User.username, User.display_name)
                                                 .join(User, col(User.id) == CellInspector.user_id)).all():
            inspectors[cell].append((username, name))
        return lambda point: inspectors.get(point.cell_code, [])
    model, code_of = (GridCell, attrgetter("cell_code")) if by == "cell" else (Bureau, attrgetter("bureau_code"))
    codes = {code_of(point) for point in points} - {None}
    names = dict(session.exec(select(model.code, model.name).where(col(model.code).in_(codes))).all()) if codes else {}
    return lambda point: [(code_of(point) or "", names.get(code_of(point)) or "—")]


def coverage(session: Session, settings: Settings, *, first: date, last: date, by: str,
             bureau: str | None = None, now: datetime | None = None) -> Coverage:
    """Due, patrolled, missed and pending per point, cell, inspector or unit over [first, last]. A due
    period not patrolled is missed once it has ended (in the county's zone), pending while it runs."""
    today = (now or utcnow()).astimezone(settings.tz).date()
    points = _point_rows(session, *([KeyPoint.bureau_code == bureau] if bureau else []))
    start = _monday(first)  # whole ISO weeks, for the weekly points
    patrolled = _patrol_masks(session, [p.id for p in points], start, _monday(last) + timedelta(days=6))
    keys_of = _row_keys(session, by, points)
    totals = [0, 0, 0, 0]  # due, patrolled, missed, pending, as in `counts`
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    missed_points: dict[str, list[CoverageMiss]] = {}
    for point in points:
        due, done, pending, missed = _point_coverage(point, patrolled.get(point.id, 0), start, first, last, today)
        if not due:
            continue
        point_counts = (due, done, len(missed), pending)
        misses = [CoverageMiss(key_point_id=point.id, name=point.name, date=day) for day in missed]
        totals = [a + b for a, b in zip(totals, point_counts, strict=True)]
        for key, name in keys_of(point):
            if key not in counts:
                counts[key], names[key], missed_points[key] = [0, 0, 0, 0], name, []
            counts[key] = [a + b for a, b in zip(counts[key], point_counts, strict=True)]
            missed_points[key] += misses

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


def readiness(session: Session, settings: Settings, *, days: int, cctv_only: bool = False,
              bureau: str | None = None, now: datetime | None = None) -> Readiness:
    """The board: every CCTV point and declared site, the last `days` days, worst first."""
    tz = settings.tz
    now = now or utcnow()
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    dates = [first + timedelta(days=n) for n in range(days)]
    shown = col(KeyPoint.has_cctv) if cctv_only else col(KeyPoint.has_cctv) | col(KeyPoint.is_declared)
    points = [p for p in _point_rows(session, shown, *([KeyPoint.bureau_code == bureau] if bureau else []))
              if _active_on(p, today)]
    ids = [p.id for p in points]
    # The window, and yesterday and this week's Monday for the status, however short the window.
    start = min(first, today - timedelta(days=1), _monday(today))
    patrolled = _patrol_masks(session, ids, start, today)
    # Each day's end in UTC like the tickets' times, which then compare fast.
    ends = [_day_end(day, tz).astimezone(UTC) for day in dates]
    since = datetime.combine(first, time(), tz).astimezone(UTC)
    raised = _raised(session, ids, since, ends)
    late, still_open = _late_and_open(session, ids, since, [min(end, now) for end in ends], now)
    # Equal days shared: a model for each of 400 points × 30 days cost more than the rest of the board.
    day_model = cache(lambda n, patrolled, problems, overdue: ReadinessDay(
        date=dates[n], patrolled=patrolled == "1", problems=problems, overdue=overdue))
    nothing = (0,) * days
    ranked = []
    # A row has every column render reads.
    for point, public in zip(points, keypoints.render(session, typing.cast(list[KeyPoint], points)), strict=True):
        mask = patrolled.get(point.id, 0)
        in_window = mask >> (first - start).days  # bit n: dates[n]
        point_raised, point_late = raised.get(point.id, nothing), late.get(point.id, nothing)
        patrolled_days = f"{in_window:0{days}b}"[::-1]  # "1" on the days patrolled, in order
        strip = list(map(day_model, range(days), patrolled_days, point_raised, point_late))
        open_tickets = still_open.get(point.id, [])
        reasons = _reasons(point, mask, start, open_tickets, today)
        status: typing.Literal["red", "yellow", "green"] = (
            "red" if {"overdue_problem", "missed_yesterday"} & set(reasons) else "yellow" if reasons else "green")
        board = PointReadiness(key_point=public, status=status, reasons=reasons, days=strip, open_tickets=open_tickets)
        rank = {"red": 0, "yellow": 1, "green": 2}[status]
        ranked.append(((rank, -sum(map(bool, point_late)), in_window.bit_count(), point.name), board))
    ranked.sort(key=itemgetter(0))
    return Readiness(as_of=now, days=days, points=[board for _, board in ranked])


def _raised(session: Session, point_ids: list[int], since: datetime,
            ends: list[datetime]) -> dict[int, tuple[int, ...]]:
    """For each point, the tickets raised there on each day of the window (from `since` to the days' `ends`).
    Counted in the database, one row a point: which day each ticket falls on is a CASE over the days' ends."""
    raised: dict[int, tuple[int, ...]] = {}
    if point_ids:
        day = case(*((col(Ticket.created_at) < end, n) for n, end in enumerate(ends)))  # NULL: after the window
        query = (select(Ticket.key_point_id, func.aggregate_strings(cast(day, String), ","))
                 .where(_among(Ticket.key_point_id, point_ids), col(Ticket.created_at) >= since,
                        Ticket.status != "incomplete")
                 .group_by(col(Ticket.key_point_id)))  # from ix_tickets_key_point alone
        for point_id, numbers in session.connection().execute(query):
            counts = [0] * len(ends)
            for n in numbers.split(",") if numbers else ():
                counts[int(n)] += 1
            raised[point_id] = tuple(counts)
    return raised


def _late_and_open(session: Session, point_ids: list[int], since: datetime, moments: list[datetime],
                   now: datetime) -> tuple[dict[int, tuple[int, ...]], dict[int, list[OpenTicket]]]:
    """For each point, how many of its tickets were open past their deadline at each of the `moments` (the
    window's days' ends, up to now), and its tickets still open, oldest first. All that can be late in the window
    is still open or was closed in it after its deadline (one raised in the window is one or the other, or
    cancelled, never late): read from ix_tickets_key_point_closed alone, no row of the wide table."""
    if not point_ids:
        return {}, {}
    # Per point, +1 at the first moment a ticket is late and -1 after its last, summed up at the end.
    changes: dict[int, list[int]] = defaultdict(lambda: [0] * (len(moments) + 1))

    def late_over(point_id: int, span: tuple[datetime, datetime | None] | None) -> None:
        if span:  # late at the moments strictly inside the span
            after, until = span
            late_from, late_to = bisect_right(moments, after), bisect_left(moments, until) if until else len(moments)
            if late_from < late_to:
                changes[point_id][late_from] += 1
                changes[point_id][late_to] -= 1

    at_points = (_among(Ticket.key_point_id, point_ids), status_in(WORKED_STATUSES))
    stopped = func.coalesce(Ticket.rectified_at, Ticket.closed_at)
    for point_id, deadline, stopped_at in session.connection().execute(
            select(Ticket.key_point_id, Ticket.deadline_at, stopped)
            .where(*at_points, col(Ticket.closed_at) >= since, stopped > col(Ticket.deadline_at))):
        late_over(point_id, _overdue_span("closed", deadline, stopped_at))
    names = dict(session.exec(select(Category.code, Category.name)).all())
    still_open: dict[int, list[OpenTicket]] = defaultdict(list)
    for point_id, status, deadline, stopped_at, ticket_id, category in session.connection().execute(
            select(  # type: ignore[call-overload]  # sqlmodel's select is typed for at most four columns
                   Ticket.key_point_id, Ticket.status, Ticket.deadline_at, stopped, Ticket.id, Ticket.category_code)
            .where(*at_points, col(Ticket.closed_at).is_(None)).order_by(Ticket.created_at, Ticket.id)):
        span = _overdue_span(status, deadline, stopped_at)
        late_over(point_id, span)
        still_open[point_id].append(OpenTicket(id=ticket_id, status=status, category_name=names[category],
                                               deadline_at=deadline, overdue=_late(span, now)))
    late = {point_id: tuple(accumulate(point_changes[:-1])) for point_id, point_changes in changes.items()}
    return late, still_open


def _overdue_span(status: str, deadline: datetime | None,
                  stopped: datetime | None) -> tuple[datetime, datetime | None] | None:
    """When a ticket is open past its deadline: dispatched, at the moments strictly after the deadline and
    before the unit stopped the clock (`stopped`: rectified, else closed; None: not yet). None if it never is
    (no deadline, parked, cancelled, or no longer working with no time it stopped)."""
    if deadline is None or status in ("cancelled", "parked"):
        return None
    if status in CLOCK_RUNNING:
        return deadline, None
    return (deadline, stopped) if stopped is not None else None


def _late(span: tuple[datetime, datetime | None] | None, moment: datetime) -> bool:
    """Open past its deadline at `moment`, given the ticket's `_overdue_span`."""
    return span is not None and span[0] < moment and (span[1] is None or moment < span[1])


def _reasons(point: Row, patrolled: int, start: date, open_tickets: list[OpenTicket], today: date) -> list[str]:
    """Why the point is not green; `patrolled`: its patrol days as bits from `start`, yesterday or earlier."""
    reasons = []
    if any(t.overdue for t in open_tickets):
        reasons.append("overdue_problem")
    yesterday = today - timedelta(days=1)
    if point.patrol_frequency == "daily":
        if _active_on(point, yesterday) and not patrolled & _bits(start, yesterday, yesterday):
            reasons.append("missed_yesterday")
        patrolled_now = patrolled & _bits(start, today, today)
    else:
        patrolled_now = patrolled & _bits(start, _monday(today), today)
    if any(not t.overdue for t in open_tickets):
        reasons.append("open_problem")
    if not patrolled_now:
        reasons.append("not_patrolled_today")
    return reasons
