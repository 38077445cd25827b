// The grid on a map: cells from the saved GeoJSON (no tiles needed), my cells highlighted, where I am
// with the accuracy circle, and my tickets. Tiles and their CRS come from the server's settings;
// positions are shifted to GCJ-02 for drawing only when the tiles are Chinese-provider tiles.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import gcoord from 'gcoord';
import { h } from '../dom.js';
import { t, lang, statusName } from '../i18n.js';
import { reference } from '../data.js';
import { kvGet } from '../db.js';
import { watchBestFix } from '../geo.js';

let stop = null;
let map = null;
window.addEventListener('hashchange', () => { stop?.(); stop = null; map?.remove(); map = null; });

export async function render({ user }) {
  stop?.();
  map?.remove();
  const [grid, settings, me] = await Promise.all(['grid', 'map', 'me'].map((name) =>
    reference(name, { refresh: false }).then((r) => r.value).catch(() => null)));
  const container = h('div', { id: 'map', class: 'map', role: 'application', 'aria-label': t('地图') });
  const section = h('section', { class: 'map-view' }, container);
  if (!grid) return h('p', { class: 'error', role: 'alert' }, t('离线且无缓存数据，请联网后重新登录 · no saved data'));
  const shift = settings?.tile_url && settings.tile_crs === 'gcj02';
  const display = ([lon, lat]) => (shift ? gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) : [lon, lat]);
  const toLatLng = (lonLat) => { const [lon, lat] = display(lonLat); return [lat, lon]; };
  const mine = new Set(((me || user).cells || []).map((cell) => cell.code));

  // Leaflet needs the container in the document to measure it.
  requestAnimationFrame(() => {
    map = L.map(container, { zoomControl: true, attributionControl: Boolean(settings?.tile_url) });
    if (settings?.tile_url) {
      // crossOrigin: the service worker caches only CORS tiles (opaque ones cost the outbox its quota).
      L.tileLayer(settings.tile_url, { maxZoom: settings.max_zoom || 18, attribution: escapeHtml(settings.attribution || ''),
                                       subdomains: '1234', crossOrigin: true }).addTo(map);
    }
    const shifted = shift ? gcoord.transform(structuredClone(grid), gcoord.WGS84, gcoord.GCJ02) : grid;
    const layer = L.geoJSON(shifted, {
      style: (feature) => (mine.has(feature.properties.code)
        ? { color: '#0b5cad', weight: 3, fillColor: '#0b5cad', fillOpacity: 0.18 }
        : { color: '#555', weight: 1, fillOpacity: 0.04 }),
      // Leaflet treats strings as HTML; names come from the server, so hand it text nodes.
      onEachFeature: (feature, cellLayer) => cellLayer.bindTooltip(
        h('span', {}, `${feature.properties.name} ${feature.properties.code}`)),
    }).addTo(map);
    const myLayers = layer.getLayers().filter((l) => mine.has(l.feature.properties.code));
    map.fitBounds((myLayers.length ? L.featureGroup(myLayers) : layer).getBounds(), { padding: [12, 12] });
    kvGet('list:tickets').then((stored) => {
      for (const ticket of stored?.value?.items || []) {
        L.circleMarker(toLatLng([ticket.location.lon, ticket.location.lat]), { radius: 7, color: '#b3261e', fillOpacity: 0.8 })
          .bindPopup(h('span', {}, `${lang === 'en' ? ticket.category.name_en : ticket.category.name} · ${statusName(ticket.status)}`))
          .addTo(map);
      }
    });
    let me = null;
    stop = watchBestFix((fix) => {
      if (!fix || !map) return;
      const at = toLatLng([fix.lon, fix.lat]);
      me?.remove();
      me = L.layerGroup([L.circle(at, { radius: fix.accuracy, color: '#0b5cad', weight: 1, fillOpacity: 0.1 }),
                         L.circleMarker(at, { radius: 6, color: '#fff', weight: 2, fillColor: '#0b5cad', fillOpacity: 1 })]).addTo(map);
    }, { timeoutMs: 60000 });
  });
  return section;
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
