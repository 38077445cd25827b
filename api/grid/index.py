"""In-memory cell lookup: an STRtree over the cells' polygons, rebuilt when a new import lands.

Several API processes each hold one; each compares its version with the newest grid revision
so an import made by the CLI or another replica is picked up on the next lookup.
"""

import json
import threading
from dataclasses import dataclass
from datetime import date

import shapely
from shapely.geometry import Point, shape
from sqlmodel import Session, func, select

from api.grid.models import GridCell, GridRevision

# Checked on every completed ticket; built once (building a statement costs more than running this one).
_LATEST_REVISION = select(func.max(GridRevision.id))


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


class GridIndexCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = -1
        self._index = CellIndex([], [])

    def get(self, session: Session) -> CellIndex:
        version = session.exec(_LATEST_REVISION).one()
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self._index = build_index(session)
                    self._version = version
        return self._index


def build_index(session: Session) -> CellIndex:
    rows = session.exec(select(GridCell.code, GridCell.geometry, GridCell.valid_from, GridCell.valid_to)).all()
    cells = [IndexedCell(code, vf, vt) for code, _, vf, vt in rows]
    geometries = [shape(json.loads(geometry)) for _, geometry, _, _ in rows]
    return CellIndex(cells, geometries)
