"""What a bulletin says, gathered from the figures (api/indicators: the period's and the previous one's), the
ranking with its red and black lists, the event log (what became overdue or was escalated in the period), the
patrols of key points, and the tickets chosen for the 曝光台 with their before and after photos. Everything is
named as people know it: units, cells, categories and key points by name."""

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.bulletins.models import (
    SHOWCASE_MAX,
    BulletinContent,
    Kind,
    Hotspot,
    KeyPointLine,
    PhotoRef,
    RankingLine,
    Scope,
    ShowcaseItem,
    SummaryFigure,
    TicketLine,
)
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.config import Settings
from api.grid.models import GridArea, GridCell
from api.indicators import periods
from api.indicators import service as indicators_service
from api.indicators.models import Figures
from api.keypoints.models import ChecklistVersion, KeyPoint
from api.patrols.models import Patrol
from api.photos import pipeline
from api.photos import service as photos_service
from api.tickets.models import Photo
from api.photos.storage import LocalStorage
from api.tickets.models import Ticket, TicketEvent

KIND_NAMES = {"weekly": "周", "monthly": "月度评比", "quarterly": "季度"}
STATUS_NAMES = {"incomplete": "待补照片", "reported": "待派遣", "dispatched": "已派遣", "accepted": "已签收",
                "rectified": "已整改待核查", "rework": "返工", "closed": "已结案", "returned": "已退回",
                "parked": "挂账", "cancelled": "已作废"}
# (figure, label, unit, which way is better)
SummaryLine = tuple[str, str, Literal["count", "rate"], Literal["higher", "lower"]]
SUMMARY: tuple[SummaryLine, ...] = (
    ("reports", "上报问题", "count", "higher"), ("valid_reports", "有效上报", "count", "higher"),
    ("dispatched", "派遣", "count", "higher"), ("due", "应结案", "count", "higher"),
    ("closed", "结案", "count", "higher"), ("closure_rate", "结案率", "rate", "higher"),
    ("on_time", "按期结案", "count", "higher"), ("on_time_rate", "按期结案率", "rate", "higher"),
    ("overdue_open", "超期未结", "count", "lower"), ("rework_rate", "返工率", "rate", "lower"),
    ("dispatch_accuracy", "准确派遣率", "rate", "higher"),
    ("spotcheck_pass_rate", "抽查合格率", "rate", "higher"),
    ("flagged_closures", "照片存疑结案", "count", "lower"), ("recurring", "反复问题", "count", "lower"),
    # 漏报: what the cells' inspectors did not report first, and by whom it was found.
    ("missed", "网格漏报", "count", "lower"), ("supervision_finds", "其中督察暗访发现", "count", "lower"),
    ("citizen_reports", "其中群众反映", "count", "lower"), ("coverage_rate", "点位巡查覆盖率", "rate", "higher"))
LIST_ROWS = 50  # overdue and escalated tickets listed; the total says how many more
TOP_ROWS = 10  # hotspots and key points
CANDIDATES = 500  # tickets of each kind considered for the 曝光台
_WEAK_FLAGS = {"camera_metadata_missing"}  # every phone-scaled photo has it: no reason to expose anyone


def headline(kind: str, period: periods.Period) -> str:
    return f"{period_label(period)} {KIND_NAMES[kind]}通报"


def period_label(period: periods.Period) -> str:
    first = period.first
    if period.kind == "week":
        year, week, _ = first.isocalendar()
        return f"{year}年第{week}周"
    if period.kind == "quarter":
        return f"{first.year}年第{'一二三四'[(first.month - 1) // 3]}季度"
    if period.kind == "month":
        return f"{first.year}年{first.month}月"
    return f"{first.year}年{first.month}月{first.day}日"


def range_label(period: periods.Period) -> str:
    first, last = period.first, period.end.fromordinal(period.end.toordinal() - 1)
    end = f"{last.month}月{last.day}日" if last.year == first.year else f"{last.year}年{last.month}月{last.day}日"
    return f"{first.year}年{first.month}月{first.day}日至{end}"


def _county(session: Session) -> str | None:
    names = session.exec(select(GridArea.name).where(GridArea.level == "county").limit(2)).all()
    return names[0] if len(names) == 1 else None


def _summary(now: Figures, before: Figures | None) -> list[SummaryFigure]:
    rows = []
    for field, label, unit, better in SUMMARY:
        value, previous = getattr(now, field), getattr(before, field) if before else None
        if field == "coverage_rate" and value is None and previous is None:
            continue  # a county without key points
        change = None
        if value is not None and previous is not None:
            change = round((value - previous) * 100, 1) if unit == "rate" else value - previous
        rows.append(SummaryFigure(label=label, unit=unit, value=value, previous=previous, change=change,
                                  better=better))
    return rows


class Names:
    """Units, cells, categories and key points by code, read once."""

    def __init__(self, session: Session) -> None:
        # Looked up by the unit of a ticket or a point, which may have none.
        self.units: dict[str | None, str] = dict(session.exec(select(Bureau.code, Bureau.name)).all())
        self.cells = dict(session.exec(select(GridCell.code, GridCell.name)).all())
        self.categories = dict(session.exec(select(Category.code, Category.name)).all())
        self.point_types = dict(session.exec(select(PointType.code, PointType.name)).all())
        self.key_points = {p.id: p for p in session.exec(select(KeyPoint)).all()}

    def place(self, ticket: Ticket) -> str:
        cell = self.cells.get(ticket.cell_code, "网格外") if ticket.cell_code else "网格外"
        point = self.key_points.get(ticket.key_point_id)
        return f"{cell} · {point.name}" if point else cell


def _first_events(session: Session, actions: tuple[str, ...], start: datetime, end: datetime) -> dict:
    """Each ticket with one of these events in [start, end), and when its first one was."""
    return dict(session.exec(select(TicketEvent.ticket_id, func.min(TicketEvent.at))
                             .where(col(TicketEvent.action).in_(actions), col(TicketEvent.at) >= start,
                                    col(TicketEvent.at) < end)
                             .group_by(col(TicketEvent.ticket_id))).all())


def _ticket_lines(session: Session, names: Names, events: dict, end: datetime) -> list[TicketLine]:
    tickets = session.exec(select(Ticket).where(col(Ticket.id).in_(list(events)))).all() if events else []
    lines = []
    for ticket in tickets:
        late = None
        if ticket.deadline_at is not None:
            # Late until rectified, or until the period's end if still not rectified then.
            stop = ticket.rectified_at if ticket.rectified_at and ticket.rectified_at < end else end
            late = round(max(0.0, (stop - ticket.deadline_at).total_seconds() / 86400), 1)
        lines.append(TicketLine(number=str(ticket.id)[:8], category=names.categories.get(ticket.category_code, ""),
                                place=names.place(ticket), unit=names.units.get(ticket.bureau_code),
                                deadline_at=ticket.deadline_at, at=events[ticket.id],
                                status=STATUS_NAMES.get(ticket.status, ticket.status), late_by_days=late))
    return sorted(lines, key=lambda line: (-(line.late_by_days or 0), line.at, line.number))[:LIST_ROWS]


def _hotspots(session: Session, names: Names, start: datetime, end: datetime) -> list[Hotspot]:
    """Cells and categories with problems in the period, at least one of them a recurrence (反复)."""
    rows = session.exec(select(Ticket.cell_code, Ticket.category_code, func.count(),
                               func.count(col(Ticket.recurring_of)))
                        .where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end,
                               col(Ticket.cell_code).is_not(None),
                               col(Ticket.status).not_in(("incomplete", "cancelled")))
                        .group_by(col(Ticket.cell_code), col(Ticket.category_code))
                        .having(func.count(col(Ticket.recurring_of)) > 0)).all()
    # cast: cell_code IS NOT NULL above.
    spots = [Hotspot(place=names.cells.get(cast(str, cell), cast(str, cell)),
                     category=names.categories.get(category, category),
                     tickets=count, recurring=again) for cell, category, count, again in rows]
    return sorted(spots, key=lambda s: (-s.recurring, -s.tickets, s.place, s.category))[:TOP_ROWS]


def _key_points(session: Session, names: Names, period: periods.Period, start: datetime,
                end: datetime) -> list[KeyPointLine]:
    """Key points by failed checklist items on their patrols, then by problems raised at them."""
    patrols: Counter[int] = Counter()
    failed_patrols: Counter[int] = Counter()
    failed_items: dict[int, Counter] = {}
    versions: dict[int, int] = {}
    for point_id, items, version in session.exec(
            select(Patrol.key_point_id, Patrol.items, Patrol.checklist_version)
            .where(col(Patrol.day) >= period.first, col(Patrol.day) < period.end)).all():
        patrols[point_id] += 1
        fails = [item["code"] for item in items if item.get("result") == "fail"]
        if fails:
            failed_patrols[point_id] += 1
            failed_items.setdefault(point_id, Counter()).update(fails)
            versions[point_id] = max(version, versions.get(point_id, 0))
    # cast: key_point_id IS NOT NULL in the query.
    tickets = cast(dict[int, int], dict(session.exec(
        select(Ticket.key_point_id, func.count())
        .where(col(Ticket.key_point_id).is_not(None), col(Ticket.created_at) >= start, col(Ticket.created_at) < end,
               col(Ticket.status).not_in(("incomplete", "cancelled")))
        .group_by(col(Ticket.key_point_id))).all()))
    texts: dict[tuple[str, int], dict[str, str]] = {}
    for row in session.exec(select(ChecklistVersion)).all():
        texts[(row.point_type_code, row.version)] = {item["code"]: item["text"] for item in row.items}
    lines = []
    for point_id in set(failed_patrols) | set(tickets):
        point = names.key_points.get(point_id)
        if point is None:
            continue
        wording = texts.get((point.point_type_code, versions.get(point_id, 0)), {})
        counts = failed_items.get(point_id, Counter())
        lines.append(KeyPointLine(
            name=point.name, point_type=names.point_types.get(point.point_type_code, ""),
            unit=names.units.get(point.bureau_code), patrols=patrols[point_id],
            failed_patrols=failed_patrols[point_id], failed_items=sum(counts.values()),
            tickets=tickets.get(point_id, 0),
            items=[wording.get(code, "检查项") for code, _ in counts.most_common(3)]))
    return sorted(lines, key=lambda k: (-k.failed_items, -k.tickets, k.name))[:TOP_ROWS]


def _default_showcase(session: Session, start: datetime, end: datetime) -> list[uuid.UUID]:
    """The period's worst, in order: closed on evidence with integrity flags, sent back for rework, overdue."""
    in_period = (col(TicketEvent.at) >= start) & (col(TicketEvent.at) < end)
    flagged = select(TicketEvent.ticket_id).where(
        in_period, TicketEvent.action == "verify", TicketEvent.to_status == "closed",
        TicketEvent.payload["flags_acknowledged"].as_string().is_not(None))
    reworked = select(TicketEvent.ticket_id).where(
        in_period, col(TicketEvent.action).in_(("verify", "spotcheck")), TicketEvent.to_status == "rework")
    overdue = select(TicketEvent.ticket_id).where(in_period, TicketEvent.action == "overdue")
    order: dict[uuid.UUID, int] = {}
    for rank, query in enumerate((flagged, reworked, overdue)):
        for ticket_id in session.exec(query.order_by(col(TicketEvent.at)).limit(CANDIDATES)).all():
            order.setdefault(ticket_id, rank)
    with_pairs = set(session.exec(
        select(Photo.ticket_id).where(col(Photo.ticket_id).in_(list(order)), col(Photo.received_at).is_not(None),
                                      col(Photo.kind).in_(("before", "after")))
        .group_by(col(Photo.ticket_id)).having(func.count(func.distinct(Photo.kind)) == 2)).all()) if order else set()
    return [t for t in sorted(order, key=lambda t: order[t]) if t in with_pairs][:SHOWCASE_MAX]


def _photo(storage: LocalStorage, photo: Photo | None, taken: datetime | None) -> PhotoRef | None:
    """The photo, once its display and thumbnail copies exist; None when its picture cannot be decoded."""
    if photo is None:
        return None
    try:
        photos_service.ensure_derivatives(storage, photo.sha256)
    except (pipeline.PhotoInvalid, FileNotFoundError):
        return None
    return PhotoRef(id=photo.id, sha256=photo.sha256, taken=taken)


def _showcase(session: Session, names: Names, storage: LocalStorage, ticket_ids: list[uuid.UUID],
              progress: Callable[[float], None]) -> list[ShowcaseItem]:
    tickets = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(ticket_ids))).all()}
    photos: dict[uuid.UUID, list[Photo]] = {}
    for photo in session.exec(select(Photo).where(col(Photo.ticket_id).in_(ticket_ids),
                                                  col(Photo.received_at).is_not(None))
                              .order_by(col(Photo.received_at), col(Photo.position))).all():
        photos.setdefault(photo.ticket_id, []).append(photo)
    items = []
    for done, ticket_id in enumerate(ticket_ids):
        ticket = tickets[ticket_id]
        mine = photos.get(ticket_id, [])
        before = next((p for p in mine if p.kind == "before"), None)
        after = next((p for p in reversed(mine) if p.kind == "after"), None)  # the latest rectification's
        reasons = []
        if ticket.overdue_at is not None:
            reasons.append("超期")
        if ticket.rework_count:
            reasons.append(f"返工 {ticket.rework_count} 次")
        if ticket.escalated:
            reasons.append("督办")
        if ticket.recurring_of is not None:
            reasons.append("反复出现")
        seen = set()
        for photo in (p for p in mine if p.kind == "after"):
            for flag in photo.flags or []:
                if flag["code"] not in _WEAK_FLAGS and flag["reason"] not in seen:
                    seen.add(flag["reason"])
                    reasons.append(f"整改照片存疑：{flag['reason']}")
        items.append(ShowcaseItem(
            ticket_id=ticket.id, number=str(ticket.id)[:8], category=names.categories.get(ticket.category_code, ""),
            place=names.place(ticket), unit=names.units.get(ticket.bureau_code), description=ticket.description,
            found_at=ticket.captured_at, deadline_at=ticket.deadline_at,
            status=STATUS_NAMES.get(ticket.status, ticket.status), reasons=reasons,
            before=_photo(storage, before, ticket.captured_at),
            after=_photo(storage, after, after.received_at if after else None)))
        progress((done + 1) / len(ticket_ids))
    return items


def gather(session: Session, settings: Settings, storage: LocalStorage, *, kind: Kind, period: periods.Period,
           version: int, supersedes_version: int | None, showcase_ticket_ids: list[uuid.UUID] | None,
           now: datetime, progress: Callable[[int], None]) -> BulletinContent:
    """Everything the bulletin shows, as of the period's end (now while it runs). `progress` hears 10–80."""
    figures = indicators_service.indicators(session, settings, period=period, by="bureau", now=now)
    before = period.previous()
    previous = indicators_service.indicators(session, settings, period=before, by="bureau", now=now) \
        if before else None
    progress(25)
    ranking = indicators_service.rankings(session, settings, period=period, now=now)
    progress(45)
    names = Names(session)
    start, end = period.bounds(settings.tz)
    end = min(end, now)
    overdue = _first_events(session, ("overdue",), start, end)
    escalated = _first_events(session, ("escalate", "auto_escalate"), start, end)
    hotspots = _hotspots(session, names, start, end)
    key_points = _key_points(session, names, period, start, end)
    progress(55)
    chosen = showcase_ticket_ids if showcase_ticket_ids is not None else _default_showcase(session, start, end)
    showcase = _showcase(session, names, storage, chosen, lambda share: progress(55 + int(25 * share)))
    progress(80)
    units = {u.bureau_code: u.name for u in ranking.units}
    totals = figures.totals
    county = _county(session)
    assert period.label is not None  # a bulletin's period is a week, a month or a quarter
    return BulletinContent(
        title=f"{county or ''}创建文明城市工作{KIND_NAMES[kind]}通报", county=county, kind=kind,
        period=period.label, period_label=period_label(period), range_label=range_label(period),
        as_of=figures.period.as_of, generated_at=now, version=version,
        correction=f"更正：本期通报替代 第 {supersedes_version} 版" if supersedes_version else None,
        scope=Scope(units=len(ranking.units), ranked=sum(1 for u in ranking.units if u.ranked),
                    cells=len(names.cells), key_points=sum(1 for p in names.key_points.values() if p.is_active),
                    patrols_due=totals.coverage_due, patrolled=totals.coverage_patrolled, reports=totals.reports,
                    valid_reports=totals.valid_reports, supervision_finds=totals.supervision_finds,
                    citizen_reports=totals.citizen_reports, due=totals.due, closed=totals.closed,
                    open=totals.due - totals.closed, overdue_open=totals.overdue_open),
        summary=_summary(totals, previous.totals if previous else None),
        previous_label=period_label(before) if before else None, min_due=ranking.settings.min_due,
        ranking=[RankingLine(name=u.name, rank=u.rank, rank_change=u.rank_change, score=u.score, grade=u.grade,
                             due=u.figures.due, closed=u.figures.closed, on_time=u.figures.on_time,
                             closure_rate=u.figures.closure_rate, on_time_rate=u.figures.on_time_rate,
                             rework_rate=u.figures.rework_rate, overdue_open=u.figures.overdue_open, red=u.red,
                             black=u.black) for u in ranking.units],
        red=[units[c] for c in ranking.red], black=[units[c] for c in ranking.black],
        showcase=showcase,
        overdue=_ticket_lines(session, names, overdue, end), overdue_total=len(overdue),
        escalated=_ticket_lines(session, names, escalated, end), escalated_total=len(escalated),
        hotspots=hotspots, key_points=key_points)
