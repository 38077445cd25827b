"""Validation of imported GeoJSON cells: every bad feature is reported, by index and code."""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from api.grid.coords import gcj02_to_wgs84

CELL_CODE = re.compile(r"^\d{14}(\d)?$")
# Mainland China's extent, generously: coordinates outside it mean a projected CRS or swapped axes.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


@dataclass
class FeatureProblem:
    index: int
    code: str | None
    problem: str
    message: str
    message_en: str
    other: str | None = None  # the cell it overlaps
    # What a preview draws (shapely, WGS-84): the feature when it could be read, the other cell, their overlap.
    geometry: Any = None
    other_geometry: Any = None
    overlap: Any = None

    def detail(self) -> dict:
        """The problem as the refused import names it (without geometries)."""
        return {"index": self.index, "code": self.code, "problem": self.problem, "message": self.message,
                "message_en": self.message_en, "other": self.other}


@dataclass
class ParsedCell:
    index: int
    code: str
    name: str
    geometry: Any  # shapely Polygon/MultiPolygon, WGS-84
    props: dict = field(default_factory=dict)


def area_m2(geom) -> float:
    """Area in square metres by a local equirectangular projection: ample for cells of a county."""
    lat0 = geom.centroid.y
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_574.0
    return shapely.transform(geom, lambda c: c * (kx, ky)).area


def _rings(geometry: dict[str, Any]) -> list[Any]:
    """The rings as the file gives them; a TypeError or ValueError when they are not a list of lists."""
    coords = geometry.get("coordinates")
    if coords is None:
        raise TypeError("no coordinates")
    if geometry.get("type") == "Polygon":
        return list(coords)
    return [ring for polygon in coords for ring in polygon]


def _check_positions(geometry: dict[str, Any]) -> tuple[str, str, str] | None:
    try:
        rings = _rings(geometry)
    except (TypeError, ValueError):
        return "bad_coordinates", "坐标结构错误", "malformed coordinates"
    if not rings:
        return "bad_coordinates", "没有坐标", "no coordinates"
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return "ring_too_short", "多边形环至少需要4个点", "a ring needs at least 4 positions"
        for pos in ring:
            if (not isinstance(pos, list | tuple) or len(pos) < 2
                    or not all(isinstance(v, int | float) and math.isfinite(v) for v in pos[:2])):
                return "bad_coordinates", "坐标必须是 [经度, 纬度] 数字", "positions must be numeric [lon, lat]"
        if list(ring[0][:2]) != list(ring[-1][:2]):
            return "ring_not_closed", "多边形环未闭合（首尾点不同）", "ring is not closed (first != last position)"
        for lon, lat, *_ in ring:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return ("coordinates_out_of_range",
                        f"坐标超出经纬度范围 ({lon}, {lat})：是否为投影坐标？",
                        f"coordinates out of lon/lat range ({lon}, {lat}): a projected CRS?")
            if not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
                return ("coordinates_outside_china",
                        f"坐标 ({lon}, {lat}) 不在中国境内：坐标系或经纬度顺序错误？",
                        f"coordinates ({lon}, {lat}) outside China: wrong CRS or swapped axes?")
    return None


def _mapping(value: Any) -> dict:
    """A member of a feature that should be an object; anything else reads as empty (and is reported so)."""
    return value if isinstance(value, dict) else {}


def _parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value))


def _parse_feature(index: int, feature: dict, code: str, crs: str) -> ParsedCell | FeatureProblem:
    """A feature as a cell with its WGS-84 geometry, or the problem that stops it."""
    if not CELL_CODE.match(code):
        return FeatureProblem(index, code, "bad_code", "网格编码应为14或15位数字", "cell code must be 14 or 15 digits")
    geometry = _mapping(feature.get("geometry"))
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return FeatureProblem(index, code, "bad_geometry_type", "几何类型须为 Polygon 或 MultiPolygon",
                              "geometry must be a Polygon or MultiPolygon")
    issue = _check_positions(geometry)
    if issue:
        return FeatureProblem(index, code, *issue)
    geom = shape(geometry)
    if crs == "gcj02":
        geom = shapely.transform(geom, _gcj_to_wgs_array)
    if not geom.is_valid:
        reason = explain_validity(geom)
        return FeatureProblem(index, code, "invalid_geometry", f"几何无效：{reason}（如自相交）",
                              f"invalid geometry: {reason}", geometry=geom)
    props = _mapping(feature.get("properties"))
    try:
        valid_from, valid_to = _parse_date(props.get("valid_from")), _parse_date(props.get("valid_to"))
    except ValueError:
        return FeatureProblem(index, code, "bad_date", "有效期日期格式应为 YYYY-MM-DD",
                              "validity dates must be YYYY-MM-DD", geometry=geom)
    if valid_from and valid_to and valid_to < valid_from:
        return FeatureProblem(index, code, "bad_date", "终止日期早于初始日期", "valid_to is before valid_from",
                              geometry=geom)
    props = {**props, "valid_from": valid_from, "valid_to": valid_to}
    return ParsedCell(index, code, str(props.get("name") or code), geom, props)


def parse_features(doc: Any, crs: str) -> tuple[list[ParsedCell], list[FeatureProblem]]:
    """Check each feature on its own: code, geometry type, rings, ranges, validity, dates."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        return [], [FeatureProblem(-1, None, "not_feature_collection", "文件不是 GeoJSON FeatureCollection",
                                   "the document is not a GeoJSON FeatureCollection")]
    cells: list[ParsedCell] = []
    problems: list[FeatureProblem] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(doc["features"]):
        feature = feature if isinstance(feature, dict) else {}
        code = _mapping(feature.get("properties")).get("code")
        code = str(code) if code is not None else None
        if not code:
            problems.append(FeatureProblem(index, None, "missing_code", "缺少网格编码 (properties.code)",
                                           "missing cell code (properties.code)"))
            continue
        if code in seen:
            problems.append(FeatureProblem(index, code, "duplicate_code", f"网格编码与第 {seen[code]} 个要素重复",
                                           f"code repeats feature {seen[code]}"))
            continue
        seen[code] = index
        parsed = _parse_feature(index, feature, code, crs)
        if isinstance(parsed, FeatureProblem):
            problems.append(parsed)
        else:
            cells.append(parsed)
    return cells, problems


def _gcj_to_wgs_array(coords):
    return np.array([gcj02_to_wgs84(lon, lat) for lon, lat in coords])


def find_overlaps(cells: list[tuple[int | None, str, Any]], tolerance_m2: float) -> list[FeatureProblem]:
    """Pairs of cells whose overlap exceeds the tolerance. Items are (feature index or None for a
    cell already in the database, code, geometry); only pairs touching the file are reported."""
    if not cells:
        return []
    geoms = [g for _, _, g in cells]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    problems = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        (ia, ca, ga), (ib, cb, gb) = cells[i], cells[j]
        if ia is None and ib is None:
            continue
        shared = ga.intersection(gb)
        overlap = area_m2(shared)
        if overlap > tolerance_m2:
            for idx, code, geom, other, other_geom in ((ia, ca, ga, cb, gb), (ib, cb, gb, ca, ga)):
                if idx is not None:
                    problems.append(FeatureProblem(
                        idx, code, "overlap", f"与网格 {other} 重叠约 {overlap:.0f} 平方米",
                        f"overlaps cell {other} by about {overlap:.0f} m²", other=other, geometry=geom,
                        other_geometry=other_geom, overlap=shared))
    return problems
