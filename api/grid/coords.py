"""Coordinate conversion at the edges only (docs/domain.md §3): we store WGS-84."""

import prcoords


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 ("Mars", AMap/Tencent) to WGS-84, iterated to centimetre precision."""
    c = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
    return c.lon, c.lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    c = prcoords.wgs_gcj(prcoords.Coords(lat, lon))
    return c.lon, c.lat
