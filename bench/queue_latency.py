"""Queue latency at scale: 1,000,000 tickets (20 bureaus, 500 cells, a realistic state mix), measured
server-side by calling the endpoints' own functions (the queues, with their counts) and the service
functions behind the ticket and action endpoints, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/queue_latency.py [--tickets 1000000] [--samples 200] [--db sqlite|postgresql|both]
Targets (issue 4): every p95 ≤ 25 ms; the 100th page of a bureau queue within 1.5× the first.
(Not named queue.py, which the issue suggests: a script beside it would import it as the stdlib's `queue`.)
"""

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from api import migrate
from api.accounts.models import Role, User
from api.config import Settings
from api.county import demo
from api.reference_data import reference
from api.database import make_engine
from api.grid.models import GridArea, GridCell
from api.tickets import queues, service, workflow
from api.tickets.models import Ticket, TicketEvent

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STATE_MIX = {"closed": 55, "dispatched": 12, "accepted": 10, "rectified": 5, "rework": 3, "returned": 2,
             "reported": 3, "cancelled": 6, "parked": 2, "incomplete": 2}
WITH_DEADLINE = {"dispatched", "accepted", "rectified", "rework", "closed", "returned", "parked"}


def fresh_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'queue.db'}"
    name = f"gp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_database(kind: str, url: str) -> None:
    if kind == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def seed(engine, n_tickets: int, rng: random.Random) -> None:
    with Session(engine) as session:
        demo.load(session)  # bureaus, categories, rules, 34 cells, accounts
        session.commit()
        # 466 more cells (about 100 m each) so tickets spread over 500, as in a 万米-style grid.
        session.add(GridArea(code="330790009", name="基准街道", level="street", parent_code="330790"))
        session.add(GridArea(code="330790009001", name="基准社区", level="community", parent_code="330790009"))
        session.flush()
        for i in range(466):
            x, y = 120.1 + (i % 25) * 0.001, 28.8 + (i // 25) * 0.001
            ring = [[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]
            session.add(GridCell(code=f"330790009001{i:03d}", name=f"基准网格{i}", community_code="330790009001",
                                 geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}), area_m2=10_000,
                                 centroid_lat=y + 0.0005, centroid_lon=x + 0.0005))
        session.commit()
        cells = session.exec(select(GridCell.code)).all()
        bureaus = session.exec(select(User.bureau_code).where(User.role == Role.bureau)).all()[:20]
        authors = session.exec(select(User.id).where(User.role == Role.inspector)).all()
        categories = ["0505", "0506", "0502", "0102", "0508", "0201", "0401"]
    states, weights = zip(*STATE_MIX.items(), strict=True)
    now = datetime.now(UTC)
    table = Ticket.__table__
    batch = []
    with engine.begin() as conn:
        for _ in range(n_tickets):
            status = rng.choices(states, weights)[0]
            created = now - timedelta(minutes=rng.randint(10, 365 * 24 * 60))
            deadline = created + timedelta(hours=rng.choice((2, 4, 8, 24, 72))) if status in WITH_DEADLINE else None
            batch.append({
                "id": uuid.UUID(int=rng.getrandbits(128)), "author_id": rng.choice(authors), "source": "inspection",
                "status": status, "category_code": rng.choice(categories), "point_type_code": None,
                "description": "", "lat": 28.9 + rng.random() / 50, "lon": 120.0 + rng.random() / 50,
                "accuracy_m": 8.0, "located_at": created, "captured_at": created, "cell_override": None,
                "cell_code": rng.choice(cells), "bureau_code": rng.choice(bureaus) if status != "reported" else None,
                "routing_rule_id": None, "routing_source": "rule", "routing_reason": "基准",
                "routing_reason_en": "bench",
                "deadline_at": deadline, "recurring_of": None, "request_sha256": "0" * 64, "created_at": created,
                "completed_at": created if status != "incomplete" else None,
                "closed_at": deadline if status == "closed" else None, "rework_count": 0, "escalated": False,
                "dispatched_at": created if deadline else None, "parked_at": created if status == "parked" else None,
                "parked_from": "dispatched" if status == "parked" else None, "parked_seconds": 0,
                "extension_until": None, "extension_reason": None, "overdue_at": None})
            if len(batch) == 10_000:
                conn.execute(insert(table), batch)
                batch.clear()
        if batch:
            conn.execute(insert(table), batch)
        some = conn.execute(select(Ticket.id).where(Ticket.status == "closed").limit(2000)).scalars().all()
        conn.execute(insert(TicketEvent.__table__), [
            {"ticket_id": t, "at": now, "actor_id": authors[0], "actor_role": "inspector", "action": a,
             "from_status": None, "to_status": a, "payload": {}, "action_id": None}
            for t in some for a in ("created", "dispatched", "accept", "rectify", "verify")])
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table at rest: statistics, and the visibility map that lets counts read
        # the index alone. Measured right after a bulk load, without it, they would read the heap instead.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timed(samples: int, call) -> list[float]:
    out = []
    for i in range(samples):
        start = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def stats(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure(kind: str, n_tickets: int, samples: int) -> dict[str, tuple[float, float]]:
    workdir = Path(tempfile.mkdtemp())
    url = fresh_database(kind, workdir)
    rng = random.Random(7)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, n_tickets, rng)
        print(f"[{kind}] seeded {n_tickets:,} tickets in {time.perf_counter() - started:.0f} s")
        settings = Settings(data_dir=workdir, database_url=url, secret_key="b" * 40)
        with Session(engine) as session:
            liaisons = session.exec(select(User).where(User.role == Role.bureau)).all()[:20]
            dispatcher = session.exec(select(User).where(User.role == Role.dispatcher)).one()
            calendar = reference(session).calendar(settings.tz, settings.working_hours)
            with_events = session.exec(select(TicketEvent.ticket_id).distinct().limit(500)).all()

        def bureau_page(user, cursor=None):
            with Session(engine) as session:  # the endpoint's own function: the page and its counts per state
                return queues.bureau_queue(session, user, calendar, cursor=cursor)

        cursors = {}
        for user in liaisons:  # walk to page 100 once, untimed
            cursor = None
            for _ in range(99):
                cursor = bureau_page(user, cursor)["next_cursor"]
            cursors[user.id] = cursor
        results = {
            "bureau queue, page 1": stats(timed(samples, lambda i: bureau_page(liaisons[i % 20]))),
            "bureau queue, page 100": stats(timed(samples, lambda i: bureau_page(
                liaisons[i % 20], cursors[liaisons[i % 20].id]))),
        }

        def dispatcher_queue(_):
            with Session(engine) as session:
                queues.dispatcher_queue(session, dispatcher, calendar)

        results["dispatcher queue"] = stats(timed(max(20, samples // 4), dispatcher_queue))

        def ticket_with_events(i):
            with Session(engine) as session:
                ticket = session.get(Ticket, with_events[i % len(with_events)])
                service.ticket_public(session, ticket, dispatcher, calendar=calendar)

        results["ticket with its events"] = stats(timed(samples, ticket_with_events))
        with Session(engine) as session:
            to_accept = [(t.id, t.bureau_code) for t in session.exec(
                select(Ticket).where(Ticket.status == "dispatched").limit(samples * 3))]
        by_bureau = {u.bureau_code: u for u in liaisons}
        to_accept = [(t, by_bureau[b]) for t, b in to_accept if b in by_bureau][:samples]

        def accept(i):
            ticket_id, user = to_accept[i]
            with Session(engine.execution_options(sqlite_immediate=True), expire_on_commit=False) as session:
                workflow.perform(session, settings, user, ticket_id, "accept", {"action_id": str(uuid.uuid4())})
                session.commit()

        results["accept action"] = stats(timed(len(to_accept), accept))
        engine.dispose()
        return results
    finally:
        drop_database(kind, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    table = {}
    for kind in kinds:
        try:
            table[kind] = measure(kind, args.tickets, args.samples)
        except OperationalError as exc:
            print(f"[{kind}] skipped: {exc.__class__.__name__} ({str(exc).splitlines()[0][:100]})")
    print(f"\n{'p50 / p95 ms':<26}" + "".join(f"{k:>22}" for k in table) + "   target p95 ≤ 25")
    for op in next(iter(table.values()), {}):
        print(f"{op:<26}" + "".join(f"{table[k][op][0]:>10.1f} / {table[k][op][1]:>7.1f}" for k in table))
    for kind, results in table.items():
        ratio = results["bureau queue, page 100"][0] / results["bureau queue, page 1"][0]
        print(f"[{kind}] page 100 / page 1 (p50): {ratio:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
