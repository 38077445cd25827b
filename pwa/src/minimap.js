// Small maps: one ticket's point and cell, spot-check tasks, and the county base map (tiles when the
// server names them, the grid from the saved copy) that the key-point views draw on.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import gcoord from 'gcoord';
import { reference } from './data.js';

export { L };

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A map with the county's tiles and, with `grid`, every cell drawn faintly. Everything stored is
 * WGS-84; under Chinese-provider tiles (GCJ-02) positions are shifted for drawing only, so
 * `toLatLng(lon, lat)` gives where to draw and `toWgs(latlng)` turns a tap back into [lon, lat].
 */
export async function baseMap(container, { grid: withGrid = true, ...options } = {}) {
  const [grid, settings] = await Promise.all(['grid', 'map'].map((name) =>
    reference(name, { refresh: false }).then((r) => r.value).catch(() => null)));
  const shift = settings?.tile_url && settings.tile_crs === 'gcj02';
  const toLatLng = (lon, lat) => {
    const [x, y] = shift ? gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) : [lon, lat];
    return [y, x];
  };
  const toWgs = ({ lat, lng }) => (shift ? gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84) : [lng, lat]);
  const map = L.map(container, { attributionControl: Boolean(settings?.tile_url), ...options });
  if (settings?.tile_url) {
    // crossOrigin: the service worker caches only CORS tiles.
    L.tileLayer(settings.tile_url, { maxZoom: settings.max_zoom || 18, attribution: escapeHtml(settings.attribution || ''),
                                     subdomains: '1234', crossOrigin: true }).addTo(map);
  }
  const shiftGrid = (geojson) => (shift ? gcoord.transform(structuredClone(geojson), gcoord.WGS84, gcoord.GCJ02) : geojson);
  const gridLayer = grid?.features?.length
    ? L.geoJSON(shiftGrid(grid), { style: { color: '#666', weight: 1, fillOpacity: 0.03 } }) : null;
  // A view before any layer: layers added to a map without one wait for it, and a group that waits
  // ahead of the shared vector renderer breaks Leaflet when the view comes. Callers fit their own.
  if (gridLayer) map.fitBounds(gridLayer.getBounds()); else map.fitWorld();
  if (withGrid) gridLayer?.addTo(map);
  return { map, grid, shiftGrid, gridLayer: withGrid ? gridLayer : null, toLatLng, toWgs };
}

export async function miniMap(container, { lat, lon, cellCode, extra = [] }) {
  const { map, grid, shiftGrid, toLatLng } = await baseMap(container, { grid: false, zoomControl: false,
    attributionControl: false, dragging: !L.Browser.mobile });
  try {
    const cell = grid?.features.find((f) => f.properties.code === cellCode);
    const outline = cell ? L.geoJSON(shiftGrid(cell), { style: { color: '#0b5cad', weight: 2, fillOpacity: 0.08 } }).addTo(map) : null;
    const points = [toLatLng(lon, lat), ...extra.map((p) => toLatLng(p.lon, p.lat))];
    L.circleMarker(points[0], { radius: 8, color: '#b3261e', fillOpacity: 0.9 }).addTo(map);
    for (const point of points.slice(1)) L.circleMarker(point, { radius: 6, color: '#1b7f3b', fillOpacity: 0.9 }).addTo(map);
    // The point within its whole cell: where in the cell it is tells a liaison as much as the street.
    const bounds = L.latLngBounds(points).pad(0.5);
    if (outline) bounds.extend(outline.getBounds());
    map.fitBounds(bounds, { maxZoom: 17, padding: [8, 8] });
    return map;
  } catch (error) {
    map.remove(); // the caller shows the failure in the box
    throw error;
  }
}

/** Several points (spot-check tasks) on the grid and, when known, where I stand. */
export async function pointsMap(container, points, here) {
  const { map, gridLayer, toLatLng } = await baseMap(container);
  try {
    const markers = points.map((p) => L.circleMarker(toLatLng(p.lon, p.lat), { radius: 7, color: '#b3261e', fillOpacity: 0.9 })
      .bindTooltip(document.createTextNode(p.label)).addTo(map));
    if (here) markers.push(L.circleMarker(toLatLng(here.lon, here.lat), { radius: 6, color: '#0b5cad', fillOpacity: 1 }).addTo(map));
    if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 17 });
    else if (gridLayer) map.fitBounds(gridLayer.getBounds());
    return map;
  } catch (error) {
    map.remove();
    throw error;
  }
}
