"""Coverage and the readiness board on a fixed clock, in the county's zone (Asia/Shanghai)."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.accounts.models import Role
from api.patrols import service
from api.patrols.models import Patrol
from api.tickets.models import Ticket
from tests.factories import make_bureau, make_category, make_cell, make_key_point, make_point_type, make_user

TZ = ZoneInfo("Asia/Shanghai")
CELL = "330790001001001"


@pytest.fixture
def world(db):
    make_bureau(db, "zjj", "住建局")
    make_cell(db, CELL, responsible="zjj", name="县前网格")
    make_point_type(db)
    make_category(db, "0506", default_bureau_code="zjj")
    inspector = make_user(db, "insp", Role.inspector, cells=(CELL,))
    daily = make_key_point(db, "人民路", cell_code=CELL, bureau_code="zjj")
    weekly = make_key_point(db, "公交站", has_cctv=False, frequency="weekly", cell_code=CELL, bureau_code="zjj",
                            lat=28.906)
    db.commit()
    return {"inspector": inspector, "daily": daily, "weekly": weekly}


def patrol(db, point, inspector, started_local: datetime, *, synced: datetime | None = None) -> None:
    started = started_local.replace(tzinfo=TZ)
    db.add(Patrol(id=uuid.uuid4(), key_point_id=point.id, inspector_id=inspector.id, started_at=started,
                  finished_at=started + timedelta(minutes=15), day=started.date(), lat=point.lat, lon=point.lon,
                  accuracy_m=5, located_at=started, distance_m=3, checklist_version=1, items=[],
                  request_sha256="0" * 64, created_at=synced or started))
    db.commit()


def ticket(db, point, inspector, *, created: datetime, deadline: datetime | None, status: str = "dispatched",
           closed: datetime | None = None) -> Ticket:
    row = Ticket(id=uuid.uuid4(), author_id=inspector.id, category_code="0506", lat=point.lat, lon=point.lon,
                 accuracy_m=5, located_at=created, captured_at=created, created_at=created, status=status,
                 bureau_code="zjj", dispatched_at=created, deadline_at=deadline, key_point_id=point.id,
                 closed_at=closed, rectified_at=closed, cell_code=CELL, request_sha256="0" * 64)
    db.add(row)
    db.commit()
    return row


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_a_patrol_counts_for_the_day_it_was_done_not_the_day_it_synced(db, settings, world):
    # Started at 23:50 on 6 December, reached the server after midnight.
    patrol(db, world["daily"], world["inspector"], datetime(2026, 12, 6, 23, 50),
           synced=local(2026, 12, 7, 0, 20))
    now = local(2026, 12, 7, 9, 0)
    figures = service.coverage(db, settings, first=date(2026, 12, 5), last=date(2026, 12, 7), by="point", now=now)
    row = next(r for r in figures.rows if r.name == "人民路")
    assert (row.due, row.patrolled, row.missed, row.pending) == (3, 1, 1, 1)  # 5th missed, 6th done, 7th running
    assert [m.date for m in row.missed_points] == [date(2026, 12, 5)]


def test_holidays_are_due_days_and_weekly_points_are_due_once_a_week(db, settings, world):
    # National Day week: 1–7 October 2026 are holidays, yet the cameras record every one of them.
    patrol(db, world["daily"], world["inspector"], datetime(2026, 10, 1, 9, 0))
    patrol(db, world["weekly"], world["inspector"], datetime(2026, 10, 3, 10, 0))
    now = local(2026, 10, 20, 9, 0)
    figures = service.coverage(db, settings, first=date(2026, 9, 28), last=date(2026, 10, 11), by="point", now=now)
    rows = {r.name: r for r in figures.rows}
    assert (rows["人民路"].due, rows["人民路"].patrolled, rows["人民路"].missed) == (14, 1, 13)
    assert (rows["公交站"].due, rows["公交站"].patrolled, rows["公交站"].missed) == (2, 1, 1)
    assert figures.totals.due == 16 and figures.totals.rate == round(2 / 16, 4)
    by_inspector = service.coverage(db, settings, first=date(2026, 9, 28), last=date(2026, 10, 11),
                                    by="inspector", now=now)
    assert [(r.key, r.due) for r in by_inspector.rows] == [("insp", 16)]
    by_cell = service.coverage(db, settings, first=date(2026, 9, 28), last=date(2026, 10, 11), by="cell", now=now)
    assert [(r.name, r.patrolled) for r in by_cell.rows] == [("县前网格", 2)]


def test_a_point_not_yet_active_is_not_due(db, settings, world):
    world["daily"].active_from = date(2026, 12, 6)
    db.add(world["daily"])
    db.commit()
    figures = service.coverage(db, settings, first=date(2026, 12, 1), last=date(2026, 12, 7), by="point",
                               now=local(2026, 12, 8, 9))
    assert next(r for r in figures.rows if r.name == "人民路").due == 2


def _board(db, settings, now):
    return {p.key_point.name: p for p in service.readiness(db, settings, days=30, now=now).points}


def test_readiness_colours(db, settings, world):
    now = local(2026, 12, 7, 15, 0)
    point, inspector = world["daily"], world["inspector"]
    patrol(db, point, inspector, datetime(2026, 12, 6, 9, 0))
    assert _board(db, settings, now)["人民路"].status == "yellow"  # not patrolled today yet
    assert _board(db, settings, now)["人民路"].reasons == ["not_patrolled_today"]
    patrol(db, point, inspector, datetime(2026, 12, 7, 9, 0))
    board = _board(db, settings, now)
    assert board["人民路"].status == "green" and board["人民路"].reasons == []
    assert len(board["人民路"].days) == 30 and board["人民路"].days[-1].date == date(2026, 12, 7)
    assert [d.patrolled for d in board["人民路"].days[-2:]] == [True, True]
    assert "公交站" not in board  # neither a camera nor a declared site

    open_one = ticket(db, point, inspector, created=local(2026, 12, 7, 10), deadline=local(2026, 12, 8, 10))
    board = _board(db, settings, now)
    assert board["人民路"].status == "yellow" and board["人民路"].reasons == ["open_problem"]
    assert board["人民路"].days[-1].problems == 1 and [t.id for t in board["人民路"].open_tickets] == [open_one.id]

    ticket(db, point, inspector, created=local(2026, 12, 3, 10), deadline=local(2026, 12, 4, 10))
    board = _board(db, settings, now)
    assert board["人民路"].status == "red" and board["人民路"].reasons[0] == "overdue_problem"
    assert [d.overdue for d in board["人民路"].days[-5:]] == [0, 1, 1, 1, 1]  # late from the 4th on


def test_a_missed_yesterday_is_red_and_a_fix_ends_the_overdue_days(db, settings, world):
    point, inspector = world["daily"], world["inspector"]
    patrol(db, point, inspector, datetime(2026, 12, 7, 8, 0))
    now = local(2026, 12, 7, 15, 0)
    assert _board(db, settings, now)["人民路"].reasons == ["missed_yesterday"]
    ticket(db, point, inspector, created=local(2026, 12, 1, 10), deadline=local(2026, 12, 2, 10), status="closed",
           closed=local(2026, 12, 4, 12))
    days = _board(db, settings, now)["人民路"].days
    assert [d.overdue for d in days[-7:]] == [0, 1, 1, 0, 0, 0, 0]  # the 2nd and 3rd; fixed on the 4th


def test_the_board_lists_worst_first_and_a_unit_sees_its_own(db, settings, world):
    other = make_key_point(db, "解放街", cell_code=CELL, bureau_code=None, lat=28.9045)
    db.commit()
    now = local(2026, 12, 7, 15, 0)
    patrol(db, world["daily"], world["inspector"], datetime(2026, 12, 6, 9, 0))
    patrol(db, world["daily"], world["inspector"], datetime(2026, 12, 7, 9, 0))
    names = [p.key_point.name for p in service.readiness(db, settings, days=30, now=now).points]
    assert names == ["解放街", "人民路"]  # red (missed yesterday) before green
    own = service.readiness(db, settings, days=30, bureau="zjj", now=now).points
    assert [p.key_point.name for p in own] == ["人民路"] and other.id


def test_a_weekly_point_counts_a_patrol_anywhere_in_its_week(db, settings, world):
    # Wednesday 7 to Tuesday 13 October 2026 touches two ISO weeks: one patrolled on its Monday, before the
    # range, the other on its Friday, after it.
    patrol(db, world["weekly"], world["inspector"], datetime(2026, 10, 5, 9, 0))
    patrol(db, world["weekly"], world["inspector"], datetime(2026, 10, 16, 9, 0))
    figures = service.coverage(db, settings, first=date(2026, 10, 7), last=date(2026, 10, 13), by="point",
                               now=local(2026, 10, 20, 9, 0))
    rows = {r.name: r for r in figures.rows}
    assert (rows["公交站"].due, rows["公交站"].patrolled, rows["公交站"].missed) == (2, 2, 0)
    assert (rows["人民路"].due, rows["人民路"].patrolled, rows["人民路"].missed) == (7, 0, 7)


def test_the_board_reaches_back_for_older_tickets(db, settings, world):
    """Raised before the window: still open, late on every day of it; closed in it after its deadline, late
    until the fix; fixed before it, nothing. A cancelled one raised in it is a problem that day, never late."""
    point, inspector = world["daily"], world["inspector"]
    lingering = ticket(db, point, inspector, created=local(2026, 9, 1, 10), deadline=local(2026, 9, 2, 10))
    ticket(db, point, inspector, created=local(2026, 10, 1, 10), deadline=local(2026, 10, 2, 10), status="closed",
           closed=local(2026, 12, 3, 12))
    ticket(db, point, inspector, created=local(2026, 10, 1, 10), deadline=local(2026, 10, 2, 10), status="closed",
           closed=local(2026, 11, 1, 12))
    ticket(db, point, inspector, created=local(2026, 12, 5, 10), deadline=None, status="cancelled")
    board = _board(db, settings, local(2026, 12, 7, 15, 0))["人民路"]
    assert board.days[0].date == date(2026, 11, 8) and board.days[0].overdue == 2
    assert [d.overdue for d in board.days[-6:]] == [2, 1, 1, 1, 1, 1]  # fixed at noon on the 3rd
    assert [d.problems for d in board.days[-6:]] == [0, 0, 0, 1, 0, 0]
    assert [t.id for t in board.open_tickets] == [lingering.id] and board.open_tickets[0].overdue
    assert board.status == "red" and board.reasons[0] == "overdue_problem"


def test_a_one_day_board_still_sees_yesterday(db, settings, world):
    patrol(db, world["daily"], world["inspector"], datetime(2026, 12, 6, 9, 0))  # Sunday
    patrol(db, world["daily"], world["inspector"], datetime(2026, 12, 7, 9, 0))  # Monday: a new week today
    board = service.readiness(db, settings, days=1, now=local(2026, 12, 7, 15, 0)).points
    assert [(p.key_point.name, p.status, len(p.days)) for p in board] == [("人民路", "green", 1)]
