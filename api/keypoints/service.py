"""The key-point registry, its bulk import, and the checklists by point type."""

import json
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from api import tabular
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.database import stored_id, utcnow
from api.errors import ApiError, not_found
from api.grid.coords import gcj02_to_wgs84
from api.grid.index import GridIndexCache
from api.grid.models import GridCell
from api.keypoints.models import (
    ChecklistItem,
    ChecklistPublic,
    ChecklistVersion,
    ChecklistWrite,
    KeyPoint,
    KeyPointCreate,
    KeyPointFields,
    KeyPointPublic,
    KeyPointUpdate,
    default_frequency,
)


def render(session: Session, points: list[KeyPoint]) -> list[KeyPointPublic]:
    """Points with the names of their type, cell and unit (three queries however many points)."""
    def names(model, key, values):
        values = {v for v in values if v is not None}
        if not values:
            return {}
        return dict(session.exec(select(key, model.name).where(col(key).in_(values))).all())

    types = names(PointType, PointType.code, (p.point_type_code for p in points))
    cells = names(GridCell, GridCell.code, (p.cell_code for p in points))
    bureaus = names(Bureau, Bureau.code, (p.bureau_code for p in points))
    return [KeyPointPublic(
        id=stored_id(p.id), name=p.name, point_type=p.point_type_code, point_type_name=types.get(p.point_type_code),
        lat=p.lat, lon=p.lon, cell_code=p.cell_code, cell_name=cells.get(p.cell_code), bureau_code=p.bureau_code,
        bureau_name=bureaus.get(p.bureau_code), has_cctv=p.has_cctv, camera_no=p.camera_no,
        camera_view=p.camera_view, declared=p.is_declared, patrol_frequency=p.patrol_frequency,
        active_from=p.active_from, active_to=p.active_to, is_active=p.is_active) for p in points]


def list_points(session: Session, *, cctv: bool | None = None, declared: bool | None = None,
                cell: str | None = None, point_type: str | None = None, active: bool | None = None,
                bureau: str | None = None) -> list[KeyPoint]:
    query = select(KeyPoint).order_by(col(KeyPoint.id))
    if cctv is not None:
        query = query.where(KeyPoint.has_cctv == cctv)
    if declared is not None:
        query = query.where(KeyPoint.is_declared == declared)
    if cell:
        query = query.where(col(KeyPoint.cell_code).startswith(cell))
    if point_type:
        query = query.where(KeyPoint.point_type_code == point_type)
    if active is not None:
        query = query.where(KeyPoint.is_active == active)
    if bureau:
        query = query.where(KeyPoint.bureau_code == bureau)
    return list(session.exec(query))


def get_point(session: Session, point_id: int) -> KeyPoint:
    point = session.get(KeyPoint, point_id)
    if point is None:
        raise not_found("点位", "Key point", point_id)
    return point


def _problems(session: Session, point: KeyPoint, data: KeyPointFields) -> list[str]:
    """What refers to nothing, in words a clerk can act on (empty when the point is sound)."""
    problems = []
    if session.get(PointType, point.point_type_code) is None:
        problems.append(f"点位类型 {point.point_type_code} 不存在 · unknown point type")
    if point.bureau_code and session.get(Bureau, point.bureau_code) is None:
        problems.append(f"责任单位 {point.bureau_code} 不存在 · unknown unit")
    if point.cell_code and session.get(GridCell, point.cell_code) is None:
        problems.append(f"网格 {point.cell_code} 不存在 · unknown cell")
    if point.cell_code is None:
        problems.append("位置不在任何网格内 · the location is outside every grid cell")
    duplicate = session.exec(select(KeyPoint.id).where(KeyPoint.name == point.name)).first()
    if duplicate is not None and duplicate != point.id:
        problems.append(f"点位名称「{point.name}」已存在 · the name is taken")
    return problems


def _apply(session: Session, grid_index: GridIndexCache, point: KeyPoint, data: KeyPointFields) -> None:
    values = data.model_dump(exclude_unset=True)
    renames = {"point_type": "point_type_code", "declared": "is_declared"}
    for key, value in values.items():
        setattr(point, renames.get(key, key), value)
    if "patrol_frequency" not in values and ("has_cctv" in values or "declared" in values or point.id is None):
        point.patrol_frequency = default_frequency(point.has_cctv, point.is_declared)
    if "cell_code" not in values and ({"lat", "lon"} & values.keys() or point.id is None):
        point.cell_code = grid_index.get(session).locate(point.lon, point.lat)
    if point.active_from and point.active_to and point.active_to < point.active_from:
        raise ApiError(422, "bad_dates", "停用日期早于启用日期", "active_to is before active_from")
    point.updated_at = utcnow()


def _refuse(problems: list[str]) -> ApiError:
    return ApiError(422, "key_point_invalid", "点位信息有误：" + "；".join(p.split(" · ")[0] for p in problems),
                    "invalid key point: " + "; ".join(p.split(" · ")[-1] for p in problems), {"errors": problems})


def _new_point(data: KeyPointCreate) -> KeyPoint:
    return KeyPoint(name=data.name, point_type_code=data.point_type, lat=data.lat, lon=data.lon)


def create_point(session: Session, grid_index: GridIndexCache, data: KeyPointCreate) -> KeyPoint:
    point = _new_point(data)
    _apply(session, grid_index, point, data)
    problems = _problems(session, point, data)
    if problems:
        raise _refuse(problems)
    session.add(point)
    session.flush()
    return point


def update_point(session: Session, grid_index: GridIndexCache, point: KeyPoint, data: KeyPointUpdate) -> KeyPoint:
    with session.no_autoflush:  # checked before anything reaches the database
        _apply(session, grid_index, point, data)
        problems = _problems(session, point, data)
    if problems:
        session.expire(point)
        raise _refuse(problems)
    session.add(point)
    session.flush()
    return point


# --- bulk import ---

FORMATS = ("csv", "xlsx", "geojson")
_TRUE = {"1", "true", "yes", "y", "是", "有", "√"}
_FALSE = {"0", "false", "no", "n", "否", "无", ""}
# Column headers counties write in Chinese, mapped to ours.
_HEADERS = {"名称": "name", "点位名称": "name", "点位类型": "point_type", "类型": "point_type", "纬度": "lat",
            "经度": "lon", "责任单位": "bureau_code", "网格": "cell_code", "监控": "has_cctv", "是否监控": "has_cctv",
            "监控编号": "camera_no", "摄像头编号": "camera_no", "监控画面": "camera_view", "申报": "declared",
            "是否申报": "declared", "巡查频次": "patrol_frequency", "启用日期": "active_from", "停用日期": "active_to"}
_FREQUENCIES = {"每日": "daily", "每天": "daily", "每周": "weekly"}


def _rows(content: bytes, fmt: str) -> list[tuple[int, dict[str, Any]]]:
    """The file's records as (row number, raw values): a sheet's rows numbered as the file shows them, blank ones
    counted (api/tabular.py), a GeoJSON feature by its index; a file that cannot be read at all is one 422."""
    if fmt != "geojson":
        return tabular.read_rows(content, fmt)
    try:
        document = json.loads(content)
        features = document["features"]
        assert isinstance(features, list)
    except Exception:
        raise ApiError(422, "file_unreadable", "无法读取 GEOJSON 文件", "cannot read the geojson file") from None
    records = []
    for number, feature in enumerate(features):
        record = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            record["lon"], record["lat"] = geometry["coordinates"][:2]
        records.append((number, record))
    return records


def _boolean(value: Any) -> bool:
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"不是是/否: {value}")


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _record(raw: dict[str, Any], type_codes: dict[str, str], crs: str) -> tuple[str, dict[str, Any]]:
    """A file record as KeyPointCreate fields (raises ValueError with the reason)."""
    # Files bypass the request-wide NUL check (api/errors.py RefuseNul): PostgreSQL's text cannot hold it.
    if any(isinstance(v, str) and "\x00" in v for v in raw.values()):
        raise ValueError("含空字符（U+0000）· holds NUL (U+0000)")
    record = {_HEADERS.get(str(k).strip(), str(k).strip()): v for k, v in raw.items() if k is not None}
    name = str(record.get("name") or "").strip()
    values: dict[str, Any] = {"name": name}
    kind = str(record.get("point_type") or "").strip()
    values["point_type"] = type_codes.get(kind, kind)
    try:
        lat, lon = float(record["lat"]), float(record["lon"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("经纬度缺失或不是数字 · lat/lon missing or not numbers") from None
    if crs == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    values["lat"], values["lon"] = round(lat, 7), round(lon, 7)
    for key in ("bureau_code", "cell_code", "camera_no", "camera_view"):
        text = str(record.get(key) or "").strip()
        if text:
            values[key] = text
    for key in ("has_cctv", "declared"):
        if key in record:
            values[key] = _boolean(record[key])
    frequency = str(record.get("patrol_frequency") or "").strip()
    if frequency:
        values["patrol_frequency"] = _FREQUENCIES.get(frequency, frequency)
    for key in ("active_from", "active_to"):
        if record.get(key) not in (None, ""):
            values[key] = _day(record[key])
    return name, values


def import_points(session: Session, grid_index: GridIndexCache, content: bytes, *, fmt: str,
                  crs: str = "wgs84") -> dict[str, int]:
    """Create or update points by name, all or nothing: 422 `key_points_invalid` lists every bad row
    (numbered as in the file: the first data row of a CSV or sheet is row 2, a GeoJSON feature is its
    index) and nothing is stored."""
    if fmt not in FORMATS:
        raise ApiError(422, "bad_format", "格式须为 csv、xlsx 或 geojson", "format must be csv, xlsx or geojson")
    if crs not in ("wgs84", "gcj02"):
        raise ApiError(422, "bad_crs", "坐标系须为 wgs84 或 gcj02", "crs must be wgs84 or gcj02")
    records = _rows(content, fmt)
    if not records:
        raise ApiError(422, "file_empty", "文件中没有点位", "the file holds no key points")
    type_codes = {name: code for code, name in session.exec(select(PointType.code, PointType.name))}
    existing = {p.name: p for p in session.exec(select(KeyPoint))}
    errors, seen, valid = [], set(), []
    data: KeyPointFields
    with session.no_autoflush:
        for row, raw in records:
            name = str(raw.get("name") or raw.get("名称") or raw.get("点位名称") or "")
            try:
                name, values = _record(raw, type_codes, crs)
                point = existing.get(name)
                if point is None:
                    new = KeyPointCreate.model_validate(values)
                    data, target = new, _new_point(new)
                else:
                    data, target = KeyPointUpdate.model_validate(values), point
            except ValidationError as exc:
                errors.append({"row": row, "name": name, "errors": [
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]})
                continue
            except ValueError as exc:
                errors.append({"row": row, "name": name, "errors": [str(exc)]})
                continue
            if name in seen:
                errors.append({"row": row, "name": name, "errors": ["名称在文件中重复 · the name appears twice"]})
                continue
            seen.add(name)
            _apply(session, grid_index, target, data)
            problems = [p for p in _problems(session, target, data) if "已存在" not in p]
            if problems:
                errors.append({"row": row, "name": name, "errors": problems})
            valid.append((target, point is None))
    if errors:
        for target, _ in valid:
            if target.id is not None:
                session.expire(target)
        raise ApiError(422, "key_points_invalid", f"有 {len(errors)} 行有误，未导入任何点位",
                       f"{len(errors)} rows are invalid; nothing was imported", errors)
    for target, _ in valid:
        session.add(target)
    session.flush()
    created = sum(1 for _, new in valid if new)
    return {"created": created, "updated": len(valid) - created}


# --- checklists ---

def _public(row: ChecklistVersion) -> ChecklistPublic:
    return ChecklistPublic(point_type=row.point_type_code, version=row.version,
                           items=[ChecklistItem.model_validate(i) for i in row.items], updated_at=row.updated_at)


def checklist_version(session: Session, point_type: str, version: int | None = None) -> ChecklistVersion | None:
    """A point type's checklist: the version asked for, else the current (highest) one."""
    query = select(ChecklistVersion).where(ChecklistVersion.point_type_code == point_type)
    if version is not None:
        return session.exec(query.where(ChecklistVersion.version == version)).first()
    return session.exec(query.order_by(col(ChecklistVersion.version).desc())).first()


def get_checklist(session: Session, point_type: str, version: int | None = None) -> ChecklistPublic:
    row = checklist_version(session, point_type, version)
    if row is None:
        raise not_found("测评清单", "Checklist", point_type if version is None else f"{point_type} v{version}")
    return _public(row)


def current_checklists(session: Session) -> list[ChecklistPublic]:
    latest = (select(ChecklistVersion.point_type_code, func.max(ChecklistVersion.version).label("version"))
              .group_by(ChecklistVersion.point_type_code).subquery())
    rows = session.exec(select(ChecklistVersion).join(latest, (col(ChecklistVersion.point_type_code)
                                                               == latest.c.point_type_code)
                                                      & (col(ChecklistVersion.version) == latest.c.version))
                        .order_by(ChecklistVersion.point_type_code)).all()
    return [_public(row) for row in rows]


def put_checklist(session: Session, point_type: str, data: ChecklistWrite, *, by: str | None) -> ChecklistPublic:
    """Write the next version (the same items again write nothing)."""
    if session.get(PointType, point_type) is None:
        raise ApiError(422, "unknown_point_type", f"点位类型 {point_type} 不存在", f"unknown point type {point_type}")
    categories = set(session.exec(select(Category.code)).all())
    unknown = sorted({item.category for item in data.items} - categories)
    if unknown:
        raise ApiError(422, "unknown_category", f"问题类别 {', '.join(unknown)} 不存在",
                       f"unknown categories {', '.join(unknown)}", {"categories": unknown})
    items = [item.model_dump() for item in data.items]
    current = checklist_version(session, point_type)
    if current is not None and current.items == items:
        return _public(current)
    row = ChecklistVersion(point_type_code=point_type, version=(current.version if current else 0) + 1,
                           items=items, updated_by=by)
    session.add(row)
    session.flush()
    return _public(row)
