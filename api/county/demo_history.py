"""A month of believable history for the demo county, so dashboards and queues look alive.

Tickets follow the workflow of docs/domain.md §6 with their events: reported/dispatched → accepted →
rectified (after-photo) → closed, plus returns and the odd ticket still waiting. Photos are crops of
the real camera pictures in ../shared/photos, stored like any upload; the EXIF the phone would have
read is kept as client EXIF (the phone re-encodes, which drops it from the bytes).
"""

import hashlib
import io
import json
import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image
from shapely.geometry import Point, shape
from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.catalog.models import Category
from api.config import REPO_ROOT, Settings
from api.database import stored_id
from api.reference_data import reference
from api.geo import distance_m
from api.grid.models import CellInspector, GridCell
from api.keypoints import service as keypoints_service
from api.keypoints.models import KeyPoint
from api.patrols.models import Patrol
from api.photos import pipeline
from api.tickets.models import Photo
from api.photos.service import index_phash, likeness_flags, metadata_flags
from api.photos.storage import LocalStorage
from api.routing import service as routing_service
from api.tickets.models import Ticket, TicketEvent

SOURCE_PHOTOS = REPO_ROOT.parent / "shared" / "photos"
# How often each category turns up on patrol (parking and stalls dominate the seeds' complaints).
CATEGORY_WEIGHTS = {"0505": 12, "0506": 14, "0502": 12, "0501": 6, "0504": 6, "0102": 10, "0104": 5,
                    "0108": 6, "0508": 8, "0507": 6, "0201": 6, "0509": 4, "0402": 2, "0401": 3, "0606": 2,
                    "0601": 3, "0604": 2, "0510": 2}
RETURN_REASONS = ["不属于本单位职责范围", "点位属于国投集团管理", "该路段由交警大队负责"]


def _sources() -> list[Image.Image]:
    names = ["mobile_jolla.jpg", "gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "orientation_landscape_1.jpg",
             "corrupted.jpg"]
    images = []
    for name in names:
        path = SOURCE_PHOTOS / name
        if path.exists():
            with Image.open(path) as image:
                image.draft("RGB", (1600, 1600))
                images.append(image.convert("RGB"))
    if not images:  # outside a checkout (e.g. a container): plain generated scenes
        images = [Image.new("RGB", (1600, 1200), (90 + 30 * i, 120, 150 - 20 * i)) for i in range(4)]
    return images


def _photo(rng: random.Random, sources: list[Image.Image]) -> bytes:
    """A distinct crop of a real photo, about what a phone uploads after downscaling."""
    image = rng.choice(sources)
    w, h = image.size
    cw, ch = int(w * rng.uniform(0.35, 0.6)), int(h * rng.uniform(0.35, 0.6))
    x, y = rng.randrange(0, w - cw), rng.randrange(0, h - ch)
    crop = image.crop((x, y, x + cw, y + ch)).resize((800, 600))
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _point_in(cell: GridCell, rng: random.Random) -> tuple[float, float]:
    polygon = shape(json.loads(cell.geometry))
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(100):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return round(lat, 6), round(lon, 6)
    return cell.centroid_lat, cell.centroid_lon


def load_history(session: Session, settings: Settings, *, count: int = 300, days: int = 30,
                 seed: int = 2026) -> int:
    """Add `count` tickets captured over the past `days` days. Returns how many were added."""
    if count <= 0:
        return 0
    rng = random.Random(seed)
    storage = LocalStorage(settings.data_dir / "photos")
    sources = _sources()
    calendar = reference(session).calendar(settings.tz, settings.working_hours)
    cells = session.exec(select(GridCell).order_by(GridCell.code)).all()
    inspectors = dict(session.exec(select(CellInspector.cell_code, CellInspector.user_id)).all())
    supervisor = session.exec(select(User).where(User.role == Role.supervisor)).first()
    if supervisor is None:
        raise LookupError("the demo county has no supervisor: load the county first")
    liaisons = {u.bureau_code: u for u in session.exec(select(User).where(User.role == Role.bureau))}
    points = session.exec(select(KeyPoint)).all()
    categories = {c.code: c for c in session.exec(select(Category))}
    codes, weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    now = datetime.now(settings.tz)

    def event(ticket: Ticket, at: datetime, action: str, actor: User | None, before: str | None, after: str,
              **payload) -> None:
        session.add(TicketEvent(ticket_id=ticket.id, at=at, actor_id=actor.id if actor else None,
                                actor_role=actor.role if actor else None, action=action, from_status=before,
                                to_status=after, payload=payload, action_id=uuid.UUID(int=rng.getrandbits(128))))

    def store_photo(ticket: Ticket, kind: str, position: int, at: datetime, by: User) -> None:
        data = _photo(rng, sources)
        sha = hashlib.sha256(data).hexdigest()
        fd, temp = storage.new_temp()
        with open(fd, "wb") as out:
            out.write(data)
        facts = pipeline.inspect(Path(temp), "image/jpeg", settings.photo_max_pixels)
        analysis = pipeline.analyse(Path(temp))
        storage.put_original(Path(temp), sha)
        for variant, copy in analysis.copies.items():
            storage.put_derived(sha, variant, copy)
        photo = Photo(id=uuid.UUID(int=rng.getrandbits(128)), ticket_id=ticket.id, kind=kind, position=position,
                      sha256=sha, content_type="image/jpeg", size=len(data), uploaded_by=stored_id(by.id),
                      received_at=at, analysed_at=at,
                      client_exif={"make": "HUAWEI", "model": "nova 11",
                                   "datetime_original": at.astimezone(settings.tz).replace(tzinfo=None).isoformat(),
                                   "gps_lat": ticket.lat, "gps_lon": ticket.lon},
                      width=facts.width, height=facts.height, exif=facts.exif, phash=analysis.phash)
        session.add(photo)
        session.flush()
        photo.flags = (metadata_flags(settings, ticket, photo, facts.exif)
                       + likeness_flags(session, settings, ticket, photo, analysis.phash))
        index_phash(session, photo)

    for _ in range(count):
        cell = rng.choice(cells)
        by_supervisor = rng.random() < 0.06
        author = supervisor if by_supervisor else session.get_one(User, inspectors[cell.code])
        near = [p for p in points if p.cell_code == cell.code]
        point = rng.choice(near) if near and rng.random() < 0.5 else None
        if point:
            lat, lon = round(point.lat + rng.uniform(-2e-4, 2e-4), 6), round(point.lon + rng.uniform(-2e-4, 2e-4), 6)
        else:
            lat, lon = _point_in(cell, rng)
        category = categories[rng.choices(codes, weights)[0]]
        day = now - timedelta(days=days * rng.random() ** 1.7)  # busier lately: the evaluation is near
        captured = day.replace(hour=rng.randint(7, 19), minute=rng.randint(0, 59))
        if captured > now - timedelta(minutes=30):
            captured = now - timedelta(minutes=rng.randint(30, 600))
        point_type = point.point_type_code if point else None
        created = captured + timedelta(minutes=rng.randint(1, 20))
        decision = routing_service.decide(session, category_code=category.code, point_type=point_type,
                                          cell_code=cell.code, at=captured, tz=settings.tz)
        ticket_id = uuid.UUID(int=rng.getrandbits(128))
        ticket = Ticket(id=ticket_id, author_id=stored_id(author.id),
                        source="supervision" if by_supervisor else "inspection", category_code=category.code,
                        point_type_code=point_type, lat=lat, lon=lon, accuracy_m=round(rng.uniform(3, 25), 1),
                        located_at=captured, captured_at=captured, cell_code=cell.code,
                        bureau_code=decision.bureau_code,
                        routing_rule_id=decision.rule_id, routing_source=decision.source,
                        routing_reason=decision.reason, routing_reason_en=decision.reason_en,
                        # Never PUT by a phone, so there is no capture body whose replay to recognise.
                        key_point_id=point.id if point else None,
                        request_sha256=hashlib.sha256(ticket_id.bytes).hexdigest(),
                        created_at=created, completed_at=created,
                        status="dispatched" if decision.bureau_code else "reported")
        if decision.bureau_code:
            ticket.dispatched_at = created
            ticket.deadline_at = calendar.deadline(created, category.deadline_value, category.deadline_unit)
        session.add(ticket)
        session.flush()
        event(ticket, created, "created", author, None, "incomplete")
        for position in range(rng.choice((1, 1, 2))):
            store_photo(ticket, "before", position, created, author)
            event(ticket, created, "photo_received", author, "incomplete", "incomplete")
        event(ticket, created, ticket.status, author, "incomplete", ticket.status, bureau_code=ticket.bureau_code,
              rule_id=decision.rule_id, reason=decision.reason)
        liaison = liaisons.get(ticket.bureau_code)
        if liaison is None or ticket.deadline_at is None:  # reported: left to the dispatcher
            continue

        # The bureau's side, as far as the calendar has got.
        at = created + timedelta(minutes=rng.randint(10, 480))
        if at > now:
            continue
        if rng.random() < 0.06:
            ticket.status = "returned"
            event(ticket, at, "return", liaison, "dispatched", "returned", reason=rng.choice(RETURN_REASONS))
            continue
        ticket.status = "accepted"
        event(ticket, at, "accept", liaison, "dispatched", "accepted")
        limit = (ticket.deadline_at - created) * rng.uniform(0.3, 1.4)  # some finish late
        at = at + limit
        if at > now or rng.random() < 0.05:
            continue
        ticket.status, ticket.rectified_at = "rectified", at
        store_photo(ticket, "after", 0, at, liaison)
        event(ticket, at, "rectify", liaison, "accepted", "rectified", note="已整改")
        at = at + timedelta(hours=rng.uniform(1, 30))
        if at > now:
            continue
        verifier = author
        passed = rng.random() > 0.08
        if passed:
            ticket.status, ticket.closed_at = "closed", at
            event(ticket, at, "verify", verifier, "rectified", "closed", result="pass")
        else:
            ticket.status = "rework"
            ticket.rework_count = 1
            event(ticket, at, "verify", verifier, "rectified", "rework", result="fail", note="整改不到位")
        session.add(ticket)
    session.flush()
    _recurrences(session, settings)
    _patrols(session, settings, rng, points, inspectors, now, days)
    return count


def _recurrences(session: Session, settings: Settings) -> None:
    """Link each ticket to an earlier one of its cell and category close by and recent (反复), as completion
    does for a live capture."""
    earlier: dict[tuple, list[Ticket]] = {}
    window = timedelta(days=settings.recurrence_days)
    for ticket in session.exec(select(Ticket).order_by(col(Ticket.created_at))).all():
        same = earlier.setdefault((ticket.cell_code, ticket.category_code), [])
        near = [t for t in same if ticket.created_at - t.created_at <= window
                and distance_m(t.lat, t.lon, ticket.lat, ticket.lon) <= settings.recurrence_radius_m]
        if near:
            ticket.recurring_of = near[-1].id
            session.add(ticket)
        same.append(ticket)
    session.flush()


def _patrols(session: Session, settings: Settings, rng: random.Random, points: Sequence[KeyPoint],
             inspectors: dict[str, int], now: datetime, days: int) -> None:
    """Patrols of the key points over the same days: most daily points most days, a few points often
    missed (so the readiness board shows every colour), weekly points once a week, today half done."""
    checklists = {c.point_type: c for c in keypoints_service.current_checklists(session)}
    today = now.date()
    for point in points:
        checklist = checklists.get(point.point_type_code)
        inspector = inspectors.get(point.cell_code) if point.cell_code else None
        if checklist is None or inspector is None:
            continue
        diligence = rng.choice((0.97, 0.95, 0.9, 0.9, 0.75))
        for back in range(days - 1, -1, -1):
            day = today - timedelta(days=back)
            if point.patrol_frequency == "weekly" and day.weekday() != rng.randrange(5):
                continue
            if rng.random() > (0.5 if back == 0 else diligence):
                continue
            started = datetime.combine(day, datetime.min.time(), settings.tz).replace(
                hour=rng.randint(7, 10) if back else 8, minute=rng.randint(0, 59))
            if started > now:
                continue
            seed = uuid.UUID(int=rng.getrandbits(128))
            session.add(Patrol(id=seed, key_point_id=stored_id(point.id), inspector_id=inspector, started_at=started,
                               finished_at=started + timedelta(minutes=rng.randint(6, 25)), day=day,
                               lat=point.lat, lon=point.lon, accuracy_m=round(rng.uniform(3, 15), 1),
                               located_at=started, distance_m=round(rng.uniform(2, 30), 1),
                               checklist_version=checklist.version,
                               items=[{"code": item.code, "result": "pass", "note": "", "ticket_id": None}
                                      for item in checklist.items],
                               request_sha256=hashlib.sha256(seed.bytes).hexdigest()))
    session.flush()
