"""How much of a ticket's working time is used, and its traffic light (green < 0.8 ≤ yellow < 1 ≤ red)."""

from datetime import UTC, datetime, timedelta

from api.tickets.models import Ticket
from api.workcalendar.service import WorkCalendar

CLOCK_STOPPED = ("closed", "cancelled", "rectified")


def deadline_info(ticket: Ticket, calendar: WorkCalendar, now: datetime) -> dict:
    """Working time used against the allowance; parked time counts for neither. The clock stops at
    rectification (the bureau's part is done) and at closing."""
    if ticket.deadline_at is None or ticket.dispatched_at is None:
        return {"deadline_at": ticket.deadline_at, "time_used_ratio": None, "working_seconds_left": None,
                "light": None, "overdue": False, "clock_resumes_at": None}
    parked = timedelta(seconds=ticket.parked_seconds)
    end = ticket.parked_at or now
    if ticket.status in CLOCK_STOPPED:
        end = min(end, ticket.rectified_at or ticket.closed_at or end)
    allowance = calendar.between(ticket.dispatched_at, ticket.deadline_at) - parked
    used = calendar.between(ticket.dispatched_at, end) - parked
    ratio = round(used / allowance, 3) if allowance > timedelta() else 1.0
    overdue = ticket.status not in CLOCK_STOPPED and end > ticket.deadline_at
    light = "red" if overdue or ratio >= 1 else "yellow" if ratio >= 0.8 else "green"
    # Negative once overdue: how much working time past the deadline.
    left = int((allowance - used).total_seconds())
    # After hours, at a weekend or on a holiday the clock stands: say when it runs again.
    running = ticket.status not in CLOCK_STOPPED and ticket.parked_at is None
    resumes = calendar.resumes_at(now).astimezone(UTC) if running else None
    return {"deadline_at": ticket.deadline_at, "time_used_ratio": ratio, "working_seconds_left": left,
            "light": light, "overdue": overdue, "clock_resumes_at": resumes if resumes and resumes > now else None}
