"""Indicators at scale: the monthly ranking and last month's indicators by cell over 1,000,000 tickets, measured
server-side through the service functions behind GET /api/v1/rankings and GET /api/v1/indicators, on SQLite and
PostgreSQL.

The tickets are bench/queue_latency.py's (20 bureaus, 500 cells, its state mix over a year), changed on their way
in as a county's would be: written in the order they were created (queue_latency draws each creation time at
random, so a month's tickets lie scattered over the whole table), and a ticket more than AGE_DAYS old no longer
open (closed, some late and some after a failed verification, or cancelled when it never reached a unit). Each
gets the events the figures are counted from, compactly: its completion, returns and reassignments,
rectifications, verifications; 2 % of the closed ones a spot check. Last month is then a past period, so its
figures are counted as of its end (the tickets changed since are replayed from their events), and the ranking
counts the month before too, for the change in rank. Both are measured counted (as any period is until the worker
has frozen it, and a custom one always) and frozen (a closed week, month or quarter once the worker has counted it
for good, api/indicators/models.FrozenTally), with the time the worker takes to freeze them.

Run: .venv/bin/python bench/indicators.py [--tickets 1000000] [--samples 20] [--db sqlite|postgresql|both]
Target (issue 17): p95 ≤ 500 ms for each.
"""

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from queue_latency import drop_database, fresh_database, stats, timed
from queue_latency import seed as seed_tickets
from sqlalchemy import delete, event, insert, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from api import migrate
from api.accounts.models import Role, User
from api.config import Settings
from api.database import make_engine
from api.indicators import periods, service
from api.notifications.worker import freeze_indicators
from api.spotchecks.models import SpotCheck, SpotCheckDraw
from api.tickets.models import Ticket, TicketEvent

AGE_DAYS = 14
OPEN = ("reported", "dispatched", "accepted", "rectified", "rework", "returned")


class History:
    """Ages queue_latency's ticket rows as they are inserted and writes their events beside them."""

    def __init__(self, now: datetime, n_tickets: int, rng: random.Random):
        self.now, self.rng = now, rng
        self.written, self.step = 0, (timedelta(days=365) - timedelta(minutes=10)) / n_tickets
        self.events: list[dict] = []
        self.spotchecks: list[dict] = []

    def event(self, ticket: dict, at: datetime, action: str, before: str | None, after: str, **payload) -> None:
        self.events.append({"ticket_id": ticket["id"], "at": at, "actor_id": None, "actor_role": None,
                            "action": action, "from_status": before, "to_status": after, "payload": payload,
                            "action_id": None})

    def in_order(self, row: dict) -> None:
        """The next creation time of the year, every other time of the ticket moved with it."""
        shift = self.now - timedelta(days=365) + self.written * self.step - row["created_at"]
        self.written += 1
        for name in ("created_at", "located_at", "captured_at", "completed_at", "deadline_at", "closed_at",
                     "dispatched_at", "parked_at"):
            if row[name] is not None:
                row[name] += shift

    def age(self, row: dict) -> None:
        """The ticket's final state (old ones settled) and its events."""
        rng, status, created = self.rng, row["status"], row["created_at"]
        row["rectified_at"] = None  # every row of a batch names the same columns
        if status == "incomplete":
            return
        old = created < self.now - timedelta(days=AGE_DAYS)
        bureau = row["bureau_code"]
        if old and status == "reported":
            row["status"] = status = "cancelled"
        elif old and status in OPEN:
            row["status"] = status = "closed"
        first = "dispatched" if bureau else "reported"
        self.event(row, created, first, "incomplete", first, bureau_code=bureau, cell_code=row["cell_code"])
        at = created + timedelta(minutes=rng.randint(5, 120))
        if status == "returned" or (status == "closed" and rng.random() < 0.02):
            self.event(row, at, "return", "dispatched", "returned", reason="bench")
            if status == "closed":
                self.event(row, at + timedelta(minutes=30), "reassign", "returned", "dispatched", reason="bench",
                           from_bureau=bureau, to_bureau=bureau, deadline_at=row["deadline_at"].isoformat())
        if status == "cancelled" or status == "parked":
            self.event(row, at, "cancel" if status == "cancelled" else "park", first, status, reason="bench")
            return
        if status not in ("closed", "rectified", "rework"):
            return
        deadline = row["deadline_at"]
        late = rng.random() < 0.2
        rectified = min(self.now - timedelta(minutes=5), deadline + timedelta(hours=rng.uniform(1, 48)) if late
                        else deadline - (deadline - created) * rng.uniform(0.1, 0.9))
        if status == "rework" or (status == "closed" and rng.random() < 0.05):
            self.event(row, rectified - timedelta(minutes=50), "rectify", "accepted", "rectified")
            self.event(row, rectified - timedelta(minutes=20), "verify", "rectified", "rework", result="fail")
            row["rework_count"] = 1
        if status == "rework":
            row["rectified_at"] = rectified - timedelta(minutes=50)
            return
        self.event(row, rectified, "rectify", "rework" if row["rework_count"] else "accepted", "rectified")
        row["rectified_at"] = rectified
        if status == "rectified":
            return
        closed = min(self.now, rectified + timedelta(hours=rng.uniform(0.5, 24)))
        self.event(row, closed, "verify", "rectified", "closed", result="pass")
        row["closed_at"] = closed
        checked = min(self.now, closed + timedelta(days=2))
        if rng.random() < 0.02:
            failed = rng.random() < 0.2
            self.spotchecks.append({"ticket_id": row["id"], "bureau_code": bureau, "status": "failed" if failed
                                    else "passed", "result_at": checked})
            if failed:
                row["status"], row["closed_at"], row["rework_count"] = "rework", None, row["rework_count"] + 1
            self.event(row, checked, "spotcheck", "closed", row["status"], result="fail" if failed else "pass")

    def before_execute(self, conn, statement, multiparams, params, execution_options):
        if getattr(statement, "table", None) is Ticket.__table__ and statement.is_insert and multiparams:
            for row in multiparams:
                self.in_order(row)
                self.age(row)
        return statement, multiparams, params

    def after_execute(self, conn, statement, multiparams, params, execution_options, result):
        if self.events and getattr(statement, "table", None) is Ticket.__table__:
            batch, self.events = self.events, []
            conn.execute(insert(TicketEvent.__table__), batch)


def seed(url: str, n_tickets: int, now: datetime) -> None:
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _loading(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":  # a large page cache while loading only: the indexes fit
            dbapi_connection.execute("PRAGMA cache_size=-1000000")

    history = History(now, n_tickets, random.Random(17))
    event.listen(engine, "before_execute", history.before_execute, retval=True)
    event.listen(engine, "after_execute", history.after_execute)
    seed_tickets(engine, n_tickets, random.Random(7))
    event.remove(engine, "before_execute", history.before_execute)
    event.remove(engine, "after_execute", history.after_execute)
    with Session(engine) as session:
        # queue_latency's own few events (a ticket view's history), which are not a history: ours replace them.
        session.connection().execute(delete(TicketEvent.__table__).where(TicketEvent.actor_id.is_not(None)))
        supervisor = session.exec(select(User).where(User.role == Role.supervisor)).one()
        draw = SpotCheckDraw(seed=1, closed_from=now - timedelta(days=365), closed_to=now, rate=0.02,
                             min_per_bureau=0, drawn_by=supervisor.id)
        session.add(draw)
        session.flush()
        session.connection().execute(insert(SpotCheck.__table__), [
            {**spotcheck, "draw_id": draw.id, "note": "", "photo_ids": [], "result_by": supervisor.id}
            for spotcheck in history.spotchecks])
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(kind: str, n_tickets: int, samples: int) -> dict[str, tuple[float, float]]:
    workdir = Path(tempfile.mkdtemp())
    url = fresh_database(kind, workdir)
    try:
        migrate.upgrade(url)
        now = datetime.now(UTC)
        started = time.perf_counter()
        seed(url, n_tickets, now)
        engine = make_engine(url)
        print(f"[{kind}] seeded {n_tickets:,} tickets in {time.perf_counter() - started:.0f} s")
        settings = Settings(data_dir=workdir, database_url=url, secret_key="b" * 40)
        today = now.astimezone(settings.tz).date()
        last_month = periods.parse(f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}")

        def ranking(_):
            with Session(engine) as session:
                return service.rankings(session, settings, period=last_month)

        def by_cell(_):
            with Session(engine) as session:
                return service.indicators(session, settings, period=last_month, by="cell")

        found = ranking(0)
        print(f"[{kind}] {last_month.label}: {found.units[0].figures.due:,} due at the top unit; "
              f"{len(by_cell(0).rows)} cells")
        ranking_label = f"ranking {last_month.label} (and {last_month.previous().label})"
        cell_label = f"indicators {last_month.label} by cell"
        results = {f"{ranking_label}, counted": stats(timed(samples, ranking)),
                   f"{cell_label}, counted": stats(timed(samples, by_cell))}
        # What the worker does once the periods have closed: freeze them, one tally a round.
        started, tallies = time.perf_counter(), 0
        while freeze_indicators(engine, settings):
            tallies += 1
        print(f"[{kind}] the worker froze {tallies} tallies (the last week, month and quarter by every grouping, "
              f"the ones before by unit) in {time.perf_counter() - started:.0f} s")
        assert ranking(0) == found
        results |= {f"{ranking_label}, frozen": stats(timed(samples, ranking)),
                    f"{cell_label}, frozen": stats(timed(samples, by_cell))}
        engine.dispose()
        return results
    finally:
        drop_database(kind, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    table = {}
    for kind in kinds:
        try:
            table[kind] = measure(kind, args.tickets, args.samples)
        except OperationalError as exc:
            print(f"[{kind}] skipped: {exc.__class__.__name__} ({str(exc).splitlines()[0][:100]})")
    print(f"\n{'p50 / p95 ms':<62}" + "".join(f"{k:>22}" for k in table) + "   target p95 ≤ 500")
    for op in next(iter(table.values()), {}):
        print(f"{op:<62}" + "".join(f"{table[k][op][0]:>10.0f} / {table[k][op][1]:>7.0f}" for k in table))


if __name__ == "__main__":
    main()
