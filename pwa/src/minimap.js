// A small map for one ticket: its point and its cell, drawn from the saved grid (no tiles needed).
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import gcoord from 'gcoord';
import { reference } from './data.js';

export async function miniMap(container, { lat, lon, cellCode, extra = [] }) {
  const [grid, settings] = await Promise.all(['grid', 'map'].map((name) =>
    reference(name, { refresh: false }).then((r) => r.value).catch(() => null)));
  const shift = settings?.tile_url && settings.tile_crs === 'gcj02';
  const toLatLng = (lo, la) => {
    const [x, y] = shift ? gcoord.transform([lo, la], gcoord.WGS84, gcoord.GCJ02) : [lo, la];
    return [y, x];
  };
  const map = L.map(container, { zoomControl: false, attributionControl: false, dragging: !L.Browser.mobile });
  if (settings?.tile_url) L.tileLayer(settings.tile_url, { subdomains: '1234', crossOrigin: true }).addTo(map);
  const cell = grid?.features.find((f) => f.properties.code === cellCode);
  if (cell) {
    L.geoJSON(shift ? gcoord.transform(structuredClone(cell), gcoord.WGS84, gcoord.GCJ02) : cell,
      { style: { color: '#0b5cad', weight: 2, fillOpacity: 0.08 } }).addTo(map);
  }
  const points = [toLatLng(lon, lat), ...extra.map((p) => toLatLng(p.lon, p.lat))];
  L.circleMarker(points[0], { radius: 8, color: '#b3261e', fillOpacity: 0.9 }).addTo(map);
  for (const point of points.slice(1)) L.circleMarker(point, { radius: 6, color: '#1b7f3b', fillOpacity: 0.9 }).addTo(map);
  map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 17 });
  return map;
}

/** Several points (spot-check tasks) and, when known, where I stand. */
export async function pointsMap(container, points, here) {
  const map = L.map(container, { attributionControl: false });
  const grid = await reference('grid', { refresh: false }).then((r) => r.value).catch(() => null);
  if (grid) L.geoJSON(grid, { style: { color: '#777', weight: 1, fillOpacity: 0.03 } }).addTo(map);
  const markers = points.map((p) => L.circleMarker([p.lat, p.lon], { radius: 7, color: '#b3261e', fillOpacity: 0.9 })
    .bindTooltip(document.createTextNode(p.label)).addTo(map));
  if (here) markers.push(L.circleMarker([here.lat, here.lon], { radius: 6, color: '#0b5cad', fillOpacity: 1 }).addTo(map));
  if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 17 });
  else if (grid) map.fitBounds(L.geoJSON(grid).getBounds());
  return map;
}
