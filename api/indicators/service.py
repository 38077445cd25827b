"""The leader's one-screen overview: what is open, overdue and escalated per bureau, today's reports,
and this week's closure and on-time rates (domain.md §9: 结案率 = closed / (due − parked)).

"Due this week" = tickets whose deadline fell between Monday 00:00 and now, not parked or cancelled;
closure rate = those closed / due; on-time rate = those closed whose last rectification came by the
deadline / due."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from api.accounts.models import User
from api.bureaus.models import Bureau
from api.grid.models import CellInspector, GridCell
from api.tickets.models import BUREAU_OPEN, Ticket


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def overview(session: Session, now: datetime, tz: ZoneInfo) -> dict:
    local = now.astimezone(tz)
    day_start = datetime.combine(local.date(), time(), tz)
    week_start = day_start - timedelta(days=local.weekday())  # Monday 00:00, the county's week

    is_open = col(Ticket.status).in_(BUREAU_OPEN)
    # The clock stops at rectification: a rectified ticket waiting for verification is not overdue.
    overdue = is_open & (Ticket.status != "rectified") & (col(Ticket.deadline_at) < now)
    rows = session.exec(
        select(Ticket.bureau_code, Bureau.name,
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
        func.sum(case((Ticket.status == "closed", 1), else_=0)),
        # On time: rectified by the deadline; how long verification took is not the bureau's doing.
        func.sum(case(((Ticket.status == "closed") & (col(Ticket.rectified_at) <= Ticket.deadline_at), 1), else_=0)),
    ).select_from(Ticket).where(due)).one()
    # 暗访: what the supervision team found itself this week counts as missed by the cell's inspectors.
    found = session.exec(select(Ticket.cell_code, GridCell.name, func.count())
                         .join(GridCell, col(GridCell.code) == Ticket.cell_code)
                         .where(Ticket.source == "supervision", Ticket.status != "incomplete",
                                col(Ticket.created_at) >= week_start)
                         .group_by(Ticket.cell_code, GridCell.name).order_by(Ticket.cell_code)).all()
    inspectors: dict[str, list[tuple[str, str]]] = {}
    for cell_code, username, display_name in session.exec(
            select(CellInspector.cell_code, User.username, User.display_name)
            .join(User, col(User.id) == CellInspector.user_id)
            .where(col(CellInspector.cell_code).in_([c for c, _, _ in found]))):
        inspectors.setdefault(cell_code, []).append((username, display_name))
    missed = [{"cell_code": code, "cell_name": name, "count": count,
               "inspectors": [u for u, _ in sorted(inspectors.get(code, []))],
               "inspector_names": [n for _, n in sorted(inspectors.get(code, []))]}
              for code, name, count in found]
    return {
        "as_of": now, "day_start": day_start, "week_start": week_start,
        "missed_this_week": missed,
        "totals": {key: sum(b[key] for b in bureaus) for key in ("open", "overdue", "escalated")},
        "bureaus": bureaus,
        "today": {"reports": reports_today},
        "week": {"due": n_due, "closed": int(n_closed or 0), "on_time": int(n_on_time or 0),
                 "closure_rate": _rate(int(n_closed or 0), n_due), "on_time_rate": _rate(int(n_on_time or 0), n_due)},
    }
