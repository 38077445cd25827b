// Routing dry-run (派遣试算): choose a category, a point type and a point on the map, and see which rule
// fires and why the earlier ones did not.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { reference } from '../data.js';

let map = null;
window.addEventListener('hashchange', () => { map?.remove(); map = null; });

export async function render() {
  map?.remove();
  const [categories, pointTypes, grid] = await Promise.all(['categories', 'pointTypes', 'grid'].map((name) =>
    reference(name, { refresh: false }).then((r) => r.value).catch(() => [])));
  const category = h('select', { id: 'dry-category', required: true },
    ...categories.map((c) => h('option', { value: c.code }, `${c.code} ${lang === 'en' ? c.name_en : c.name}`)));
  const pointType = h('select', { id: 'dry-point-type' }, h('option', { value: '' }, t('不选')),
    ...pointTypes.map((p) => h('option', { value: p.code }, lang === 'en' ? p.name_en : p.name)));
  const where = h('p', { id: 'dry-where', class: 'hint' }, t('在地图上点选位置'));
  const result = h('div', { id: 'dry-result', 'aria-live': 'polite' });
  const box = h('div', { class: 'map small-map', role: 'application', 'aria-label': t('地图') });
  let point = null;
  let marker = null;
  async function run() {
    if (!point) { toast(t('在地图上点选位置'), { error: true }); return; }
    try {
      const decision = await api('/api/v1/routing/dry-run', { method: 'POST', json: {
        category: category.value, point_type: pointType.value || null, lat: point.lat, lon: point.lng } });
      result.replaceChildren(
        h('p', { class: 'decision' }, h('strong', {}, lang === 'en' ? decision.reason_en : decision.reason)),
        h('p', { class: 'hint' }, `${t('网格')} ${decision.cell_code || t('不在网格内')}`),
        h('ol', { class: 'history' }, ...decision.trace.map((step) => h('li', {},
          `${t('规则')} #${step.rule_id} ${step.matched ? '✓' : '✗'} ${lang === 'en' ? step.why_en : step.why}`))));
    } catch (error) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    }
  }
  requestAnimationFrame(() => {
    map = L.map(box, { attributionControl: false });
    const layer = L.geoJSON(grid, { style: { color: '#555', weight: 1, fillOpacity: 0.05 } }).addTo(map);
    map.fitBounds(layer.getBounds());
    map.on('click', (event) => {
      point = event.latlng;
      marker?.remove();
      marker = L.circleMarker(point, { radius: 8, color: '#b3261e', fillOpacity: 0.9 }).addTo(map);
      where.textContent = `${point.lat.toFixed(6)}, ${point.lng.toFixed(6)}`;
      run();
    });
  });
  category.addEventListener('change', run);
  pointType.addEventListener('change', run);
  return h('section', {}, h('h2', {}, t('派遣试算')),
    h('div', { class: 'field' }, h('label', { for: 'dry-category' }, t('问题类别')), category),
    h('div', { class: 'field' }, h('label', { for: 'dry-point-type' }, t('点位类型')), pointType),
    where, box, result);
}
