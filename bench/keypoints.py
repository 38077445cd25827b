"""Coverage and readiness latency at scale: 500 key points patrolled for 365 days (about 133,000 patrols) and
1,000,000 tickets, 8 % of them raised at key points, measured server-side by calling the service functions
behind GET /coverage, GET /key-points/readiness and GET /patrols/due, on SQLite or PostgreSQL.

Run: .venv/bin/python bench/keypoints.py [--db sqlite|postgresql] [--points 500] [--days 365]
     [--tickets 1000000] [--samples 50]
Target: every p95 ≤ 100 ms.
"""

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, text
from sqlmodel import Session, select

from api import migrate
from api.accounts.models import Role, User
from api.config import Settings
from api.county import demo
from api.database import make_engine, utcnow
from api.grid.models import CellInspector, GridCell
from api.keypoints.models import ChecklistVersion, KeyPoint
from api.main import create_app, freeze_startup_heap
from api.patrols import service
from api.patrols.models import Patrol
from api.tickets.models import CLOCK_RUNNING, OPEN_STATUSES, Ticket

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # `tests` (dbutil) is not an installed package
from queue_latency import stats  # bench/, this script's folder, is on sys.path

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
KEY_POINT_SHARE = 0.08  # of all tickets, raised at a key point (with key_point_id)
DAILY_SHARE = 0.8  # of the points: CCTV and declared sites, patrolled daily; the rest weekly
PATROLLED = 0.9  # share of due days (weeks) a point is actually patrolled
OPEN_MIX = {"dispatched": 35, "accepted": 30, "rectified": 15, "rework": 7, "returned": 5, "reported": 5,
            "parked": 3}
CLOSED_MIX = {"closed": 88, "cancelled": 10, "incomplete": 2}
CATEGORIES = ("0505", "0506", "0502", "0102", "0508", "0201", "0401")  # of tickets elsewhere, as in queue_latency


def open_share(age: timedelta) -> float:
    """A ticket's chance of still being open: most are closed within days; a few old ones linger (overdue)."""
    days = age.total_seconds() / 86400
    return 0.5 if days < 2 else 0.2 if days < 7 else 0.03 if days < 30 else 0.002


def ticket_row(rng: random.Random, now: datetime, created: datetime, **where) -> dict:
    """One ticket as the capture path and the workflow would have left it, with a deadline when dispatched."""
    if rng.random() < open_share(now - created):
        status = rng.choices(list(OPEN_MIX), list(OPEN_MIX.values()))[0]
    else:
        status = rng.choices(list(CLOSED_MIX), list(CLOSED_MIX.values()))[0]
    deadline = None
    if status not in ("reported", "cancelled", "incomplete"):
        deadline = created + timedelta(hours=rng.choice((2, 4, 8, 24, 72)))
    rectified = closed = None
    if status in ("closed", "rectified"):  # about a quarter rectified after the deadline
        rectified = min(now, created + (deadline - created) * rng.uniform(0.2, 1.3))
        closed = min(now, rectified + timedelta(hours=rng.uniform(1, 24))) if status == "closed" else None
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)), "source": "inspection", "status": status, "description": "",
        "lat": 28.9 + rng.random() / 50, "lon": 120.0 + rng.random() / 50, "accuracy_m": 8.0,
        "located_at": created, "captured_at": created, "routing_source": "rule", "routing_reason": "基准",
        "routing_reason_en": "bench", "deadline_at": deadline, "request_sha256": "0" * 64, "created_at": created,
        "completed_at": created if status != "incomplete" else None, "rectified_at": rectified,
        "closed_at": closed, "rework_count": 0, "escalated": False,
        "dispatched_at": created if deadline else None, "parked_at": created if status == "parked" else None,
        "parked_from": "dispatched" if status == "parked" else None, "parked_seconds": 0,
        **where} | ({"bureau_code": None} if status == "reported" else {})  # not routed yet


def bulk(conn, table, rows) -> None:
    """Core executemany in batches of 10,000 (the rows may be a generator)."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == 10_000:
            conn.execute(insert(table), batch)
            batch.clear()
    if batch:
        conn.execute(insert(table), batch)


def seed(engine, settings: Settings, n_points: int, n_days: int, n_tickets: int, rng: random.Random) -> None:
    tz = settings.tz
    now = utcnow()
    today = now.astimezone(tz).date()
    first = today - timedelta(days=n_days - 1)
    with Session(engine) as session:
        demo.load(session)  # bureaus, categories, 34 cells with an inspector each, 77 key points, checklists
        session.commit()
        cells = {c.code: (c.centroid_lat, c.centroid_lon) for c in session.exec(select(GridCell))}
        cell_codes = sorted(cells)
        inspectors = defaultdict(list)
        for cell, user_id in session.exec(select(CellInspector.cell_code, CellInspector.user_id)):
            inspectors[cell].append(user_id)
        versions = session.exec(select(ChecklistVersion)).all()  # one version per type in the demo
        checklists = {v.point_type_code: [i["code"] for i in v.items] for v in versions}
        categories = {v.point_type_code: [i["category"] for i in v.items] for v in versions}
        bureaus = sorted({b for b in session.exec(select(KeyPoint.bureau_code)) if b})
        authors = session.exec(select(User.id).where(User.role == Role.inspector)).all()
        daily = session.exec(select(func.count()).where(KeyPoint.patrol_frequency == "daily")).one()
        existing = session.exec(select(func.count()).select_from(KeyPoint)).one()
    extra = max(0, n_points - existing)
    more_daily = max(0, round(DAILY_SHARE * n_points) - daily)
    point_rows = []
    for n in range(extra):
        cell = rng.choice(cell_codes)
        is_daily = n < more_daily
        cctv = is_daily and rng.random() < 0.7
        point_rows.append({
            "name": f"基准点位{n:04d}", "point_type_code": rng.choice(sorted(checklists)), "cell_code": cell,
            "lat": cells[cell][0] + rng.uniform(-0.002, 0.002), "lon": cells[cell][1] + rng.uniform(-0.002, 0.002),
            "bureau_code": rng.choice(bureaus), "has_cctv": cctv, "camera_no": f"BENCH-{n:04d}" if cctv else None,
            "is_declared": is_daily and not cctv, "patrol_frequency": "daily" if is_daily else "weekly",
            # A few points came into the register during the year.
            "active_from": first + timedelta(days=rng.randrange(n_days)) if rng.random() < 0.05 else None,
            "is_active": True, "updated_at": now})
    with engine.begin() as conn:
        bulk(conn, KeyPoint.__table__, point_rows)
    with Session(engine) as session:
        points = session.exec(select(KeyPoint)).all()

    def patrol(point: KeyPoint, day: date) -> dict | None:
        started = datetime.combine(day, datetime.min.time(), tz) + timedelta(minutes=rng.randint(7 * 60, 18 * 60))
        if started > now:
            return None  # today's later rounds have not happened yet
        finished = started + timedelta(minutes=rng.randint(5, 25))
        return {
            "id": uuid.UUID(int=rng.getrandbits(128)), "key_point_id": point.id,
            "inspector_id": rng.choice(inspectors[point.cell_code]), "started_at": started, "finished_at": finished,
            "day": day, "lat": point.lat, "lon": point.lon, "accuracy_m": 8.0, "located_at": started,
            "distance_m": round(rng.uniform(0, 40), 1), "off_site_reason": None, "checklist_version": 1,
            "items": [{"code": code, "result": "pass", "note": "", "ticket_id": None}
                      for code in checklists[point.point_type_code]],
            "note": "", "request_sha256": f"{rng.getrandbits(256):064x}", "created_at": finished}

    def patrols():
        weekday = {}  # a weekly point's day of patrol in the current week (None: missed this week)
        for day in (first + timedelta(days=n) for n in range(n_days)):
            for point in points:
                if day.weekday() == 0 or day == first:
                    weekday[point.id] = rng.randrange(7) if rng.random() < PATROLLED else None
                if not point.active_on(day):
                    continue
                if point.patrol_frequency == "daily":
                    due = rng.random() < PATROLLED
                else:
                    due = day.weekday() == weekday[point.id]
                if due and (row := patrol(point, day)):
                    yield row

    def tickets():
        for _ in range(n_tickets):
            created = now - timedelta(minutes=rng.randint(10, n_days * 24 * 60))
            if rng.random() < KEY_POINT_SHARE:
                point = rng.choice(points)
                n = rng.randrange(len(checklists[point.point_type_code]))
                yield ticket_row(rng, now, created, author_id=rng.choice(inspectors[point.cell_code]),
                                 category_code=categories[point.point_type_code][n],
                                 point_type_code=point.point_type_code, cell_code=point.cell_code,
                                 bureau_code=point.bureau_code, key_point_id=point.id,
                                 checklist_item=checklists[point.point_type_code][n])
            else:
                yield ticket_row(rng, now, created, author_id=rng.choice(authors),
                                 category_code=rng.choice(CATEGORIES), point_type_code=None,
                                 cell_code=rng.choice(cell_codes),
                                 bureau_code=rng.choice(bureaus), key_point_id=None, checklist_item=None)

    with engine.begin() as conn:
        bulk(conn, Patrol.__table__, patrols())
        bulk(conn, Ticket.__table__, tickets())
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table at rest: statistics, and the visibility map (see queue_latency.py).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def figures(engine) -> str:
    """What was seeded, for the record."""
    with Session(engine) as session:
        def count(*where) -> int:
            return session.exec(select(func.count()).select_from(Ticket).where(*where)).one()

        points = session.exec(select(KeyPoint.patrol_frequency, func.count()).group_by(KeyPoint.patrol_frequency))
        patrols = session.exec(select(func.count()).select_from(Patrol)).one()
        at_points = count(Ticket.key_point_id.is_not(None))
        open_there = count(Ticket.key_point_id.is_not(None), Ticket.status.in_(OPEN_STATUSES))
        overdue = count(Ticket.key_point_id.is_not(None), Ticket.status.in_(CLOCK_RUNNING),
                        Ticket.deadline_at < utcnow())
    return (f"points {dict(points.all())}, {patrols:,} patrols, {at_points:,} tickets at key points "
            f"({open_there:,} open, {overdue:,} open past their deadline)")


class FullCollections:
    """Counts the interpreter's full (generation 2) garbage collections: each walks every object the process
    holds (80-115 ms on this machine), and one falls in every few calls of the larger ones."""

    def __init__(self) -> None:
        self.count = 0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            self.count += 1


def latencies(engine, settings: Settings, samples: int) -> dict[str, tuple[float, float, float, int]]:
    """p50 and p95 ms of each call; its CPU time in this process, p50 (what the call costs whatever else the
    machine runs; on PostgreSQL the server's share is not in it); how many full collections fell in its samples."""
    today = datetime.now(settings.tz).date()
    with Session(engine) as session:
        # The heaviest unit and inspector: the most key points (readiness and the due list are per point).
        bureau = Counter(session.exec(select(KeyPoint.bureau_code))).most_common(1)[0][0]
        cell_points = Counter(session.exec(select(KeyPoint.cell_code)))
        by_user = Counter()
        for cell, user_id in session.exec(select(CellInspector.cell_code, CellInspector.user_id)):
            by_user[user_id] += cell_points[cell]
        inspector = session.get(User, by_user.most_common(1)[0][0])
        session.expunge(inspector)
    collections = FullCollections()

    def call(fn, **kwargs):
        def run():
            with Session(engine, expire_on_commit=False) as session:  # as GET requests get theirs
                fn(session, settings, **kwargs)
                session.commit()
        run()  # warm: statement caches, the first plan
        before, wall, cpu = collections.count, [], []
        for _ in range(samples):
            started, used = time.perf_counter(), time.process_time()
            run()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        return (*stats(wall), statistics.median(cpu), collections.count - before)

    # As a server process is when it answers: the app built and the start-up heap frozen (api/server.py).
    create_app(settings, engine)
    freeze_startup_heap()
    results = {}
    for days in (7, 30):
        for by in ("point", "cell", "inspector", "bureau"):
            results[f"coverage by={by}, {days} days"] = call(
                service.coverage, first=today - timedelta(days=days - 1), last=today, by=by)
    def board(session, settings, **kwargs) -> str:  # as GET /key-points/readiness serves it: encoded
        return service.readiness(session, settings, **kwargs).model_dump_json()

    results["readiness, 30 days, all"] = call(board, days=30)
    results[f"readiness, 30 days, {bureau}"] = call(board, days=30, bureau=bureau)
    results[f"due today, {inspector.username}"] = call(
        lambda session, settings, **_: service.due_today(session, settings, inspector, today))
    return results


def machine_speed() -> float:
    """Million iterations per second of bench/ingest.py's fixed pure-Python loop, best of five: this machine
    type's speed drifts by 2-3x, so figures compare only with this beside them."""
    def loop() -> float:
        start, total = time.perf_counter(), 0
        for i in range(2_000_000):
            total += i
        return 2.0 / (time.perf_counter() - start)
    return max(loop() for _ in range(5))


def measure(kind: str, args) -> dict[str, tuple[float, float, float, int]]:
    if kind == "postgresql":
        os.environ["GRIDPATROL_TEST_DATABASE_URL"] = PG_ADMIN
    else:
        os.environ.pop("GRIDPATROL_TEST_DATABASE_URL", None)
    from tests import dbutil  # after the variable is set: it picks the engine on import

    workdir = Path(tempfile.mkdtemp())
    url = dbutil.create_database(workdir, "bench_keypoints")
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        settings = Settings(data_dir=workdir, database_url=url, secret_key="b" * 40)
        started = time.perf_counter()
        seed(engine, settings, args.points, args.days, args.tickets, random.Random(7))
        print(f"[{kind}] seeded in {time.perf_counter() - started:.0f} s: {figures(engine)}")
        speed = machine_speed()
        results = latencies(engine, settings, args.samples)
        print(f"[{kind}] machine speed, Python Mloops/s: {speed:.1f} before the calls, {machine_speed():.1f} after")
        engine.dispose()
        return results
    finally:
        dbutil.drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)  # SQLite's file: 1 GB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    results = measure(args.db, args)
    print(f"\n{'p50 / p95 ms':<34}{args.db:>20}   CPU p50  full GCs   target p95 ≤ 100")
    for op, (p50, p95, cpu, collections) in results.items():
        print(f"{op:<34}{p50:>10.1f} / {p95:>7.1f}{cpu:>10.1f}{collections:>10}" + ("   MISSED" if p95 > 100 else ""))


if __name__ == "__main__":
    main()
