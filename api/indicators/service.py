"""Indicators: the leader's one-screen overview, the figures of any period by any grouping (api/indicators/
figures.py says how each is counted), and the units' ranking with its red and black lists.

The overview: "due this week" = tickets whose deadline fell between Monday 00:00 and now, not parked or
cancelled; closure rate = those closed / due; on-time rate = those closed whose last rectification came by
the deadline / due (docs/domain.md §9: 结案率 = closed / (due − parked))."""

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import cast, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from api.accounts.models import User
from api.bureaus.models import Bureau
from api.catalog.models import Category
from api.config import Settings
from api.reference_data import reference
from api.database import utcnow
from api.errors import ApiError
from api.grid.models import CellInspector, GridArea, GridCell
from api.indicators import figures, periods, scoring
from api.indicators.models import (
    Figures,
    FrozenTally,
    Grouping,
    IndicatorRow,
    Indicators,
    PeriodPublic,
    RankingConfig,
    RankingRow,
    Rankings,
    RankingSettings,
    ScoreWeights,
)
from api.keypoints.models import KeyPoint
from api.patrols import service as patrols_service
from api.tickets.models import BUREAU_QUEUE, Ticket


def _rate(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def overview(session: Session, now: datetime, tz: ZoneInfo) -> dict:  # an Overview
    local = now.astimezone(tz)
    day_start = datetime.combine(local.date(), time(), tz)
    week_start = day_start - timedelta(days=local.weekday())  # Monday 00:00, the county's week

    is_open = col(Ticket.status).in_(BUREAU_QUEUE)
    # The clock stops at rectification: a rectified ticket waiting for verification is not overdue.
    overdue = is_open & (Ticket.status != "rectified") & (col(Ticket.deadline_at) < now)
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel's select is typed for at most four columns
               Ticket.bureau_code, Bureau.name,
               func.count().label("open"),
               func.sum(case((overdue, 1), else_=0)),
               func.sum(case((col(Ticket.escalated), 1), else_=0)))
        .join(Bureau, col(Bureau.code) == Ticket.bureau_code)
        .where(is_open).group_by(Ticket.bureau_code, Bureau.name)).all()
    bureaus = sorted(({"code": code, "name": name, "open": n_open, "overdue": int(n_overdue or 0),
                       "escalated": int(n_escalated or 0)} for code, name, n_open, n_overdue, n_escalated in rows),
                     key=lambda b: (-b["overdue"], -b["open"], b["code"]))

    # By creation, like the ticket list's `since=` that the figure links to.
    reports_today = session.exec(select(func.count()).select_from(Ticket).where(
        col(Ticket.created_at) >= day_start, Ticket.status != "incomplete")).one()
    # Due this week so far: the denominator of both rates; parked and cancelled tickets are not due.
    due = (col(Ticket.deadline_at) >= week_start) & (col(Ticket.deadline_at) < now) \
        & col(Ticket.status).not_in(("parked", "cancelled"))
    n_due, n_closed, n_on_time = session.exec(select(
        func.count(),
        func.sum(case((col(Ticket.status) == "closed", 1), else_=0)),
        # On time: rectified by the deadline; how long verification took is not the bureau's doing.
        func.sum(case(((col(Ticket.status) == "closed") & (col(Ticket.rectified_at) <= Ticket.deadline_at), 1),
                      else_=0)),
    ).select_from(Ticket).where(due)).one()
    # What the supervision team found itself (暗访) and what citizens reported (群众反映) this week: problems the
    # cell's inspectors did not report first, their misses (api/indicators/figures.py).
    # cast: the inner join leaves no ticket without a cell.
    from_citizens = func.sum(case((col(Ticket.source) == "citizen", 1), else_=0))
    found = cast(Sequence[tuple[str, str, int, int]], session.exec(
        select(Ticket.cell_code, GridCell.name, func.count(), from_citizens)
        .join(GridCell, col(GridCell.code) == Ticket.cell_code)
        .where(col(Ticket.source).in_(figures.MISSED_SOURCES), Ticket.status != "incomplete",
               col(Ticket.created_at) >= week_start)
        .group_by(col(Ticket.cell_code), col(GridCell.name)).order_by(col(Ticket.cell_code))).all())
    inspectors: dict[str, list[tuple[str, str]]] = {}
    for cell_code, username, display_name in session.exec(
            select(CellInspector.cell_code, User.username, User.display_name)
            .join(User, col(User.id) == CellInspector.user_id)
            .where(col(CellInspector.cell_code).in_([row[0] for row in found]))):
        inspectors.setdefault(cell_code, []).append((username, display_name))
    missed = [{"cell_code": code, "cell_name": name, "count": count,
               "supervision_finds": count - int(citizens), "citizen_reports": int(citizens),
               "inspectors": [u for u, _ in sorted(inspectors.get(code, []))],
               "inspector_names": [n for _, n in sorted(inspectors.get(code, []))]}
              for code, name, count, citizens in found]
    return {
        "as_of": now, "day_start": day_start, "week_start": week_start,
        "missed_this_week": missed,
        "totals": {key: sum(b[key] for b in bureaus) for key in ("open", "overdue", "escalated")},
        "bureaus": bureaus,
        "today": {"reports": reports_today},
        "week": {"due": n_due, "closed": int(n_closed or 0), "on_time": int(n_on_time or 0),
                 "closure_rate": _rate(int(n_closed or 0), n_due), "on_time_rate": _rate(int(n_on_time or 0), n_due)},
    }


# --- any period, any grouping ---

def resolve_period(period: str | None, first: date | None, end: date | None) -> periods.Period:
    """`period=` or `from`/`to` (422 `bad_period` for neither, both, or either out of shape)."""
    if period is not None and (first is not None or end is not None):
        raise ApiError(422, "bad_period", "请给出 period，或 from 与 to，不能同时给出",
                       "give either period or from and to, not both")
    if period is not None:
        return periods.parse(period)
    if first is None or end is None:
        raise ApiError(422, "bad_period", "请给出 period（如 2026-11），或 from 与 to",
                       "give period (such as 2026-11), or from and to")
    return periods.between(first, end)


def period_public(period: periods.Period, tz: ZoneInfo, now: datetime) -> PeriodPublic:
    start, end = period.bounds(tz)
    return PeriodPublic(kind=period.kind, label=period.label, **{"from": period.first}, to=period.end,
                        starts_at=start, ends_at=end, as_of=max(start, min(end, now)))


def figures_public(counts: Counter, coverage: tuple[int, int] | None) -> Figures:
    """The counts with the rates made of them (api/indicators/figures.py)."""
    c = counts
    hours = c["rectify_seconds"] / 3600
    spotchecks = c["spotcheck_passes"] + c["spotcheck_fails"]
    return Figures(
        reports=c["reports"], valid_reports=c["valid_reports"], recurring=c["recurring"], missed=c["missed"],
        supervision_finds=c["missed"] - c["citizen_reports"], citizen_reports=c["citizen_reports"],
        dispatched=c["dispatched"], returns=c["returns"],
        dispatch_accuracy=round(1 - c["returns"] / c["dispatched"], 4) if c["dispatched"] else None,
        due=c["due"], closed=c["closed"], closure_rate=_rate(c["closed"], c["due"], 4),
        on_time=c["on_time"], on_time_rate=_rate(c["on_time"], c["due"], 4), overdue_open=c["overdue_open"],
        rectifications=c["rectifications"], verification_fails=c["verification_fails"],
        spotcheck_fails=c["spotcheck_fails"],
        rework_rate=_rate(c["verification_fails"] + c["spotcheck_fails"], c["rectifications"], 4),
        spotchecks=spotchecks, spotcheck_passes=c["spotcheck_passes"],
        spotcheck_pass_rate=_rate(c["spotcheck_passes"], spotchecks, 4), flagged_closures=c["flagged_closures"],
        coverage_due=coverage[0] if coverage else None, coverage_patrolled=coverage[1] if coverage else None,
        coverage_rate=_rate(coverage[1], coverage[0], 4) if coverage else None,
        rectified=c["rectified"], rectify_working_hours=round(hours, 2),
        avg_rectify_working_hours=_rate(hours, c["rectified"], 2))


def _parents(session: Session, by: str, cells) -> Mapping[str, str | None]:
    """Each cell's community (by=community) or street (by=street)."""
    community = dict(session.exec(select(GridCell.code, GridCell.community_code)
                                  .where(col(GridCell.code).in_(cells))).all())
    if by == "community":
        return community
    street = dict(session.exec(select(GridArea.code, GridArea.parent_code)
                               .where(col(GridArea.code).in_(set(community.values())))).all())
    return {cell: street.get(parent) for cell, parent in community.items()}


def _roll_up(session: Session, by: str, fine: dict[tuple, Counter]) -> dict[str, Counter]:
    """Counts per fine key made into counts per group; groups without a key (no unit yet, no key point) go."""
    groups: dict[str, Counter] = {}

    def add(key, counts) -> None:
        if key is not None and any(counts.values()):  # a ticket's figures moved to another group leave zeros
            groups.setdefault(str(key), Counter()).update(counts)

    if by in ("street", "community"):
        parent = _parents(session, by, {key[0] for key in fine if key[0]})
        for (cell,), counts in fine.items():
            add(parent.get(cell), counts)
    elif by == "inspector":
        users = dict(session.exec(select(User.id, User.username)
                                  .where(col(User.id).in_({key[0] for key in fine}))).all())
        inspectors: dict[str, list[str]] = {}
        for cell, username in session.exec(select(CellInspector.cell_code, User.username)
                                           .join(User, col(User.id) == CellInspector.user_id)).all():
            inspectors.setdefault(cell, []).append(username)
        for (author, cell, source), counts in fine.items():
            # A miss is the cell's inspectors'; the rest is the author's, but for a citizen's ticket, whose author
            # is only the reviewer who accepted it.
            missed = Counter(missed=counts["missed"], citizen_reports=counts["citizen_reports"])
            if source != "citizen":
                add(users.get(author), counts - missed)
            for username in inspectors.get(cell, []):
                add(username, missed)
    else:
        for (key,), counts in fine.items():
            add(key, counts)
    return groups


_NAMES = {"bureau": (Bureau.code, Bureau.name), "cell": (GridCell.code, GridCell.name),
          "street": (GridArea.code, GridArea.name), "community": (GridArea.code, GridArea.name),
          "inspector": (User.username, User.display_name), "category": (Category.code, Category.name),
          "key_point": (KeyPoint.id, KeyPoint.name)}
_GROUP_FIELDS = {"bureau": "bureau_code", "street": "street_code", "community": "community_code",
                 "cell": "cell_code", "inspector": "inspector", "category": "category_code",
                 "key_point": "key_point_id"}
_COVERAGE_BY = {"bureau": "bureau", "cell": "cell", "street": "cell", "community": "cell", "inspector": "inspector",
                "key_point": "point"}


def _coverage(session: Session, settings: Settings, period: periods.Period, by: str,
              now: datetime) -> tuple[dict[str, tuple[int, int]], tuple[int, int]] | None:
    """Key-point patrol coverage (api/patrols) per group: (due, patrolled); None for a grouping it has no
    meaning for (category)."""
    if by not in _COVERAGE_BY:
        return None
    # Up to today while the period runs: the days still to come are not due yet.
    last = min(period.end - timedelta(days=1), now.astimezone(settings.tz).date())
    found = patrols_service.coverage(session, settings, first=period.first, last=last, by=_COVERAGE_BY[by], now=now)
    rows = {row.key: (row.due, row.patrolled) for row in found.rows if row.key}
    if by in ("street", "community"):
        parent = _parents(session, by, set(rows))
        rolled: dict[str, tuple[int, int]] = {}
        for cell, (due, done) in rows.items():
            if group := parent.get(cell):
                before = rolled.get(group, (0, 0))
                rolled[group] = (before[0] + due, before[1] + done)
        rows = rolled
    return rows, (found.totals.due, found.totals.patrolled)


def _counts(session: Session, settings: Settings, by: str, period: PeriodPublic, now: datetime, *,
            hours: bool) -> tuple[dict[str, Counter], Counter]:
    """A period's counts per group and the county's: a closed period's as frozen once it is, else counted."""
    if period.ends_at <= now:
        frozen = session.get(FrozenTally, (by, period.starts_at, period.ends_at))
        if frozen is not None:
            return {key: Counter(counts) for key, counts in frozen.groups.items()}, Counter(frozen.totals)
    calendar = reference(session).calendar(settings.tz, settings.working_hours)
    fine = figures.tally(session, by=by, start=period.starts_at, end=period.as_of, now=now, calendar=calendar,
                         hours=hours)
    return _roll_up(session, by, fine), sum(fine.values(), Counter())


def count_closed(session: Session, settings: Settings, period: periods.Period, by: str,
                 now: datetime) -> FrozenTally | None:
    """A closed period's counts by a grouping, to be frozen; None while it runs or once it is frozen. The
    session must read one snapshot throughout (api/notifications/worker.freeze_indicators)."""
    public = period_public(period, settings.tz, now)
    if public.ends_at > now or session.get(FrozenTally, (by, public.starts_at, public.ends_at)) is not None:
        return None
    groups, county = _counts(session, settings, by, public, now, hours=True)
    return FrozenTally(grouping=by, starts_at=public.starts_at, ends_at=public.ends_at,
                       groups={key: dict(counts) for key, counts in groups.items()}, totals=dict(county))


def next_to_freeze(session: Session, settings: Settings, now: datetime) -> FrozenTally | None:
    """The counts of the first recently closed period and grouping not frozen yet (periods.recently_closed: the
    last week, month and quarter by every grouping, the ones before by unit)."""
    for period, every in periods.recently_closed(now.astimezone(settings.tz).date()):
        for by in get_args(Grouping) if every else ("bureau",):
            if (tally := count_closed(session, settings, period, by, now)) is not None:
                return tally
    return None


def indicators(session: Session, settings: Settings, *, period: periods.Period, by: Grouping,
               bureau: str | None = None, now: datetime | None = None, hours: bool = True,
               coverage: bool = True) -> Indicators:
    """The figures of every group with a ticket, event or key point in the period (as of its end, or now while
    it runs), and the county's totals; for `bureau` (a unit's liaison) that unit's row alone, as the totals.
    Without `hours` and `coverage` the working hours to rectify and the key-point coverage are left out (a
    previous period's ranks need neither, unless coverage is weighted)."""
    now = now or utcnow()
    public = period_public(period, settings.tz, now)
    groups, county = _counts(session, settings, by, public, now, hours=hours)
    patrols = _coverage(session, settings, period, by, now) if coverage else None
    if patrols:
        for key in patrols[0]:
            groups.setdefault(key, Counter())
    if bureau is not None:
        groups = {bureau: groups.get(bureau, Counter())}
    key_column, name_column = _NAMES[by]
    keys = [int(k) for k in groups] if by == "key_point" else list(groups)
    names = {str(k): name for k, name in session.exec(select(key_column, name_column)
                                                       .where(col(key_column).in_(keys))).all()}
    rows = []
    for key in sorted(groups):
        counts = figures_public(groups[key], patrols[0].get(key, (0, 0)) if patrols else None)
        value = int(key) if by == "key_point" else key
        rows.append(IndicatorRow.model_validate({"key": key, "name": names.get(key, key), _GROUP_FIELDS[by]: value,
                                                 **counts.model_dump()}))
    if bureau is not None:
        totals = Figures.model_validate(rows[0].model_dump())
    else:
        totals = figures_public(county, patrols[1] if patrols else None)
    return Indicators(period=public, by=by, totals=totals, rows=rows)


# --- the ranking ---

def ranking_config(session: Session) -> RankingConfig:
    row = session.get(RankingSettings, 1)
    if row is None:
        return RankingConfig()
    return RankingConfig(weights=ScoreWeights.model_validate(row.weights), min_due=row.min_due, red=row.red,
                         black=row.black)


def put_ranking_config(session: Session, config: RankingConfig, *, by: str) -> None:
    row = session.get(RankingSettings, 1) or RankingSettings(id=1, weights={}, min_due=0, red=0, black=0)
    row.weights, row.min_due, row.red, row.black = (config.weights.model_dump(), config.min_due, config.red,
                                                    config.black)
    row.updated_at, row.updated_by = utcnow(), by
    session.add(row)
    session.flush()


def _ranked(session: Session, settings: Settings, config: RankingConfig, period: periods.Period, now: datetime,
            *, full: bool = True) -> tuple[Indicators, dict[str, float | None], dict[str, int]]:
    """A period's figures by unit, each unit's score, and the ranks of those with enough tickets due (not `full`:
    only the figures the score reads)."""
    found = indicators(session, settings, period=period, by="bureau", now=now, hours=full,
                       coverage=full or config.weights.coverage_rate > 0)
    scores = {row.key: scoring.score(row, config.weights) for row in found.rows}
    eligible = {row.key: score for row in found.rows
                if row.due >= config.min_due and (score := scores[row.key]) is not None}
    return found, scores, scoring.ranks(eligible)


def rankings(session: Session, settings: Settings, *, period: periods.Period, bureau: str | None = None,
             now: datetime | None = None) -> Rankings:
    """Every active unit (and any other with figures) with its score, grade and rank, the change in rank
    since the previous period, and the red and black lists; for `bureau` (a liaison) its own row."""
    now = now or utcnow()
    config = ranking_config(session)
    found, scores, places = _ranked(session, settings, config, period, now)
    before = period.previous()
    previous = _ranked(session, settings, config, before, now, full=False)[2] if before else {}
    rows = {row.key: row for row in found.rows}
    units = dict(session.exec(select(Bureau.code, Bureau.name).where(
        (col(Bureau.is_active) == True) | col(Bureau.code).in_(list(rows)))).all())  # noqa: E712
    empty = figures_public(Counter(), (0, 0))
    order = sorted(places, key=lambda code: (places[code], code))
    red, black = scoring.red_and_black(order, config.red, config.black)
    listed = []
    for code in order + sorted(code for code in units if code not in places):
        rank, was = places.get(code), previous.get(code)
        listed.append(RankingRow(
            bureau_code=code, name=units.get(code, code), score=scores.get(code), grade=scoring.grade(scores.get(code)),
            ranked=rank is not None, rank=rank, previous_rank=was,
            rank_change=was - rank if rank is not None and was is not None else None,
            red=code in red, black=code in black,
            figures=Figures.model_validate(rows[code].model_dump()) if code in rows else empty))
    if bureau is not None:
        listed = [row for row in listed if row.bureau_code == bureau]
        red, black = [c for c in red if c == bureau], [c for c in black if c == bureau]
    return Rankings(period=found.period, previous_period=period_public(before, settings.tz, now) if before else None,
                    settings=config, units=listed, red=red, black=black)
