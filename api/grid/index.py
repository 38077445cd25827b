"""In-memory cell lookup: an STRtree over the cells' polygons, rebuilt when the cells change.

Several API processes each hold one. The cells are part of the county's reference data, which every
write to them stamps anew (api/reference_data.py), so an index built from the reference data a
session sees is current as long as that session sees the same: an import made by the CLI or another
replica is picked up on the next lookup, with no query of its own.
"""

import json
import threading
from dataclasses import dataclass
from datetime import date

import shapely
from shapely.geometry import Point, shape
from sqlmodel import Session, col, select

from api.reference_data import Reference, reference
from api.grid.models import GridCell


@dataclass(frozen=True)
class IndexedCell:
    code: str
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to)


class CellIndex:
    def __init__(self, cells: list[IndexedCell], geometries: list) -> None:
        self.cells = cells
        self.geometries = geometries
        self.tree = shapely.STRtree(geometries)

    def locate(self, lon: float, lat: float, day: date | None = None) -> str | None:
        """The code of the cell covering the point. A point on a shared edge belongs to the cell
        with the lowest code, so the answer is deterministic (the phone applies the same rule)."""
        hits = self.tree.query(Point(lon, lat), predicate="intersects")
        best = None
        for i in hits.tolist():
            cell = self.cells[i]
            if (day is None or cell.valid_on(day)) and (best is None or cell.code < best):
                best = cell.code
        return best

    def bounds(self) -> list[list[float]] | None:
        """[[south, west], [north, east]] around every cell, None with none."""
        if not self.geometries:
            return None
        west, south, east, north = shapely.total_bounds(self.geometries).tolist()
        return [[south, west], [north, east]]


class GridIndexCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built_from: Reference | None = None
        self._index = CellIndex([], [])

    def get(self, session: Session) -> CellIndex:
        """The index of the cells this session sees. `reference` gives the same object for as long as
        the reference data stand (and the session asks it anyway to route the ticket)."""
        current = reference(session)
        if current is not self._built_from:
            with self._lock:
                if current is not self._built_from:
                    self._index = build_index(session)
                    self._built_from = current
        return self._index


def build_index(session: Session) -> CellIndex:
    rows = session.exec(
        select(GridCell.code, GridCell.geometry, col(GridCell.valid_from), col(GridCell.valid_to))).all()
    cells = [IndexedCell(code, vf, vt) for code, _, vf, vt in rows]
    geometries = [shape(json.loads(geometry)) for _, geometry, _, _ in rows]
    return CellIndex(cells, geometries)
