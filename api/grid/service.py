import json
from datetime import date
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from sqlmodel import Session, col, delete, func, select

from api.accounts.models import Role, User
from api.audit import service as audit
from api.bureaus.models import Bureau
from api.database import stored_id
from api.errors import ApiError
from api.grid.geometry import (
    FeatureProblem,
    ParsedCell,
    area_m2,
    find_overlaps,
    parse_features,
)
from api.grid.models import CellInspector, GridArea, GridCell, GridRevision


def street_code(cell_code: str) -> str:
    return cell_code[:9]


def community_code(cell_code: str) -> str:
    return cell_code[:12]


def _inspector_usernames(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _check_references(session: Session, cells: list[ParsedCell]) -> list[FeatureProblem]:
    bureaus = set(session.exec(select(Bureau.code)).all())
    inspectors = set(session.exec(select(User.username).where(User.role == Role.inspector)).all())
    problems = []
    for cell in cells:
        unit = cell.props.get("responsible_unit")
        if unit and unit not in bureaus:
            problems.append(FeatureProblem(cell.index, cell.code, "unknown_bureau",
                                           f"责任单位 {unit} 不存在", f"responsibility unit {unit} unknown"))
        missing = [u for u in _inspector_usernames(cell.props.get("inspectors")) if u not in inspectors]
        if missing:
            problems.append(FeatureProblem(cell.index, cell.code, "unknown_inspector",
                                           f"网格员不存在: {', '.join(missing)}",
                                           f"unknown inspectors: {', '.join(missing)}"))
    return problems


def _ensure_area(session: Session, code: str, level: str, name: str | None, parent: str | None) -> None:
    area = session.get(GridArea, code)
    if area is None:
        session.add(GridArea(code=code, level=level, name=name or code, parent_code=parent))
    elif name and area.name != name:
        area.name = name
    session.flush()


def _validate(session: Session, doc: dict, *, crs: str, overlap_tolerance_m2: float,
              ) -> tuple[list[ParsedCell], list[FeatureProblem]]:
    """The cells of a file and every problem with it, by feature index: what the import and its preview check."""
    if crs not in ("wgs84", "gcj02"):
        raise ApiError(422, "bad_crs", "坐标系须为 wgs84 或 gcj02", "crs must be wgs84 or gcj02")
    cells, problems = parse_features(doc, crs)
    if not problems:
        existing = session.exec(select(GridCell.code, GridCell.geometry)).all()
        incoming = {c.code for c in cells}
        items: list[tuple[int | None, str, Any]] = [(c.index, c.code, c.geometry) for c in cells]
        items += [(None, code, shape(json.loads(g))) for code, g in existing if code not in incoming]
        problems = find_overlaps(items, overlap_tolerance_m2) + _check_references(session, cells)
    problems.sort(key=lambda p: p.index)
    return cells, problems


def import_cells(session: Session, doc: dict, *, crs: str = "wgs84", imported_by: str | None = None,
                 overlap_tolerance_m2: float = 1.0) -> GridRevision:
    """Validate every feature, then upsert all cells in the caller's transaction, or refuse all
    with a 422 `grid_invalid` listing each bad feature. Cells absent from the file are kept."""
    cells, problems = _validate(session, doc, crs=crs, overlap_tolerance_m2=overlap_tolerance_m2)
    if problems:
        raise ApiError(422, "grid_invalid", f"网格数据有 {len(problems)} 处错误，未导入任何网格",
                       f"{len(problems)} problems in the grid file; nothing was imported",
                       {"errors": [p.detail() for p in problems]})

    users = {u.username: stored_id(u.id) for u in session.exec(select(User).where(User.role == Role.inspector))}
    for cell in cells:
        props = cell.props
        county = cell.code[:6]
        _ensure_area(session, county, "county", props.get("county"), None)
        _ensure_area(session, street_code(cell.code), "street", props.get("street"), county)
        _ensure_area(session, community_code(cell.code), "community", props.get("community"),
                     street_code(cell.code))
        stored = session.get(GridCell, cell.code)
        kept_unit = stored.responsible_bureau_code if stored else None  # a unit the file leaves out is kept
        centroid = cell.geometry.representative_point()
        row = GridCell(code=cell.code, name=cell.name, community_code=community_code(cell.code),
                       geometry=json.dumps(mapping(cell.geometry), separators=(",", ":")),
                       area_m2=round(area_m2(cell.geometry), 1), centroid_lat=centroid.y, centroid_lon=centroid.x,
                       responsible_bureau_code=props.get("responsible_unit") or kept_unit,
                       valid_from=props["valid_from"], valid_to=props["valid_to"])
        if stored is not None:  # the stored cell takes the file's values
            row = stored.sqlmodel_update(row.model_dump(exclude={"code", "updated_at"}))
        session.add(row)
        session.flush()
        if "inspectors" in props:
            set_cell_inspectors(session, cell.code, [users[u] for u in _inspector_usernames(props["inspectors"])])
    revision = GridRevision(imported_by=imported_by, source_crs=crs, feature_count=len(cells))
    session.add(revision)
    session.flush()
    audit.record(session, actor=imported_by or "system", entity="grid", key=str(revision.id), action="import",
                 after={"cells": len(cells), "crs": crs})
    return revision


def preview_import(session: Session, doc: dict, *, crs: str = "wgs84", overlap_tolerance_m2: float = 1.0) -> dict:
    """What `import_cells` would do with the file, changing nothing: every problem with the geometries that
    show it on a map; or, for a good file, the cells it would add and change and those it leaves alone."""
    cells, problems = _validate(session, doc, crs=crs, overlap_tolerance_m2=overlap_tolerance_m2)
    if problems:
        read = {c.index: c.geometry for c in cells}
        return {"valid": False, "added": [], "changed": [], "absent": [], "unchanged": 0, "errors": [
            {**p.detail(), "geometry": _geojson(p.geometry if p.geometry is not None else read.get(p.index)),
             "other_geometry": _geojson(p.other_geometry), "overlap": _geojson(p.overlap)} for p in problems]}
    return {"valid": True, "errors": [], **_diff(session, cells)}


def _geojson(geom) -> dict | None:
    return None if geom is None else mapping(geom)


def _diff(session: Session, cells: list[ParsedCell]) -> dict:
    existing = {row.code: row for row in session.exec(select(GridCell).order_by(GridCell.code))}
    assigned: dict[str, list[str]] = {}
    for code, username in session.exec(select(CellInspector.cell_code, User.username)
                                       .join(User, col(User.id) == CellInspector.user_id)):
        assigned.setdefault(code, []).append(username)
    added, changed, unchanged = [], [], 0
    for cell in sorted(cells, key=lambda c: c.code):
        row = existing.get(cell.code)
        if row is None:
            added.append({"code": cell.code, "name": cell.name, "geometry": mapping(cell.geometry),
                          "before_geometry": None, "fields": []})
            continue
        fields = _changed_fields(row, cell, assigned.get(row.code, []))
        old = shape(json.loads(row.geometry))
        # Vertex order and start point are not a change; a new border is.
        moved = not shapely.equals_exact(shapely.normalize(old), shapely.normalize(cell.geometry), tolerance=1e-9)
        if moved:
            fields.append({"field": "geometry", "before": row.area_m2, "after": round(area_m2(cell.geometry), 1)})
        if fields:
            changed.append({"code": cell.code, "name": cell.name, "geometry": mapping(cell.geometry),
                            "before_geometry": mapping(old) if moved else None, "fields": fields})
        else:
            unchanged += 1
    incoming = {c.code for c in cells}
    absent = [{"code": code, "name": row.name, "geometry": json.loads(row.geometry), "before_geometry": None,
               "fields": []} for code, row in existing.items() if code not in incoming]
    return {"added": added, "changed": changed, "absent": absent, "unchanged": unchanged}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _changed_fields(row: GridCell, cell: ParsedCell, inspectors: list[str]) -> list[dict]:
    """The attributes the import would change, as `import_cells` writes them (a unit left out is kept, and
    so are the inspectors when the file does not name them)."""
    props = cell.props
    pairs: list[tuple[str, object, object]] = [  # (field, before, after)
        ("name", row.name, cell.name),
        ("responsible_unit", row.responsible_bureau_code, props.get("responsible_unit") or row.responsible_bureau_code),
        ("valid_from", _day(row.valid_from), _day(props["valid_from"])),
        ("valid_to", _day(row.valid_to), _day(props["valid_to"]))]
    if "inspectors" in props:
        named = sorted(dict.fromkeys(_inspector_usernames(props["inspectors"])))
        pairs.append(("inspectors", sorted(inspectors), named))
    return [{"field": field, "before": before, "after": after} for field, before, after in pairs if before != after]


def set_cell_inspectors(session: Session, cell_code: str, user_ids: list[int]) -> None:
    session.exec(delete(CellInspector).where(col(CellInspector.cell_code) == cell_code))
    for user_id in dict.fromkeys(user_ids):
        session.add(CellInspector(cell_code=cell_code, user_id=user_id))
    session.flush()


def set_user_cells(session: Session, user_id: int, cell_codes: list[str]) -> None:
    known = set(session.exec(select(GridCell.code).where(col(GridCell.code).in_(cell_codes))).all())
    unknown = [c for c in cell_codes if c not in known]
    if unknown:
        raise ApiError(422, "unknown_cell", f"网格不存在: {', '.join(unknown)}",
                       f"unknown cells: {', '.join(unknown)}", {"cells": unknown})
    session.exec(delete(CellInspector).where(col(CellInspector.user_id) == user_id))
    for code in dict.fromkeys(cell_codes):
        session.add(CellInspector(cell_code=code, user_id=user_id))
    session.flush()


def cells_of_inspector(session: Session, user_id: int) -> list[GridCell]:
    return list(session.exec(
        select(GridCell).join(CellInspector, col(CellInspector.cell_code) == GridCell.code)
        .where(CellInspector.user_id == user_id).order_by(GridCell.code)))


def cells_of_unit(session: Session, bureau_code: str) -> list[GridCell]:
    return list(session.exec(
        select(GridCell).where(GridCell.responsible_bureau_code == bureau_code).order_by(GridCell.code)))


def list_cells(session: Session, *, on: date | None = None) -> list[GridCell]:
    query = select(GridCell).order_by(GridCell.code)
    cells = list(session.exec(query))
    if on is not None:
        cells = [c for c in cells if (c.valid_from is None or c.valid_from <= on)
                 and (c.valid_to is None or on <= c.valid_to)]
    return cells


def area_names(session: Session) -> dict[str, str]:
    return dict(session.exec(select(GridArea.code, GridArea.name)).all())


def cell_properties(cell: GridCell, names: dict[str, str], bureau_names: dict[str, str]) -> dict:
    return {
        "code": cell.code,
        "name": cell.name,
        "street_code": street_code(cell.code),
        "street_name": names.get(street_code(cell.code)),
        "community_code": cell.community_code,
        "community_name": names.get(cell.community_code),
        "responsible_bureau_code": cell.responsible_bureau_code,
        "responsible_bureau_name": bureau_names.get(cell.responsible_bureau_code or ""),
        "valid_from": cell.valid_from.isoformat() if cell.valid_from else None,
        "valid_to": cell.valid_to.isoformat() if cell.valid_to else None,
        "area_m2": cell.area_m2,
        "centroid": [cell.centroid_lon, cell.centroid_lat],
    }


def cells_geojson(session: Session, cells: list[GridCell]) -> dict:
    names = area_names(session)
    bureau_names = dict(session.exec(select(Bureau.code, Bureau.name)).all())
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "id": c.code, "geometry": json.loads(c.geometry),
                      "properties": cell_properties(c, names, bureau_names)} for c in cells],
    }


def latest_revision(session: Session) -> int:
    return session.exec(select(func.max(GridRevision.id))).one() or 0

