"""Load the demo county into an empty database (idempotent: a second run changes nothing)."""

import random
import zlib
from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.accounts.security import hash_password
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.citizens.models import PublicCategory
from api.county import demo_data as d
from api.database import stored_id
from api.grid import service as grid_service
from api.grid.index import build_index
from api.grid.models import CellInspector, GridCell
from api.keypoints import demo_data as points_data
from api.keypoints import service as keypoints_service
from api.keypoints.models import ChecklistItem, ChecklistWrite, KeyPoint, default_frequency
from api.routing import service as routing_service
from api.routing.models import RoutingRuleWrite

COLUMNS = ROWS = 6
DX, DY = 0.0062, 0.0054  # about 600 m by 600 m at 29° N
REMOVED = {(0, 5), (5, 5)}  # river bends: 36 - 2 = 34 cells, as in the seeds


@dataclass
class DemoAccount:
    username: str
    role: str
    display_name: str
    where: str


def _street_of(column: int) -> str:
    return ("002", "002", "001", "001", "003", "003")[column]


def _vertices() -> dict[tuple[int, int], tuple[float, float]]:
    rng = random.Random(2026)
    lon0 = d.CENTRE_LON - COLUMNS / 2 * DX
    lat0 = d.CENTRE_LAT + ROWS / 2 * DY
    points = {}
    for i in range(COLUMNS + 1):
        for j in range(ROWS + 1):
            inner = 0 < i < COLUMNS and 0 < j < ROWS
            jx = rng.uniform(-0.15, 0.15) * DX if inner else 0.0
            jy = rng.uniform(-0.15, 0.15) * DY if inner else 0.0
            points[(i, j)] = (round(lon0 + i * DX + jx, 6), round(lat0 - j * DY + jy, 6))
    return points


def cell_code(column: int, row: int) -> str:
    street = _street_of(column)
    community = row // 2 + 1
    number = (row % 2) * 2 + column % 2 + 1
    return f"{d.COUNTY_CODE}{street}{community:03d}{number:03d}"


def grid_geojson() -> dict:
    """The demo grid as a GeoJSON FeatureCollection (WGS-84), imported through the normal path."""
    v = _vertices()
    units = [code for code, _ in d.UNITS]
    cells = sorted((cell_code(c, r), c, r) for c in range(COLUMNS) for r in range(ROWS) if (c, r) not in REMOVED)
    features = []
    for n, (code, c, r) in enumerate(cells):
        street = _street_of(c)
        community = d.COMMUNITIES[street][r // 2]
        ring = [v[(c, r)], v[(c, r + 1)], v[(c + 1, r + 1)], v[(c + 1, r)], v[(c, r)]]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"code": code, "name": f"{community}{code[-1]}号网格",
                                        "county": d.COUNTY_NAME,
                                        "street": dict((s, name) for s, name, _ in d.STREETS)[street],
                                        "community": community, "responsible_unit": units[n],
                                        "inspectors": [f"insp{n + 1:02d}"]}})
    return {"type": "FeatureCollection", "features": features}


def _person(n: int) -> str:
    return d.SURNAMES[n % len(d.SURNAMES)] + d.GIVEN[(n * 7) % len(d.GIVEN)]


def is_loaded(session: Session) -> bool:
    return session.exec(select(GridCell.code).where(col(GridCell.code).startswith(d.COUNTY_CODE))).first() is not None


def is_empty(session: Session) -> bool:
    return all(session.exec(select(model)).first() is None for model in (Bureau, GridCell, User, Category))


def load(session: Session) -> list[DemoAccount]:
    """Bureaus, units, point types, categories, rules, 34 cells, key points with their checklists, and
    accounts."""
    for code, name, name_en, kind in d.BUREAUS:
        session.add(Bureau(code=code, name=name, name_en=name_en, kind=kind, contact_phone="0579-8888" + code[:4]))
    for code, unit_name in d.UNITS:
        if unit_name:
            session.add(Bureau(code=code, name=unit_name, kind="department"))
    for code, name, name_en in d.POINT_TYPES:
        session.add(PointType(code=code, name=name, name_en=name_en))
    session.flush()
    rest = [c[0] for c in d.CATEGORIES if c[0] not in d.COMMON_CATEGORIES]
    place = {code: n for n, code in enumerate([*d.COMMON_CATEGORIES, *rest], 1)}
    for code, name, name_en, family, pinyin, bureau, value, unit in d.CATEGORIES:
        session.add(Category(code=code, name=name, name_en=name_en, family=family, pinyin=pinyin,
                             default_bureau_code=bureau, deadline_value=value, deadline_unit=unit,
                             position=place[code]))
    session.flush()
    for n, (code, public_name, public_name_en) in enumerate(d.PUBLIC_CATEGORIES, 1):
        session.add(PublicCategory(category_code=code, public_name=public_name, public_name_en=public_name_en,
                                   position=n))
    for rule in d.ROUTING_RULES:
        routing_service.create_rule(session, RoutingRuleWrite.model_validate(rule), by="demo")

    # One hash for every demo account: they share the printed demo password, and argon2 is slow.
    password_hash = hash_password(d.DEMO_PASSWORD)
    accounts: list[DemoAccount] = []

    def add(username: str, role: Role, display: str, where: str, bureau: str | None = None) -> None:
        session.add(User(username=username, display_name=display, role=role, bureau_code=bureau,
                         phone=f"138{zlib.crc32(username.encode()) % 10**8:08d}", password_hash=password_hash))
        accounts.append(DemoAccount(username, role.value, display, where))

    add("admin", Role.admin, "系统管理员", "")
    add("dispatcher", Role.dispatcher, "创建办 " + _person(1), "创建办综合指导组")
    add("supervisor", Role.supervisor, "督察组 " + _person(2), "县创建督察组")
    add("ledger", Role.ledger, "台账组 " + _person(3), "台账组")
    add("leader", Role.leader, "领导小组 " + _person(4), "创建工作领导小组")
    names = {code: name for code, name, _, _ in d.BUREAUS} | {code: name for code, name in d.UNITS if name}
    for n, code in enumerate(list(dict.fromkeys([b[0] for b in d.BUREAUS] + [u[0] for u in d.UNITS]))):
        add(f"{code}1", Role.bureau, _person(10 + n), names[code], bureau=code)
        if code == "zhzf":  # the seeds ask the lead units for one or two fixed liaisons
            add("zhzf2", Role.bureau, _person(60), names[code], bureau=code)
    features = grid_geojson()["features"]
    for n, feature in enumerate(features):
        add(f"insp{n + 1:02d}", Role.inspector, _person(100 + n), feature["properties"]["name"])
    session.flush()

    grid_service.import_cells(session, grid_geojson(), imported_by="demo")
    index = build_index(session)
    v = _vertices()
    for name, point_type, c, r, (fx, fy), cctv, declared, owner, camera_no, camera_view in points_data.KEY_POINTS:
        (ax, ay), (bx, by) = v[(c, r)], v[(c + 1, r)]
        (cx, cy), (dx, dy) = v[(c, r + 1)], v[(c + 1, r + 1)]
        lon = (1 - fy) * ((1 - fx) * ax + fx * bx) + fy * ((1 - fx) * cx + fx * dx)
        lat = (1 - fy) * ((1 - fx) * ay + fx * by) + fy * ((1 - fx) * cy + fx * dy)
        session.add(KeyPoint(name=name, point_type_code=point_type, lat=round(lat, 6), lon=round(lon, 6),
                             cell_code=index.locate(lon, lat), bureau_code=owner, has_cctv=cctv, camera_no=camera_no,
                             camera_view=camera_view, is_declared=declared,
                             patrol_frequency=default_frequency(cctv, declared)))
    for point_type, items in points_data.CHECKLISTS.items():
        keypoints_service.put_checklist(session, point_type, ChecklistWrite(items=[
            ChecklistItem(code=code, text=text, text_en=text_en, category=category)
            for code, text, text_en, category in items]), by="demo")
    session.flush()
    return accounts


def accounts_summary(session: Session) -> list[DemoAccount]:
    """The demo accounts as they are in the database (for printing on later runs)."""
    rows = session.exec(select(User).order_by(User.role, User.username)).all()
    bureaus = dict(session.exec(select(Bureau.code, Bureau.name)).all())
    cells = dict(session.exec(select(CellInspector.user_id, GridCell.name)
                              .join(GridCell, col(GridCell.code) == CellInspector.cell_code)).all())
    return [DemoAccount(u.username, u.role, u.display_name,
                        (bureaus.get(u.bureau_code) if u.bureau_code else None) or cells.get(stored_id(u.id), ""))
            for u in rows]
