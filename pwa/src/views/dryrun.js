// Routing dry-run (派遣试算): choose a category, a point type and a point on the map, and see which rule
// fires and why the earlier ones did not. Until a point is chosen, the page says so where the result goes.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import { api } from '../api.js';
import { h } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { reference } from '../data.js';

let map = null;
window.addEventListener('hashchange', () => { map?.remove(); map = null; });

export async function render() {
  map?.remove();
  const [categories, pointTypes, grid] = await Promise.all(['categories', 'pointTypes', 'grid'].map((name) =>
    reference(name, { refresh: false }).then((r) => r.value).catch(() => [])));
  const category = h('select', { id: 'dry-category', required: true },
    ...categories.map((c) => h('option', { value: c.code }, `${lang === 'en' ? c.name_en : c.name} · ${c.code}`)));
  const pointType = h('select', { id: 'dry-point-type' }, h('option', { value: '' }, t('不选')),
    ...pointTypes.map((p) => h('option', { value: p.code }, lang === 'en' ? p.name_en : p.name)));
  const when = h('input', { id: 'dry-at', type: 'datetime-local' });
  const where = h('p', { id: 'dry-where', class: 'hint', role: 'status' }, t('在地图上点选位置'));
  const result = h('div', { id: 'dry-result', 'aria-live': 'polite' });
  const box = h('div', { class: 'map small-map', role: 'application', 'aria-label': t('地图') });
  let point = null;
  let marker = null;
  async function run() {
    if (!point) {
      where.textContent = t('请在地图上点选位置');
      where.className = 'warn';
      return;
    }
    try {
      const decision = await api('/api/v1/routing/dry-run', { method: 'POST', json: {
        category: category.value, point_type: pointType.value || null, lat: point.lat, lon: point.lng,
        at: when.value || null } }); // without an offset: the server reads it on the county's clock
      result.replaceChildren(
        h('p', { class: 'decision', id: 'dry-bureau' }, `${t('承办单位')}${t('：')}`,
          h('strong', {}, decision.bureau_name || t('转人工分派'))),
        h('p', { id: 'dry-cell' }, `${t('网格')}${t('：')}`,
          decision.cell_name ? [decision.cell_name, ' ', h('small', { class: 'code' }, decision.cell_code)] : t('不在网格内')),
        decision.deadline_at ? h('p', { id: 'dry-deadline' }, `${t('处置期限')}${t('：')}`, h('strong', {}, fullTime(decision.deadline_at))) : null,
        h('p', { class: 'hint' }, lang === 'en' ? decision.reason_en : decision.reason),
        h('ol', { class: 'history' }, ...decision.trace.map((step) => h('li', {},
          `${t('规则')} #${step.rule_id} ${step.matched ? '✓' : '✗'} ${lang === 'en' ? step.why_en : step.why}`))));
      // On a phone the result is below the map, under the tab bar: bring its first lines into sight.
      const head = result.firstElementChild;
      if (head.getBoundingClientRect().bottom > innerHeight - 64) head.scrollIntoView({ block: 'center', behavior: 'smooth' });
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
      where.className = 'hint';
      run();
    });
  });
  category.addEventListener('change', run);
  pointType.addEventListener('change', run);
  when.addEventListener('change', run);
  return h('section', {}, h('h2', {}, t('派遣试算')),
    h('div', { class: 'field' }, h('label', { for: 'dry-category' }, t('问题类别')), category),
    h('div', { class: 'field' }, h('label', { for: 'dry-point-type' }, t('点位类型')), pointType),
    h('div', { class: 'field' }, h('label', { for: 'dry-at' }, t('上报时间（不填为现在）')), when),
    where, box, result);
}

// A deadline may fall in another year (after the Spring Festival): the date in full, with its weekday.
const fullTime = (value) => new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai',
  year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(value));
