"""The figures of a period [start, end), counted per group, as they stood at the period's end.

Ticket figures take each ticket as it was at `end`, so a ticket closed in December does not change
November's closure rate:
- reports (上报数): created in the period and complete (no longer `incomplete`) by its end.
- valid_reports (有效上报数): reports not cancelled (invalid, duplicate) by the end.
- recurring (反复): valid reports linked to an earlier ticket of their cell and category.
- missed (漏报): valid reports the cell's inspectors did not make, of a problem in their cell: supervision's own
  finds (暗访) and citizens' reports accepted into tickets (群众反映; a duplicate of a ticket already raised is
  merged by the reviewer, not made a ticket, so what is accepted was not reported first). Of them
  citizen_reports: the citizens'; the rest are supervision's.
- due (应结案数): the deadline inside the period, and neither parked (挂账) nor cancelled at its end.
- closed (结案数): due and closed at the end; closure_rate (结案率) = closed / due.
- on_time (按期结案数): closed, and the last rectification came by the deadline (the time verification takes
  is not the unit's); on_time_rate (按期结案率) = on_time / due.
- overdue_open (超期未结数): dispatched, accepted or in rework at the end and past the deadline, whenever it
  was due (a rectified ticket waiting for verification has stopped its clock).
- rectified, rectify_working_hours: the due tickets rectified by the end (closed or waiting for verification)
  and their working hours from the last dispatch to the last rectification, parked time left out;
  avg_rectify_working_hours = rectify_working_hours / rectified.
Event figures count what happened inside the period:
- dispatched (派遣数): dispatches to a unit, by routing at completion or by the dispatcher (改派); returns:
  returns by the unit; dispatch_accuracy (准确派遣率) = 1 − returns / dispatched.
- rectifications; verification_fails; spotchecks, spotcheck_passes, spotcheck_fails (督察抽查 results);
  rework_rate (返工率) = (verification_fails + spotcheck_fails) / rectifications;
  spotcheck_pass_rate (抽查合格率) = spotcheck_passes / spotchecks.
- flagged_closures: closures passed on evidence with integrity flags (the verifier had to say why).
By unit, a ticket counts for the unit holding it at the end, a dispatch for the unit it went to, a return for
the unit that returned it, rectifications, verifications and spot checks for the unit that rectified.

The database counts every ticket by its columns, which are its state at `end` unless it changed since. For
those that did (an event since `end`), what their columns added is taken out again and their state at `end`,
replayed from the event log (status, unit, deadline and rectification then), is counted instead.
"""

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, extract, func, literal, select
from sqlalchemy.orm import Mapped
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from api.accounts.models import User
from api.reference_data import CategoryRef, reference
from api.spotchecks.models import SpotCheck
from api.tickets.models import CLOCK_RUNNING, Ticket, TicketEvent
from api.tickets.workflow import TRANSITIONS
from api.workcalendar.service import WorkCalendar

STOPPED = ("rectified", "closed")  # the unit's part done
DEADLINE_ACTIONS = ("reassign", "unpark", "decide_extension")
# Neither parked, cancelled nor without a deadline yet: written as the statuses that are, for the index on
# (status, deadline_at).
DUE_STATUSES = ("dispatched", "accepted", "rectified", "rework", "returned", "closed")
# Actions after which a ticket's status, unit, deadline or rectification may differ: completion (named after
# the status it led to), the workflow's, and a spot check's reopening. Escalations and requests change none.
STATE_ACTIONS = tuple(sorted({"dispatched", "reported", "spotcheck"}
                             | set(TRANSITIONS) - {"escalate", "request_extension", "request_park"}))

MISSED_SOURCES = ("supervision", "citizen")  # the sources of 漏报: any but the inspectors' own patrols

# The fine key each grouping is counted by in the database (street and community roll up from cells; an
# inspector's misses are those in their cells, so their tickets are counted by cell too, and by source: a
# citizen's ticket is its reviewer's by authorship alone).
FINE_KEYS: dict[str, tuple[Mapped[Any], ...]] = {
    "bureau": (col(Ticket.bureau_code),), "street": (col(Ticket.cell_code),), "community": (col(Ticket.cell_code),),
    "cell": (col(Ticket.cell_code),),
    "inspector": (col(Ticket.author_id), col(Ticket.cell_code), col(Ticket.source)),
    "category": (col(Ticket.category_code),), "key_point": (col(Ticket.key_point_id),)}


def _count(condition: ColumnElement) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _in(column, start: datetime, end: datetime) -> ColumnElement:
    return (column >= start) & (column < end)


# --- ticket figures ---

def _ticket_sums(start: datetime, end: datetime) -> tuple[ColumnElement, dict[str, ColumnElement]]:
    """The ticket figures over the tickets' columns, for the tickets reported (by creation) or due (by status and
    deadline) in the period; the overdue are counted apart (_count_columns)."""
    status, deadline = col(Ticket.status), col(Ticket.deadline_at)
    report = _in(col(Ticket.created_at), start, end) & (status != "incomplete")
    valid = report & (status != "cancelled")
    due = status.in_(DUE_STATUSES) & _in(deadline, start, end)
    closed = due & (status == "closed")
    return report | due, {
        "reports": _count(report), "valid_reports": _count(valid),
        "recurring": _count(valid & col(Ticket.recurring_of).is_not(None)),
        "missed": _count(valid & col(Ticket.source).in_(MISSED_SOURCES)),
        "citizen_reports": _count(valid & (col(Ticket.source) == "citizen")),
        "due": _count(due), "closed": _count(closed),
        "on_time": _count(closed & (col(Ticket.rectified_at) <= deadline)),
        "rectified": _count(due & status.in_(STOPPED))}


def _tally_ticket(counts: Counter, state: "State", ticket: "Replayed", start: datetime, end: datetime) -> bool:
    """One ticket's figures, the formulas of _ticket_sums and _count_columns; True when it counts among the
    rectified, whose working hours are added later."""
    report = start <= ticket.created_at < end and state.status != "incomplete"
    valid = report and state.status != "cancelled"
    due = state.deadline is not None and start <= state.deadline < end and state.status in DUE_STATUSES
    counts["reports"] += report
    counts["valid_reports"] += valid
    counts["recurring"] += valid and ticket.recurring_of is not None
    counts["missed"] += valid and ticket.source in MISSED_SOURCES
    counts["citizen_reports"] += valid and ticket.source == "citizen"
    counts["due"] += due
    counts["closed"] += due and state.status == "closed"
    counts["on_time"] += (due and state.status == "closed" and state.rectified_at is not None
                          and state.deadline is not None and state.rectified_at <= state.deadline)
    counts["overdue_open"] += state.status in CLOCK_RUNNING and state.deadline is not None and state.deadline < end
    rectified = due and state.status in STOPPED
    counts["rectified"] += rectified
    return rectified


class Clock:
    """WorkCalendar.between, tabulated over the days it is asked about: the working spans of those days in
    epoch seconds with the working time before each, so a ticket's working time costs two bisections rather
    than a walk through the calendar."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date):
        self.starts: list[float] = []
        self.lengths: list[float] = []
        self.before: list[float] = []
        elapsed = 0.0
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            if not calendar.is_workday(day):
                continue
            for start, end in calendar.hours:
                begin = datetime.combine(day, start, calendar.tz).timestamp()
                length = datetime.combine(day, end, calendar.tz).timestamp() - begin
                self.starts.append(begin)
                self.lengths.append(length)
                self.before.append(elapsed)
                elapsed += length

    def _elapsed(self, moment: float) -> float:
        n = bisect_right(self.starts, moment) - 1
        return 0.0 if n < 0 else self.before[n] + min(moment - self.starts[n], self.lengths[n])

    def between(self, start: float, end: float, parked_seconds: int = 0) -> int:
        """Working seconds from `start` to `end` (epoch seconds), less the time parked; never below 0."""
        return max(0, int(self._elapsed(end) - self._elapsed(start)) - parked_seconds)

    @classmethod
    def spanning(cls, calendar: WorkCalendar, moments: list[float]) -> "Clock":
        first, last = (datetime.fromtimestamp(moment, calendar.tz).date() for moment in (min(moments), max(moments)))
        return cls(calendar, first, last)


@dataclass
class State:
    """A ticket as it stood at a moment, replayed from its events."""

    status: str = "incomplete"
    bureau: str | None = None
    deadline: datetime | None = None
    dispatched_at: datetime | None = None
    rectified_at: datetime | None = None
    parked_seconds: int = 0


@dataclass
class Replayed:
    """What replaying reads of a ticket besides its events."""

    id: Any
    source: str
    category_code: str
    created_at: datetime
    completed_at: datetime | None
    recurring_of: Any
    deadline_at: datetime | None  # as it is now
    key: tuple  # the ticket's fine key (api/indicators/figures.FINE_KEYS)


def _moves_deadline(action: str, payload: dict) -> bool:
    return action in ("reassign", "unpark") or (action == "decide_extension" and payload.get("approve") is True)


def state_at(ticket: Replayed, events: list[tuple[datetime, str, str | None, dict]], end: datetime,
             calendar: WorkCalendar, category: CategoryRef | None) -> State:
    """The ticket at `end` from its events (time order): status after the last event before `end`; the unit of
    the last dispatch; the deadline now, unless it moved since `end`, then as the events before `end` set it (a
    deadline set at completion, which its event does not record, is worked out again from the category)."""
    state = State()
    moved_since = any(at >= end and _moves_deadline(action, payload) for at, action, _, payload in events)
    for at, action, to_status, payload in events:
        if at >= end:
            break
        state.status = to_status or state.status
        if action in ("dispatched", "reassign"):
            state.bureau = payload.get("bureau_code") if action == "dispatched" else payload.get("to_bureau")
            state.dispatched_at, state.parked_seconds = at, 0
        if action == "rectify":
            state.rectified_at = at
        if action == "unpark":
            state.parked_seconds += int(payload.get("parked_working_seconds") or 0)
        if not moved_since:
            continue
        if "deadline_at" in payload:
            state.deadline = datetime.fromisoformat(payload["deadline_at"])
        elif action == "dispatched" and category is not None:
            start = ticket.completed_at or at
            state.deadline = calendar.deadline(start, category.deadline_value, category.deadline_unit)
        elif action == "decide_extension" and payload.get("approve") is True:
            state.deadline = datetime.fromisoformat(payload["until"])
        elif action == "unpark" and state.deadline is not None:
            state.deadline = calendar.add(state.deadline, timedelta(seconds=payload.get("parked_working_seconds", 0)))
    if not moved_since:
        state.deadline = ticket.deadline_at
    return state


def _changed_since(end: datetime):
    """Tickets created before `end` with an event since that may have changed what the figures read."""
    return select(col(Ticket.id)).where(col(Ticket.created_at) < end, col(Ticket.id).in_(
        select(col(TicketEvent.ticket_id))
        .where(col(TicketEvent.action).in_(STATE_ACTIONS), col(TicketEvent.at) >= end)))


def _count_columns(session: Session, totals: dict[tuple, Counter], durations: list | None, by: str,
                   start: datetime, end: datetime) -> None:
    """Every ticket by its columns, in the database: its state at `end` unless it changed since."""
    fine = FINE_KEYS[by]
    where, sums = _ticket_sums(start, end)
    for row in session.connection().execute(select(*fine, *sums.values()).where(where).group_by(*fine)):
        totals.setdefault(tuple(row[:len(fine)]), Counter()).update(dict(zip(sums, row[len(fine):], strict=True)))
    # Overdue whenever due: a few open tickets, read by status and deadline and counted here (grouped in the
    # database, SQLite walked a whole index in the grouping's order instead).
    for row in session.connection().execute(select(*fine).where(
            col(Ticket.status).in_(CLOCK_RUNNING), col(Ticket.deadline_at) < end)):
        totals.setdefault(tuple(row), Counter())["overdue_open"] += 1
    if durations is None:
        return
    # Seconds since the epoch rather than datetimes: for the working-time clock, and cheaper to read.
    rectified = col(Ticket.status).in_(STOPPED) & _in(col(Ticket.deadline_at), start, end)
    for *key, dispatched, rectified_at, parked in session.connection().execute(
            select(*fine, cast(extract("epoch", col(Ticket.dispatched_at)), Float),
                   cast(extract("epoch", col(Ticket.rectified_at)), Float), col(Ticket.parked_seconds))
            .where(rectified)):
        if dispatched is not None and rectified_at is not None:
            durations.append((tuple(key), dispatched, rectified_at, parked, 1))


def _correct_changed(session: Session, totals: dict[tuple, Counter], durations: list | None, by: str,
                     start: datetime, end: datetime, calendar: WorkCalendar) -> None:
    """The tickets changed since `end`: what their columns added is taken out, and their state at `end`,
    replayed from their events, counted instead."""
    fine = FINE_KEYS[by]
    tickets, now_states = {}, {}
    for row in session.connection().execute(select(
            col(Ticket.id), col(Ticket.source), col(Ticket.category_code), col(Ticket.created_at),
            col(Ticket.completed_at), col(Ticket.recurring_of), col(Ticket.deadline_at), *fine, col(Ticket.status),
            col(Ticket.bureau_code), col(Ticket.dispatched_at), col(Ticket.rectified_at), col(Ticket.parked_seconds))
            .where(col(Ticket.id).in_(_changed_since(end)))):
        tickets[row[0]] = Replayed(id=row[0], source=row[1], category_code=row[2], created_at=row[3],
                                   completed_at=row[4], recurring_of=row[5], deadline_at=row[6],
                                   key=tuple(row[7:7 + len(fine)]))
        now_states[row[0]] = State(row[-5], row[-4], row[6], *row[-3:])
    events: dict[Any, list] = {ticket_id: [] for ticket_id in tickets}
    # Their events up to `end`, and those since that moved a deadline (whether one did is all that matters).
    kind = col(TicketEvent.action)
    for ticket_id, at, action, to_status, payload in session.connection().execute(
            select(col(TicketEvent.ticket_id), col(TicketEvent.at), kind, col(TicketEvent.to_status),
                   col(TicketEvent.payload))
            .where(col(TicketEvent.ticket_id).in_(_changed_since(end)), kind.in_(STATE_ACTIONS),
                   (col(TicketEvent.at) < end) | kind.in_(DEADLINE_ACTIONS))
            .order_by(col(TicketEvent.ticket_id), col(TicketEvent.at), col(TicketEvent.id))):
        events[ticket_id].append((at, action, to_status, payload))
    categories = reference(session).categories
    for ticket_id, ticket in tickets.items():
        then = state_at(ticket, events[ticket_id], end, calendar, categories.get(ticket.category_code))
        for state, sign in ((now_states[ticket_id], -1), (then, 1)):
            key = (state.bureau,) if by == "bureau" else ticket.key
            counts: Counter[str] = Counter()
            if (_tally_ticket(counts, state, ticket, start, end) and durations is not None
                    and state.dispatched_at is not None and state.rectified_at is not None):
                durations.append((key, state.dispatched_at.timestamp(), state.rectified_at.timestamp(),
                                  state.parked_seconds, sign))
            totals.setdefault(key, Counter()).update({name: sign * n for name, n in counts.items()})


# --- event figures ---

def _tally_events(session: Session, totals: dict[tuple, Counter], by: str, start: datetime, end: datetime) -> None:
    """Dispatches, returns, rectifications, verifications and spot checks inside the period, by group."""
    fine = FINE_KEYS[by]
    inside = _in(col(TicketEvent.at), start, end)
    action = col(TicketEvent.action)
    queries = []
    if by == "bureau":
        # The unit the dispatch went to, which a later reassignment does not change: from the event itself.
        unit = case((action == "reassign", TicketEvent.payload["to_bureau"].as_string()),
                    else_=TicketEvent.payload["bureau_code"].as_string())
        queries.append(select(unit, literal("dispatched"), func.count())
                       .where(action.in_(("dispatched", "reassign")), inside).group_by(unit))
        # The unit that returned it (the liaison's), before the dispatcher passed it on.
        returned_by = func.coalesce(User.bureau_code, Ticket.bureau_code)
        queries.append(select(returned_by, literal("returns"), func.count())
                       .select_from(TicketEvent).join(Ticket, col(Ticket.id) == TicketEvent.ticket_id)
                       .join(User, col(User.id) == TicketEvent.actor_id, isouter=True)
                       .where(action == "return", inside).group_by(returned_by))
        spot_key: tuple[Mapped[Any], ...] = (col(SpotCheck.bureau_code),)
    else:
        queries.append(select(*fine, literal("dispatched"), func.count())
                       .select_from(TicketEvent).join(Ticket, col(Ticket.id) == TicketEvent.ticket_id)
                       .where(action.in_(("dispatched", "reassign")), inside).group_by(*fine))
        queries.append(select(*fine, literal("returns"), func.count())
                       .select_from(TicketEvent).join(Ticket, col(Ticket.id) == TicketEvent.ticket_id)
                       .where(action == "return", inside).group_by(*fine))
        spot_key = fine
    # Rectifications and failed verifications from the index alone; the few closures on flagged evidence need
    # the event's payload.
    kind = case((action == "rectify", "rectifications"), else_="verification_fails")
    queries.append(select(*fine, kind, func.count())
                   .select_from(TicketEvent).join(Ticket, col(Ticket.id) == TicketEvent.ticket_id)
                   .where(inside, (action == "rectify") | ((action == "verify") & (TicketEvent.to_status == "rework")))
                   .group_by(*fine, kind))
    queries.append(select(*fine, literal("flagged_closures"), func.count())
                   .select_from(TicketEvent).join(Ticket, col(Ticket.id) == TicketEvent.ticket_id)
                   .where(action == "verify", inside, col(TicketEvent.to_status) == "closed",
                          TicketEvent.payload["flags_acknowledged"].as_string().is_not(None)).group_by(*fine))
    spot_kind = case((col(SpotCheck.status) == "failed", "spotcheck_fails"), else_="spotcheck_passes")
    queries.append(select(*spot_key, spot_kind, func.count())
                   .select_from(SpotCheck).join(Ticket, col(Ticket.id) == SpotCheck.ticket_id)
                   .where(_in(col(SpotCheck.result_at), start, end)).group_by(*spot_key, spot_kind))
    for query in queries:
        for *key, name, count in session.connection().execute(query):
            totals.setdefault(tuple(key), Counter())[name] += count


def tally(session: Session, *, by: str, start: datetime, end: datetime, now: datetime, calendar: WorkCalendar,
          hours: bool = True) -> dict[tuple, Counter]:
    """Counts per fine key (FINE_KEYS[by]; a None in it: no unit, cell or key point) for [start, end) as of
    `end`; `rectify_seconds` the working seconds behind `rectified` (unless not `hours`)."""
    totals: dict[tuple, Counter] = {}
    # (key, dispatched, rectified, parked seconds, ±1)
    durations: list[tuple[tuple, float, float, int, int]] | None = [] if hours else None
    _count_columns(session, totals, durations, by, start, end)
    if end < now:  # nothing has happened since a period that runs until now
        _correct_changed(session, totals, durations, by, start, end, calendar)
    if durations:
        clock = Clock.spanning(calendar, [moment for _, dispatched, rectified, _, _ in durations
                                          for moment in (dispatched, rectified)])
        for key, dispatched, rectified, parked, sign in durations:
            totals[key]["rectify_seconds"] += sign * clock.between(dispatched, rectified, parked)
    _tally_events(session, totals, by, start, end)
    return totals
