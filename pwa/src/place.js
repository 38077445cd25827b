// Getting to a place: links that open the phone's map app at a WGS-84 point, and what a map box
// shows when the map cannot be drawn (the coordinates, so the place is still known).
import gcoord from 'gcoord';
import { h } from './dom.js';
import { t } from './i18n.js';

/** A geo: URI (RFC 5870), which Android hands to whatever map app is installed; the label in q= names the pin. */
export function geoUrl(lat, lon, label = '') {
  return `geo:${lat},${lon}?q=${lat},${lon}${label ? `(${encodeURIComponent(label)})` : ''}`;
}

/** AMap's web link, which opens the app where installed. AMap wants GCJ-02, so the point is shifted. */
export function amapUrl(lat, lon, label = '') {
  const [gLon, gLat] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02);
  return `https://uri.amap.com/marker?position=${gLon.toFixed(6)},${gLat.toFixed(6)}`
    + `${label ? `&name=${encodeURIComponent(label)}` : ''}&coordinate=gaode&callnative=1`;
}

/** A distance as people say it: metres below a kilometre, kilometres above. */
export function distanceText(metres) {
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${(metres / 1000).toFixed(metres < 100000 ? 1 : 0)} km`;
}

export function navLinks(lat, lon, label = '', { inline = false } = {}) {
  return h('div', { class: inline ? 'nav-links inline' : 'nav-links' },
    h('a', { href: geoUrl(lat, lon, label), class: 'nav-geo' }, t('导航')),
    h('a', { href: amapUrl(lat, lon, label), class: 'nav-amap', target: '_blank', rel: 'noopener' }, t('高德地图')));
}

/** A map that failed: said in the box, with the point's coordinates when there is one, and logged
 * (never swallowed). */
export function mapUnavailable(box, error, point = null) {
  console.error('map failed', error);
  box.classList.add('map-failed');
  box.replaceChildren(h('p', { class: 'map-fallback', role: 'status' },
    [t('地图无法显示'), point ? `${Number(point.lat).toFixed(6)}, ${Number(point.lon).toFixed(6)}` : null].filter(Boolean).join(' · ')));
}
