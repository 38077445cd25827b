"""Traffic lights in working time: green < 80 % used ≤ yellow < 100 % ≤ red; parking does not count."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.tickets.deadlines import deadline_info
from api.tickets.models import Ticket
from api.workcalendar.service import WorkCalendar, parse_hours

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(tz=TZ, hours=parse_hours("08:30-12:00,13:30-17:30"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def ticket(**kw) -> Ticket:
    # Dispatched Friday 09:00 with 4 working hours: 3 before lunch, 1 after, so due at 14:30.
    base = {"status": "dispatched", "dispatched_at": at("2026-11-20 09:00"), "deadline_at": at("2026-11-20 14:30")}
    return Ticket(**{**base, **kw})


@pytest.mark.parametrize("now, ratio, light, overdue, left_h", [
    ("2026-11-20 09:00", 0.0, "green", False, 4),
    ("2026-11-20 11:00", 0.5, "green", False, 2),
    ("2026-11-20 12:45", 0.75, "green", False, 1),   # lunch is not working time
    ("2026-11-20 13:45", 0.812, "yellow", False, 0.75),
    ("2026-11-20 15:00", 1.125, "red", True, -0.5),
    ("2026-11-23 09:00", 1.875, "red", True, -3.5),  # the weekend does not count either
])
def test_lights(now, ratio, light, overdue, left_h):
    info = deadline_info(ticket(), CAL, at(now))
    assert (info["time_used_ratio"], info["light"], info["overdue"]) == (ratio, light, overdue)
    assert info["working_seconds_left"] == left_h * 3600


def test_parked_time_is_not_used_time():
    # Parked for 2 working hours, then unparked: the deadline moved from 14:30 to 16:30.
    parked = ticket(parked_seconds=7200, deadline_at=at("2026-11-20 16:30"))
    assert deadline_info(parked, CAL, at("2026-11-20 14:00"))["time_used_ratio"] == 0.375  # (3.5 - 2) / 4
    still_parked = ticket(status="parked", parked_at=at("2026-11-20 10:00"))
    assert deadline_info(still_parked, CAL, at("2026-11-23 10:00"))["time_used_ratio"] == 0.25


def test_rectified_and_unrouted_tickets():
    assert deadline_info(ticket(status="rectified"), CAL, at("2026-11-23 09:00"))["overdue"] is False
    unrouted = deadline_info(ticket(status="reported", dispatched_at=None, deadline_at=None), CAL,
                             at("2026-11-20 10:00"))
    assert unrouted == {"deadline_at": None, "time_used_ratio": None, "working_seconds_left": None, "light": None,
                        "overdue": False, "clock_resumes_at": None}


def test_the_clock_stops_at_rectification():
    # Rectified at 11:00 with 2 of 4 hours used; verification days later does not age the light.
    waiting = ticket(status="rectified", rectified_at=at("2026-11-20 11:00"))
    info = deadline_info(waiting, CAL, at("2026-11-25 09:00"))
    assert (info["time_used_ratio"], info["light"], info["overdue"]) == (0.5, "green", False)
