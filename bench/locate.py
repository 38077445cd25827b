"""Grid lookups per second on one core: the 34-cell demo county and a 20,000-cell 万米-style grid.

Run: .venv/bin/python bench/locate.py [--seconds 3]
Target (issue 2): >= 20,000 lookups/s for 20,000 cells.
"""

import argparse
import random
import time

import shapely
from shapely.geometry import box, shape

from api.county import demo
from api.grid.index import CellIndex, IndexedCell


def demo_index() -> CellIndex:
    features = demo.grid_geojson()["features"]
    return CellIndex([IndexedCell(f["properties"]["code"], None, None) for f in features],
                     [shape(f["geometry"]) for f in features])


def square_grid(n_cells: int, size_deg: float = 0.001) -> CellIndex:
    """About 100 m × 100 m cells (10,000 m², the digital-urban-management unit grid)."""
    side = int(n_cells ** 0.5) + 1
    cells, geoms = [], []
    for i in range(n_cells):
        col, row = i % side, i // side
        x, y = 120.0 + col * size_deg, 28.8 + row * size_deg
        cells.append(IndexedCell(f"330790{row:03d}{col:03d}{i % 1000:03d}", None, None))
        geoms.append(box(x, y, x + size_deg, y + size_deg))
    return CellIndex(cells, geoms)


def measure(index: CellIndex, seconds: float) -> tuple[float, float]:
    minx, miny, maxx, maxy = shapely.total_bounds(index.geometries)
    rng = random.Random(1)
    points = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(50_000)]
    found = done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for lon, lat in points[:5000]:
            found += index.locate(lon, lat) is not None
        done += 5000
        points = points[5000:] + points[:5000]
    elapsed = time.perf_counter() - start
    return done / elapsed, found / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    grids = (("demo county, 34 cells", demo_index), ("万米 grid, 20,000 cells", lambda: square_grid(20_000)))
    for label, build in grids:
        t0 = time.perf_counter()
        index = build()
        built = time.perf_counter() - t0
        rate, hit = measure(index, args.seconds)
        print(f"{label:<26} build {built * 1000:7.1f} ms   {rate:>10,.0f} lookups/s"
              f"   ({hit:.0%} of points inside a cell)")


if __name__ == "__main__":
    main()
