// The map to tap where the problem is: loaded only when opened (Leaflet is most of its weight). Tiles as the
// county configures them; everything kept and sent stays WGS-84, converted for drawing under GCJ-02 tiles.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import gcoord from 'gcoord';
import { h } from '../dom.js';
import { tapAccuracyM } from './logic.js';
import { getJson } from './public.js';
import { t } from './text.js';

const CHINA = [[18, 73], [54, 135]];
const PICK_ZOOM = 16;
// Leaflet takes the attribution as HTML; the county's text is text.
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Draw the map in `box`, centred on `at` (a fix) when there is one; a tap calls onPick with a fix.
 * Answers { show(fix), close() }. */
export async function openPicker(box, { at, onPick }) {
  const { value: settings } = await getJson('/api/v1/public/map');
  if (!settings?.tile_url) {
    box.replaceChildren(h('p', { class: 'warn' }, t('地图暂不可用，请用手机定位')));
    return { show() {}, close() { box.replaceChildren(); } };
  }
  const shift = settings.tile_crs === 'gcj02';
  const toLatLng = ({ lat, lon }) => {
    const [x, y] = shift ? gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) : [lon, lat];
    return [y, x];
  };
  const container = h('div', { class: 'picker-map', role: 'application', 'aria-label': t('点地图标出问题所在的位置') });
  box.replaceChildren(h('p', { class: 'hint' }, t('点地图放大，再点一下标出问题所在的位置')), container);
  const map = L.map(container, { attributionControl: true });
  // crossOrigin: the same tile requests as the staff map's (its service worker caches only CORS tiles).
  L.tileLayer(settings.tile_url, { maxZoom: settings.max_zoom || 18, subdomains: '1234', crossOrigin: true,
                                   attribution: escapeHtml(settings.attribution || '') }).addTo(map);
  let marker = null;
  const mark = (fix) => {
    marker?.remove();
    marker = L.circleMarker(toLatLng(fix), { radius: 9, color: '#fff', weight: 3, fillColor: '#b3261e', fillOpacity: 1 }).addTo(map);
  };
  if (at) {
    map.setView(toLatLng(at), PICK_ZOOM + 1);
    mark(at);
  } else if (settings.bounds) {
    map.fitBounds(settings.bounds.map(([lat, lon]) => toLatLng({ lat, lon })));
  } else {
    map.fitBounds(CHINA);
  }
  map.on('click', ({ latlng }) => {
    // Zoomed out, a fingertip covers hundreds of metres: the first tap zooms in there, the next one picks.
    if (map.getZoom() < PICK_ZOOM) { map.setView(latlng, PICK_ZOOM + 1); return; }
    const [lon, lat] = shift ? gcoord.transform([latlng.lng, latlng.lat], gcoord.GCJ02, gcoord.WGS84) : [latlng.lng, latlng.lat];
    const fix = { lat, lon, accuracy: tapAccuracyM(lat, map.getZoom()), at: new Date().toISOString(), source: 'map' };
    mark(fix);
    onPick(fix);
  });
  return {
    show(fix) { if (!marker) { map.setView(toLatLng(fix), PICK_ZOOM + 1); mark(fix); } },
    close() { map.remove(); box.replaceChildren(); },
  };
}
