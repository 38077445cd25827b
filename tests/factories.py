"""Plain factory functions for test data; each flushes, the test commits."""

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.accounts.models import Role, User
from api.accounts.security import hash_password
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.grid.geometry import area_m2
from api.grid.models import CellInspector, GridArea, GridCell, GridRevision
from api.keypoints.models import ChecklistVersion, KeyPoint
from api.routing.models import RoutingRule

PASSWORD = "correct-horse-1"
# Test cells sit near the demo county seat, in WGS-84.
LON0, LAT0 = 120.0, 28.9


@lru_cache
def _password_hash(password: str) -> str:
    return hash_password(password)


def make_bureau(session: Session, code: str = "zhzf", name: str = "综合执法局", **kw) -> Bureau:
    bureau = Bureau(code=code, name=name, **kw)
    session.add(bureau)
    session.flush()
    return bureau


def make_user(session: Session, username: str, role: Role = Role.inspector, *, bureau_code: str | None = None,
              cells: tuple[str, ...] = (), password: str = PASSWORD, is_active: bool = True) -> User:
    user = User(username=username, display_name=username, role=role, bureau_code=bureau_code,
                password_hash=_password_hash(password), is_active=is_active)
    session.add(user)
    session.flush()
    for code in cells:
        session.add(CellInspector(cell_code=code, user_id=user.id))
    session.flush()
    return user


def square(col: int, row: int, size: float = 0.01) -> list[list[float]]:
    """A closed ring for the unit square at (col, row) of a test grid, counter-clockwise."""
    x0, y0 = LON0 + col * size, LAT0 + row * size
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


def make_cell(session: Session, code: str, ring: list[list[float]] | None = None, *,
              responsible: str | None = None, name: str | None = None) -> GridCell:
    from shapely.geometry import Polygon

    ring = ring or square(0, 0)
    for level, area_code, parent in (("county", code[:6], None), ("street", code[:9], code[:6]),
                                     ("community", code[:12], code[:9])):
        if session.get(GridArea, area_code) is None:
            session.add(GridArea(code=area_code, name=f"{level}{area_code}", level=level, parent_code=parent))
            session.flush()
    polygon = Polygon(ring)
    cell = GridCell(code=code, name=name or f"网格{code[-3:]}", community_code=code[:12],
                    geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}), area_m2=area_m2(polygon),
                    centroid_lat=polygon.centroid.y, centroid_lon=polygon.centroid.x,
                    responsible_bureau_code=responsible)
    session.add(cell)
    session.add(GridRevision(source_crs="wgs84", feature_count=1))  # the index notices new cells
    session.flush()
    return cell


def make_point_type(session: Session, code: str = "main_road", name: str = "主次干道") -> PointType:
    point_type = PointType(code=code, name=name, name_en=code)
    session.add(point_type)
    session.flush()
    return point_type


def make_category(session: Session, code: str = "0506", name: str = "人行道乱停车", *,
                  default_bureau_code: str | None = None, deadline_value: int = 2,
                  deadline_unit: str = "wh") -> Category:
    last = session.exec(select(func.max(Category.position))).one() or 0  # placed last, as the API does
    category = Category(code=code, name=name, name_en=name, family="街面秩序",
                        default_bureau_code=default_bureau_code, deadline_value=deadline_value,
                        deadline_unit=deadline_unit, position=last + 1)
    session.add(category)
    session.flush()
    return category


def make_rule(session: Session, position: int, name: str, **kw) -> RoutingRule:
    rule = RoutingRule(position=position, name=name, **kw)
    session.add(rule)
    session.flush()
    return rule


def login(client: TestClient, username: str, password: str = PASSWORD, **form) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password, **form})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# --- tickets and photos ---

PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"


def photo_bytes(name: str = "gps_DSCN0010.jpg") -> bytes:
    return (PHOTOS / name).read_bytes()


def capture_body(photos: list[bytes], *, category: str = "0506", lat: float = 28.905, lon: float = 120.03,
                 captured_at: datetime | None = None, content_type: str = "image/jpeg", **extra) -> dict:
    """A capture-contract body for these photo bytes, with fresh photo UUIDs."""
    captured_at = captured_at or datetime.now(UTC) - timedelta(minutes=5)
    return {"category": category, "lat": lat, "lon": lon, "accuracy_m": 8.0,
            "located_at": captured_at.isoformat(), "captured_at": captured_at.isoformat(),
            "photos": [{"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(),
                        "content_type": content_type, "size": len(data)} for data in photos], **extra}


def submit(client: TestClient, headers: dict, photos: list[bytes], **kw) -> tuple[str, dict]:
    """PUT the ticket and every photo; returns (ticket id, final ticket)."""
    ticket_id = str(uuid.uuid4())
    body = capture_body(photos, **kw)
    response = client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    for declared, data in zip(body["photos"], photos, strict=True):
        response = client.put(f"/api/v1/tickets/{ticket_id}/photos/{declared['id']}", content=data,
                              headers={**headers, "Content-Type": declared["content_type"]})
        assert response.status_code == 201, response.text
    analysed(client.app)
    return ticket_id, client.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()


def analysed(app) -> None:
    """Wait for the photo analyses queued so far: the pool has one thread, so a job queued now runs after them."""
    app.state.analysis_pool.submit(lambda: None).result(timeout=60)


# --- key points and patrols ---

def make_key_point(session: Session, name: str = "人民路", *, point_type: str = "main_road", lat: float = 28.905,
                   lon: float = 120.005, cell_code: str | None = None, bureau_code: str | None = None,
                   has_cctv: bool = True, declared: bool = False, frequency: str = "daily", **kw) -> KeyPoint:
    point = KeyPoint(name=name, point_type_code=point_type, lat=lat, lon=lon, cell_code=cell_code,
                     bureau_code=bureau_code, has_cctv=has_cctv, is_declared=declared, patrol_frequency=frequency,
                     **kw)
    session.add(point)
    session.flush()
    return point


def make_checklist(session: Session, point_type: str = "main_road", codes: tuple[str, ...] = ("A1", "A2", "A3"),
                   category: str = "0506", version: int = 1) -> ChecklistVersion:
    row = ChecklistVersion(point_type_code=point_type, version=version,
                           items=[{"code": code, "text": f"要求{code}", "text_en": code, "category": category}
                                  for code in codes])
    session.add(row)
    session.flush()
    return row


def patrol_body(point: KeyPoint, codes=("A1", "A2", "A3"), *, fails: dict | None = None, photos: list[bytes] = (),
                started_at: datetime | None = None, version: int = 1, lat: float | None = None,
                lon: float | None = None, **extra) -> dict:
    """A patrol of `point` answering every code: pass, or fail with the ticket id given in `fails`."""
    fails = fails or {}
    started_at = started_at or datetime.now(UTC) - timedelta(minutes=20)
    return {"key_point_id": point.id, "started_at": started_at.isoformat(),
            "finished_at": (started_at + timedelta(minutes=10)).isoformat(),
            "lat": point.lat if lat is None else lat, "lon": point.lon if lon is None else lon, "accuracy_m": 6.0,
            "located_at": started_at.isoformat(), "checklist_version": version,
            "items": [{"code": code, "result": "fail" if code in fails else "pass",
                       "ticket_id": str(fails[code]) if code in fails else None} for code in codes],
            "photos": [{"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(),
                        "content_type": "image/jpeg", "size": len(data)} for data in photos], **extra}
