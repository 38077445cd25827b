// Where the inspector stands: the best GPS fix, and the grid cell it falls in, found on the phone
// from the cached grid so it works offline. Same answer as the server's /grid/locate: a point on a
// shared edge belongs to the cell with the lowest code; cells outside their validity dates are skipped.

const EDGE_EPSILON = 1e-12; // degrees², for "on the segment" (well below a millimetre)

function onSegment(x, y, [x1, y1], [x2, y2]) {
  const cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1);
  if (Math.abs(cross) > EDGE_EPSILON) return false;
  return Math.min(x1, x2) - EDGE_EPSILON <= x && x <= Math.max(x1, x2) + EDGE_EPSILON
    && Math.min(y1, y2) - EDGE_EPSILON <= y && y <= Math.max(y1, y2) + EDGE_EPSILON;
}

/** 'inside', 'edge' or 'outside' of one closed ring (even-odd rule). */
function ringPosition(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (onSegment(x, y, a, b)) return 'edge';
    if ((a[1] > y) !== (b[1] > y) && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside ? 'inside' : 'outside';
}

/** Whether a polygon (outer ring + holes) covers the point, its boundary included. */
function polygonCovers(rings, x, y) {
  const outer = ringPosition(rings[0], x, y);
  if (outer === 'outside') return false;
  if (outer === 'edge') return true;
  return rings.slice(1).every((hole) => ringPosition(hole, x, y) !== 'inside');
}

export function geometryCovers(geometry, lon, lat) {
  if (geometry.type === 'Polygon') return polygonCovers(geometry.coordinates, lon, lat);
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.some((poly) => polygonCovers(poly, lon, lat));
  return false;
}

function validOn(properties, day) {
  return (!properties.valid_from || properties.valid_from <= day) && (!properties.valid_to || day <= properties.valid_to);
}

/** The code of the cell covering (lon, lat) on `day` (YYYY-MM-DD), or null. */
export function locateCell(grid, lon, lat, day) {
  let best = null;
  for (const feature of grid?.features || []) {
    const code = feature.properties.code;
    if (best !== null && code >= best) continue;
    if (day && !validOn(feature.properties, day)) continue;
    if (geometryCovers(feature.geometry, lon, lat)) best = code;
  }
  return best;
}

/** Today's date in the county (China has one zone), as YYYY-MM-DD. */
export function countyDay(date = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(date);
}

/** Metres between two WGS-84 points (haversine). */
export function distanceM(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

export const GOOD_ACCURACY_M = 10;
export const POOR_ACCURACY_M = 50;

/** Why the phone gave no position, as an i18n key (the browser's own message is in English). */
export const fixErrorKey = (error) => ({ 1: '未获准使用定位', 2: '无法获取位置', 3: '定位超时' })[error?.code] || '无法定位';

/**
 * Watch the position with high accuracy, keeping the best (most accurate) fix, until one is within
 * 10 m or the timeout passes. onFix(best, {final}) is called on every improvement and at the end.
 * Returns stop().
 */
export function watchBestFix(onFix, { geolocation = navigator.geolocation, timeoutMs = 30000, onError } = {}) {
  let best = null;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    geolocation.clearWatch(watch);
    clearTimeout(timer);
    onFix(best, { final: true });
  };
  const watch = geolocation.watchPosition((position) => {
    const { latitude, longitude, accuracy } = position.coords;
    if (best && accuracy >= best.accuracy) return;
    best = { lat: latitude, lon: longitude, accuracy, at: new Date(position.timestamp || Date.now()).toISOString() };
    if (accuracy <= GOOD_ACCURACY_M) stop(); else onFix(best, { final: false });
  }, (error) => onError?.(error), { enableHighAccuracy: true, maximumAge: 0, timeout: timeoutMs });
  const timer = setTimeout(stop, timeoutMs);
  return stop;
}
