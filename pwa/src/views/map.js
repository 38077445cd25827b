// The map tab: the grid (an inspector's own cells highlighted), the open tickets this user may see
// coloured by their traffic light (tap: what it is, and a link to it), where I am on a field role, and
// for the desk and leaders the places where problems keep coming back (last 30 days). Tiles, their CRS
// and the grid come from minimap.js's baseMap; the last answers are kept for offline use.
import { api } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h } from '../dom.js';
import { t, statusName, errorText } from '../i18n.js';
import { watchBestFix } from '../geo.js';
import { reference } from '../data.js';
import { mapUnavailable } from '../place.js';
import { baseMap, L } from '../minimap.js';

// Marker colours (a brighter fill than the text colours, with a white ring) and each light's word.
const LIGHTS = { green: ['#1b7f3b', '正常'], yellow: ['#e0a100', '临期'], red: ['#b3261e', '超期'], none: ['#8a8a8a', '无期限'] };
const HOTSPOT_COLOUR = '#6a1b9a';
// The server's hotspot readers; everyone else gets no layer and no request.
const HOTSPOT_ROLES = new Set(['dispatcher', 'supervisor', 'ledger', 'leader', 'admin']);
const FIELD_ROLES = new Set(['inspector', 'bureau']); // only they are asked for their position

let stop = null;
let map = null;
window.addEventListener('hashchange', () => { stop?.(); stop = null; map?.remove(); map = null; });

/** The server's answer, kept for offline use; the kept copy when the server cannot be reached. */
async function cached(key, path) {
  try {
    const value = await api(path);
    await kvSet(key, value);
    return value;
  } catch (error) {
    const stored = await kvGet(key);
    if (stored === undefined || error.status === 401 || error.status === 403) throw error;
    return stored;
  }
}

export async function render({ user }) {
  stop?.();
  map?.remove();
  map = null;
  const container = h('div', { id: 'map', class: 'map', role: 'application', 'aria-label': t('地图') });
  // Leaflet needs the container in the document to measure it.
  requestAnimationFrame(() => {
    if (!container.isConnected) return;
    draw(container, user).catch((error) => {
      map?.remove();
      map = null;
      mapUnavailable(container, error);
    });
  });
  return h('section', { class: 'map-view' }, h('h2', { class: 'visually-hidden' }, t('地图')), container);
}

async function draw(container, user) {
  const me = await reference('me', { refresh: false }).then((r) => r.value).catch(() => user);
  const mine = new Set((me?.cells || []).map((cell) => cell.code));
  const drawn = await baseMap(container, { grid: false, zoomSnap: 0.25 });
  if (!container.isConnected) { drawn.map.remove(); return; }
  map = drawn.map;
  const { grid, shiftGrid, toLatLng } = drawn;
  if (!grid) throw new Error('no saved grid');
  const cells = L.geoJSON(shiftGrid(grid), {
    style: (feature) => (mine.has(feature.properties.code)
      ? { color: '#0b5cad', weight: 3, fillColor: '#0b5cad', fillOpacity: 0.18 }
      : { color: '#555', weight: 1, fillOpacity: 0.04 }),
    // Leaflet treats strings as HTML; names come from the server, so it gets nodes.
    onEachFeature: (feature, cell) => cell.bindTooltip(h('span', {}, feature.properties.name)),
  }).addTo(map);
  const myCells = cells.getLayers().filter((cell) => mine.has(cell.feature.properties.code));
  map.fitBounds((myCells.length ? L.featureGroup(myCells) : cells).getBounds(), { padding: [12, 12] });
  // Hotspots above the cells, tickets above both: each pane its own layer, so toggling keeps the order.
  map.createPane('hotspots').style.zIndex = 410;
  map.createPane('tickets').style.zIndex = 420;

  const shown = map;
  const [tickets, hotspots] = await Promise.allSettled([
    cached('map:tickets', '/api/v1/map/tickets'),
    HOTSPOT_ROLES.has(user.role) ? cached('map:hotspots', '/api/v1/map/hotspots?days=30') : Promise.resolve(null)]);
  if (map !== shown) return; // navigated away meanwhile
  const legend = h('div', { class: 'map-legend', id: 'map-legend' });

  if (tickets.status === 'fulfilled') {
    const layer = ticketLayer(tickets.value.items, toLatLng).addTo(map);
    legend.append(toggle('map-show-tickets', `${t('工单')} ${tickets.value.items.length}`, layer),
      h('div', { class: 'swatches' }, ...Object.values(LIGHTS).map(([colour, word]) =>
        h('span', {}, h('span', { class: 'swatch', style: `background:${colour}` }), t(word)))));
    if (tickets.value.truncated) legend.append(h('p', { class: 'meta' }, t('仅显示期限最近的2000件')));
    // A unit's tickets may lie anywhere in the county: show them rather than the whole grid.
    if (!myCells.length && user.role === 'bureau' && tickets.value.items.length) {
      map.fitBounds(layer.getBounds().pad(0.1), { maxZoom: 16 });
    }
  } else {
    console.error('map tickets failed', tickets.reason);
    legend.append(h('p', { class: 'error' }, `${t('工单')}：${errorText(tickets.reason)}`));
  }
  if (hotspots.status === 'fulfilled' && hotspots.value) {
    const layer = hotspotLayer(hotspots.value, toLatLng).addTo(map);
    legend.append(toggle('map-show-hotspots', `${t('反复问题（近30天）')} ${hotspots.value.length}`, layer, HOTSPOT_COLOUR));
  } else if (hotspots.status === 'rejected') {
    console.error('map hotspots failed', hotspots.reason);
    legend.append(h('p', { class: 'error' }, `${t('反复问题（近30天）')}：${errorText(hotspots.reason)}`));
  }
  const control = L.control({ position: 'bottomleft' });
  control.onAdd = () => {
    L.DomEvent.disableClickPropagation(legend);
    L.DomEvent.disableScrollPropagation(legend);
    return legend;
  };
  control.addTo(map);

  if (FIELD_ROLES.has(user.role)) {
    let here = null;
    stop = watchBestFix((fix) => {
      if (!fix || map !== shown) return;
      const at = toLatLng(fix.lon, fix.lat);
      here?.remove();
      here = L.layerGroup([L.circle(at, { radius: fix.accuracy, color: '#0b5cad', weight: 1, fillOpacity: 0.1 }),
                           L.circleMarker(at, { radius: 6, color: '#fff', weight: 2, fillColor: '#0b5cad', fillOpacity: 1 })]).addTo(map);
    }, { timeoutMs: 60000 });
  }
}

/** A checkbox that shows or hides a layer, with the layer's colour when it has one. */
function toggle(id, label, layer, colour = null) {
  const box = h('input', { type: 'checkbox', id, checked: true, onchange: () => {
    if (box.checked) layer.addTo(map); else layer.remove();
  } });
  return h('label', { class: 'check', for: id }, box,
    colour ? h('span', { class: 'swatch ring', style: `border-color:${colour}` }) : null, label);
}

function ticketLayer(items, toLatLng) {
  // Red drawn last, so it is on top where tickets crowd together.
  const order = { red: 3, yellow: 2, green: 1 };
  return L.featureGroup([...items].sort((a, b) => (order[a.light] || 0) - (order[b.light] || 0)).map((ticket) => {
    const [colour, word] = LIGHTS[ticket.light] || LIGHTS.none;
    return L.circleMarker(toLatLng(ticket.lon, ticket.lat), { pane: 'tickets', radius: ticket.light === 'red' ? 9 : 7,
                                                              color: '#fff', weight: 2, fillColor: colour, fillOpacity: 0.95 })
      .bindPopup(h('div', { class: 'popup', 'data-ticket': ticket.id },
        h('strong', {}, ticket.category_name), h('br'),
        h('span', { class: `light ${ticket.light || ''}` }, `● ${t(word)}`), ` · ${statusName(ticket.status)}`,
        ticket.recurring ? h('span', { class: 'mark' }, t('反复')) : null, h('br'),
        h('a', { href: `#/tickets/${ticket.id}` }, `${t('查看工单')} ›`)));
  }));
}

function hotspotLayer(spots, toLatLng) {
  return L.featureGroup(spots.map((spot) => L.circleMarker(toLatLng(spot.lon, spot.lat), {
    pane: 'hotspots', radius: Math.min(8 + 5 * Math.sqrt(spot.count), 36), color: HOTSPOT_COLOUR, weight: 2,
    fillColor: HOTSPOT_COLOUR, fillOpacity: 0.22 })
    .bindPopup(h('div', { class: 'popup hotspot' },
      `${spot.cell_name} · ${spot.category_name} · `
      + t('{n} 次（反复 {m}）').replace('{n}', spot.count).replace('{m}', spot.recurring)))));
}
