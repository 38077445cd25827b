"""周调度: the sheet of the weekly dispatch meeting. For an ISO week, per unit:
- new: dispatches to the unit in the week, by routing at completion or by the dispatcher (改派); the indicators'
  `dispatched`;
- closed: the unit's tickets closed (verification passed) in the week, each once;
- overdue: the unit's tickets dispatched, accepted or in rework at the week's end and past their deadline; the
  indicators' `overdue_open`;
- escalated: the unit's tickets escalated (督办, by supervision or automatically) in the week, each once;
- returned: tickets the unit returned (disputed) that wait for the dispatcher at the week's end;
- hotspots: a cell and category with a recurring report (反复) in the week, under the unit holding its tickets.
"The week's end" is now while the week runs. A ticket changed since is taken as it stood then, replayed from its
events the way the indicators replay it (figures.state_at). The overdue and escalated tickets are listed."""

import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Field, Session, SQLModel, col, select

from api.bureaus.models import Bureau
from api.config import Settings
from api.database import utcnow
from api.errors import ApiError
from api.indicators import figures, periods, service
from api.indicators.models import PeriodPublic
from api.inputs import FORBID_EXTRA
from api.reference_data import reference
from api.tickets.models import CLOCK_RUNNING, Ticket, TicketEvent
from api.workcalendar.service import WorkCalendar

LIST_LIMIT = 300  # tickets listed per list; the units' counts are complete
SHORT = 40  # characters of a description shown
WAITING = (*CLOCK_RUNNING, "returned")  # the states the sheet reads at the week's end
ESCALATIONS = ("escalate", "auto_escalate")


class DispatchSheetQuery(SQLModel):
    model_config = FORBID_EXTRA
    week: str | None = Field(default=None, max_length=16, description="2026-W49; the current week without")


class Hotspot(SQLModel):
    cell_code: str
    cell_name: str
    category_code: str
    category_name: str
    reports: int  # valid reports of the cell and category in the week
    recurring: int  # of which recurring (反复)


class SheetUnit(SQLModel):
    bureau_code: str
    name: str
    new: int
    closed: int
    overdue: int
    escalated: int
    returned: int
    hotspots: list[Hotspot]  # most reports first


class SheetTicket(SQLModel):
    id: uuid.UUID
    description: str  # its first characters; may be empty
    category_code: str
    category_name: str
    cell_code: str | None
    cell_name: str | None
    bureau_code: str | None
    bureau_name: str | None
    status: str  # as it stood at the week's end
    deadline_at: datetime | None  # as it stood at the week's end
    escalated: bool  # 督办, now


class SheetTotals(SQLModel):
    new: int
    closed: int
    overdue: int
    escalated: int
    returned: int
    hotspots: int


class DispatchSheet(SQLModel):
    period: PeriodPublic
    totals: SheetTotals
    units: list[SheetUnit]  # the units with something to say, most overdue first
    overdue_tickets: list[SheetTicket]  # in the units' order, oldest deadline first (at most LIST_LIMIT)
    escalated_tickets: list[SheetTicket]


def week_of(label: str | None, settings: Settings, now: datetime) -> periods.Period:
    """`2026-W49`, or the current week; 422 `bad_period` for anything else."""
    if label is None:
        year, week, _ = now.astimezone(settings.tz).isocalendar()
        label = f"{year}-W{week:02d}"
    period = periods.parse(label)
    if period.kind != "week":
        raise ApiError(422, "bad_period", "周次格式应为 2026-W49", "a week is written 2026-W49", {"week": label})
    return period


def _states_at(session: Session, end: datetime, now: datetime,
               calendar: WorkCalendar) -> dict[uuid.UUID, figures.State]:
    """The tickets working or returned at `end`, and every ticket changed since, as they stood at `end` (a ticket
    in neither: its columns are its state then)."""
    changed = select(TicketEvent.ticket_id).where(col(TicketEvent.action).in_(figures.STATE_ACTIONS),
                                                   col(TicketEvent.at) >= end)
    found = {ticket_id: figures.State(status=status, bureau=bureau, deadline=deadline)
             for ticket_id, status, bureau, deadline in session.exec(
                 select(Ticket.id, Ticket.status, Ticket.bureau_code, Ticket.deadline_at)
                 .where(col(Ticket.status).in_(WAITING), col(Ticket.created_at) < end,
                        col(Ticket.id).not_in(changed)))}
    if end >= now:
        return found
    events: dict[uuid.UUID, list] = {}
    kind = col(TicketEvent.action)
    for ticket_id, at, action, to_status, payload in session.exec(
            select(  # type: ignore[call-overload]  # sqlmodel's select is typed for at most four columns
                   TicketEvent.ticket_id, TicketEvent.at, TicketEvent.action, TicketEvent.to_status,
                   TicketEvent.payload)
            .where(col(TicketEvent.ticket_id).in_(changed), kind.in_(figures.STATE_ACTIONS),
                   (col(TicketEvent.at) < end) | kind.in_(figures.DEADLINE_ACTIONS))
            .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)):
        events.setdefault(ticket_id, []).append((at, action, to_status, payload))
    categories = reference(session).categories
    for ticket in session.exec(select(Ticket).where(col(Ticket.id).in_(changed), col(Ticket.created_at) < end)):
        replayed = figures.Replayed(id=ticket.id, source=ticket.source, category_code=ticket.category_code,
                                    created_at=ticket.created_at, completed_at=ticket.completed_at,
                                    recurring_of=ticket.recurring_of, deadline_at=ticket.deadline_at, key=())
        found[ticket.id] = figures.state_at(replayed, events.get(ticket.id, []), end, calendar,
                                            categories.get(ticket.category_code))
    return found


def _dispatched(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Dispatches per unit they went to (the indicators' formula: the unit is the event's)."""
    action = col(TicketEvent.action)
    unit = case((action == "reassign", TicketEvent.payload["to_bureau"].as_string()),
                else_=TicketEvent.payload["bureau_code"].as_string())
    return dict(session.exec(select(unit, func.count()).where(
        action.in_(("dispatched", "reassign")), col(TicketEvent.at) >= start, col(TicketEvent.at) < end)
        .group_by(unit)).all())


def _tickets_with(session: Session, actions: tuple[str, ...], start: datetime, end: datetime, *,
                  to_status: str | None = None) -> dict[uuid.UUID, str | None]:
    """The tickets with one of `actions` (leading to `to_status`) in [start, end), and their unit."""
    query = (select(Ticket.id, Ticket.bureau_code).join(TicketEvent, col(TicketEvent.ticket_id) == Ticket.id)
             .where(col(TicketEvent.action).in_(actions), col(TicketEvent.at) >= start, col(TicketEvent.at) < end))
    if to_status is not None:
        query = query.where(TicketEvent.to_status == to_status)
    return dict(session.exec(query.distinct()).all())


def _hotspots(session: Session, start: datetime, end: datetime) -> dict[str, list[Hotspot]]:
    """Per unit, the cells and categories with a recurring valid report in the week."""
    recurring = func.sum(case((col(Ticket.recurring_of).is_not(None), 1), else_=0))
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel's select is typed for at most four columns
               Ticket.bureau_code, Ticket.cell_code, Ticket.category_code, func.count(), recurring)
        .where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end,
               col(Ticket.status).not_in(("incomplete", "cancelled")),
               col(Ticket.bureau_code).is_not(None), col(Ticket.cell_code).is_not(None))
        .group_by(Ticket.bureau_code, Ticket.cell_code, Ticket.category_code)
        .having(recurring > 0)).all()
    ref = reference(session)
    found: dict[str, list[Hotspot]] = {}
    for bureau, cell, category, reports, repeated in rows:
        found.setdefault(bureau, []).append(Hotspot(
            cell_code=cell, cell_name=ref.cells[cell].name if cell in ref.cells else cell,
            category_code=category,
            category_name=ref.categories[category].name if category in ref.categories else category,
            reports=reports, recurring=int(repeated)))
    for spots in found.values():
        spots.sort(key=lambda h: (-h.reports, -h.recurring, h.cell_code, h.category_code))
    return found


def _listed(session: Session, ids, states: dict[uuid.UUID, figures.State], names: dict[str, str],
            order: dict[str, int]) -> list[SheetTicket]:
    """The tickets in words, by unit in `order` and then the oldest deadline first, at most LIST_LIMIT."""
    ref = reference(session)
    found = []
    for ticket in session.exec(select(Ticket).where(col(Ticket.id).in_(list(ids)))):
        state = states.get(ticket.id)
        bureau = state.bureau if state else ticket.bureau_code
        text = ticket.description.strip()
        category = ref.categories.get(ticket.category_code)
        cell = ref.cells.get(ticket.cell_code) if ticket.cell_code else None
        found.append(SheetTicket(
            id=ticket.id, description=text if len(text) <= SHORT else text[:SHORT] + "…",
            category_code=ticket.category_code, category_name=category.name if category else ticket.category_code,
            cell_code=ticket.cell_code, cell_name=cell.name if cell else ticket.cell_code,
            bureau_code=bureau, bureau_name=names.get(bureau, bureau) if bureau else None,
            status=state.status if state else ticket.status,
            deadline_at=state.deadline if state else ticket.deadline_at, escalated=ticket.escalated))
    found.sort(key=lambda t: (order.get(t.bureau_code, len(order)) if t.bureau_code else len(order),
                              t.deadline_at is None, t.deadline_at.timestamp() if t.deadline_at else 0, str(t.id)))
    return found[:LIST_LIMIT]


def dispatch_sheet(session: Session, settings: Settings, *, week: periods.Period, bureau: str | None = None,
                   now: datetime | None = None) -> DispatchSheet:
    """The week's sheet; for `bureau` (a unit's liaison) that unit alone."""
    now = now or utcnow()
    public = service.period_public(week, settings.tz, now)
    start, end = public.starts_at, public.as_of
    calendar = reference(session).calendar(settings.tz, settings.working_hours)
    states = _states_at(session, end, now, calendar)
    overdue = {ticket_id: state.bureau for ticket_id, state in states.items()
               if state.status in CLOCK_RUNNING and state.deadline is not None and state.deadline < end}
    returned = [state.bureau for state in states.values() if state.status == "returned"]
    new = _dispatched(session, start, end)
    closed = _tickets_with(session, ("verify",), start, end, to_status="closed")
    escalated = {ticket_id: states[ticket_id].bureau if ticket_id in states else unit
                 for ticket_id, unit in _tickets_with(session, ESCALATIONS, start, end).items()}
    hotspots = _hotspots(session, start, end)

    def count(units) -> Counter:
        return Counter(unit for unit in units if unit is not None)

    columns = {"new": {k: v for k, v in new.items() if k}, "closed": count(closed.values()),
               "overdue": count(overdue.values()), "escalated": count(escalated.values()),
               "returned": count(returned)}
    codes = set(hotspots).union(*columns.values())
    if bureau is not None:
        codes &= {bureau}
        overdue = {k: v for k, v in overdue.items() if v == bureau}
        escalated = {k: v for k, v in escalated.items() if v == bureau}
    names = dict(session.exec(select(Bureau.code, Bureau.name).where(col(Bureau.code).in_(list(codes)))).all())
    units = [SheetUnit(bureau_code=code, name=names.get(code, code), hotspots=hotspots.get(code, []),
                       **{key: column.get(code, 0) for key, column in columns.items()}) for code in codes]
    units.sort(key=lambda u: (-u.overdue, -u.escalated, -u.returned, -u.new, u.bureau_code))
    totals = SheetTotals(hotspots=sum(len(u.hotspots) for u in units),
                         **{key: sum(getattr(u, key) for u in units) for key in columns})
    order = {unit.bureau_code: n for n, unit in enumerate(units)}
    return DispatchSheet(period=public, totals=totals, units=units,
                         overdue_tickets=_listed(session, overdue, states, names, order),
                         escalated_tickets=_listed(session, escalated, states, names, order))
