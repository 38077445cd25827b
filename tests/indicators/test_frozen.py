"""A closed period's counts, frozen once by the worker, are what the period's figures read from then on."""

from datetime import date

import pytest
from sqlmodel import select

from api.indicators import periods, service
from api.indicators.models import FrozenTally
from api.notifications.worker import freeze_indicators
from tests.indicators.history import county
from tests.indicators.test_period import AFTER, OCTOBER, november, october


@pytest.fixture
def users(db):
    return county(db)


@pytest.mark.parametrize("by", ["bureau", "street", "cell", "inspector", "category"])
def test_a_frozen_period_reads_as_it_was_counted(db, settings, users, by):
    stories = october(db, users)
    november(db, stories, users)
    counted = service.indicators(db, settings, period=OCTOBER, by=by, now=AFTER)
    db.add(service.count_closed(db, settings, OCTOBER, by, AFTER))
    db.commit()
    assert service.count_closed(db, settings, OCTOBER, by, AFTER) is None  # counted once
    # A change behind the event log's back (which nothing does) shows the figures now come from the frozen counts.
    stories["T1"].ticket.status = "cancelled"
    db.add(stories["T1"].ticket)
    db.commit()
    frozen = service.indicators(db, settings, period=OCTOBER, by=by, now=AFTER)
    assert (frozen.rows, frozen.totals) == (counted.rows, counted.totals)
    assert frozen.totals.reports > 0


def test_a_running_period_is_never_frozen(db, settings, users):
    october(db, users)
    assert service.count_closed(db, settings, OCTOBER, "bureau", OCTOBER.bounds(settings.tz)[1]) is not None
    assert service.count_closed(db, settings, OCTOBER, "bureau", OCTOBER.bounds(settings.tz)[0]) is None


def test_recently_closed_periods():
    found = [(period.label, every) for period, every in periods.recently_closed(date(2026, 1, 5))]
    assert found == [("2026-W01", True), ("2025-W52", False), ("2025-12", True), ("2025-11", False),
                     ("2025-Q4", True), ("2025-Q3", False)]


def test_the_worker_freezes_each_recently_closed_period_once(engine, db, settings, users):
    rounds = 0
    while freeze_indicators(engine, settings):
        rounds += 1
        assert rounds <= 30
    frozen = db.exec(select(FrozenTally.grouping, FrozenTally.starts_at)).all()
    # The last week, month and quarter by each of the 7 groupings; the ones before by unit.
    assert rounds == len(frozen) == 3 * 7 + 3
    assert sorted(by for by, _ in frozen).count("bureau") == 6
    assert freeze_indicators(engine, settings) == 0
