// The phone's cell lookup must give the server's answer (shared edges go to the lowest code).
import { describe, expect, it } from 'vitest';
import { countyDay, distanceM, locateCell } from '../src/geo.js';

const square = (code, x0, y0, size = 0.01, props = {}) => ({
  type: 'Feature',
  properties: { code, ...props },
  geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]] },
});
const grid = { type: 'FeatureCollection', features: [
  square('330790001001002', 120.01, 28.9), square('330790001001001', 120.0, 28.9),
  { type: 'Feature', properties: { code: '330790001001003' }, geometry: { type: 'Polygon', coordinates: [
    [[120.0, 28.91], [120.03, 28.91], [120.03, 28.94], [120.0, 28.94], [120.0, 28.91]],
    [[120.01, 28.92], [120.02, 28.92], [120.02, 28.93], [120.01, 28.93], [120.01, 28.92]]] } },
  square('330790001001004', 120.05, 28.9, 0.01, { valid_to: '2026-01-31' }),
] };

describe('locateCell', () => {
  it('finds the cell containing the point', () => {
    expect(locateCell(grid, 120.005, 28.905)).toBe('330790001001001');
    expect(locateCell(grid, 120.015, 28.905)).toBe('330790001001002');
  });
  it('gives a shared edge to the lowest code, whatever the order of features', () => {
    expect(locateCell(grid, 120.01, 28.905)).toBe('330790001001001');
    expect(locateCell(grid, 120.005, 28.91)).toBe('330790001001001');
  });
  it('respects holes and the outside', () => {
    expect(locateCell(grid, 120.015, 28.925)).toBeNull(); // in the hole
    expect(locateCell(grid, 120.005, 28.925)).toBe('330790001001003');
    expect(locateCell(grid, 121, 29)).toBeNull();
  });
  it('skips cells outside their validity', () => {
    expect(locateCell(grid, 120.055, 28.905, '2026-01-15')).toBe('330790001001004');
    expect(locateCell(grid, 120.055, 28.905, '2026-11-21')).toBeNull();
  });
});

describe('helpers', () => {
  it('measures metres and the county day', () => {
    expect(distanceM(28.9, 120.0, 28.9, 120.01)).toBeCloseTo(973.5, 0);
    expect(countyDay(new Date('2026-11-20T17:00:00Z'))).toBe('2026-11-21');
  });
});
