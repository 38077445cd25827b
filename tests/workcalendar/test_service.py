"""Working-time deadlines across the 2026 Spring Festival and National Day, with make-up days."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.workcalendar.service import WorkCalendar, parse_hours

TZ = ZoneInfo("Asia/Shanghai")
HOURS = parse_hours("08:30-12:00,13:30-17:30")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def cal():
    return WorkCalendar(tz=TZ, hours=HOURS)


@pytest.mark.parametrize("start, value, unit, expected", [
    ("2026-11-20 09:00", 2, "wh", "2026-11-20 11:00"),   # inside the morning
    ("2026-11-20 11:00", 2, "wh", "2026-11-20 14:30"),   # across the lunch break
    ("2026-11-20 16:30", 2, "wh", "2026-11-23 09:30"),   # Friday evening → Monday
    ("2026-11-20 19:00", 2, "wh", "2026-11-23 10:30"),   # reported after hours
    ("2026-11-20 12:30", 4, "wh", "2026-11-20 17:30"),   # lunch-time report starts at 13:30
    ("2026-11-19 10:00", 1, "wd", "2026-11-20 10:00"),   # one working day = 7.5 working hours
    ("2026-11-20 10:00", 3, "wd", "2026-11-25 10:00"),
    # Spring Festival 2026: 2-15..2-23 off; Saturday 2-14 and 2-28 are make-up working days.
    ("2026-02-13 16:00", 4, "wh", "2026-02-14 11:00"),   # make-up Saturday counts
    ("2026-02-14 16:00", 4, "wh", "2026-02-24 11:00"),   # the festival does not
    ("2026-02-27 16:00", 2, "wh", "2026-02-28 09:00"),   # make-up Saturday 2-28
    # National Day 2026: 10-1..10-7 off; Saturday 10-10 is a make-up working day.
    ("2026-09-30 17:00", 1, "wh", "2026-10-08 09:00"),
    ("2026-10-09 17:00", 1, "wh", "2026-10-10 09:00"),
])
def test_deadlines(cal, start, value, unit, expected):
    assert cal.deadline(at(start), value, unit) == at(expected)


def test_overrides_beat_the_national_calendar(cal):
    cal.overrides[date(2026, 11, 23)] = False   # a county holiday on Monday
    cal.overrides[date(2026, 11, 22)] = True    # and a working Sunday
    assert cal.deadline(at("2026-11-20 17:00"), 1, "wh") == at("2026-11-22 09:00")
    assert cal.deadline(at("2026-11-22 17:00"), 1, "wh") == at("2026-11-24 09:00")


def test_unknown_year_falls_back_to_weekdays_and_says_so(cal):
    # chinese-calendar 1.11 stops at 2026: Friday 1 January 2027 counts as a weekday until an admin
    # enters the published schedule, and the calendar reports that it guessed.
    assert cal.deadline(at("2026-12-31 16:00"), 4, "wh") == at("2027-01-01 11:00")
    assert cal.fallback_years == {2027}


def test_fallback_year_honours_entered_schedule(cal):
    cal.overrides[date(2027, 1, 1)] = False  # New Year's Day, entered by an admin
    assert cal.deadline(at("2026-12-31 16:00"), 4, "wh") == at("2027-01-04 11:00")


def test_between_counts_only_working_time(cal):
    assert cal.between(at("2026-11-20 16:30"), at("2026-11-23 09:30")) == timedelta(hours=2)
    assert cal.between(at("2026-10-01 09:00"), at("2026-10-07 18:00")) == timedelta()
    assert cal.between(at("2026-11-20 10:00"), at("2026-11-20 09:00")) == timedelta()


def test_between_counts_whole_working_days_in_any_order_of_questions(cal):
    # Mon 11-16 09:00 → Fri 11-20 10:00: 7 h on Monday, Tue–Thu 3 × 7.5 h, 1.5 h on Friday.
    assert cal.between(at("2026-11-16 09:00"), at("2026-11-20 10:00")) == timedelta(hours=31)
    # The same calendar asked about an earlier stretch afterwards (its prefix sums rebase):
    # Mon 9-28 7 h, 9-29 and 9-30 7.5 h each, National Day off, Thu 10-8 7.5 h, Fri 10-9 0.5 h.
    assert cal.between(at("2026-09-28 09:00"), at("2026-10-09 09:00")) == timedelta(hours=30)
    assert cal.between(at("2026-11-16 09:00"), at("2026-11-20 10:00")) == timedelta(hours=31)


def test_bad_hours_are_refused():
    with pytest.raises(ValueError):
        parse_hours("12:00-08:00")
    with pytest.raises(ValueError):
        parse_hours("08:00-12:00,11:00-14:00")
