// 系统管理 · 网格: a GeoJSON file of cells, with its coordinate system, checked by the server exactly as the import
// checks it, changing nothing (POST /grid/import/preview). Refused: each problem in a list and on the map (the
// features outlined in red, their overlaps filled); an item of the list shows its feature, a feature its item.
// Good: the cells it adds and changes, and those it leaves out (kept: an import never deletes a cell), on the
// map in a colour each and in a list; then the import itself.
import { api } from '../api.js';
import { h } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { reference } from '../data.js';
import { mapUnavailable } from '../place.js';

const RED = '#b3261e';
const KINDS = {
  added: ['#1b7f3b', '新增'],
  changed: ['#c25e00', '修改'],
  absent: ['#5f6b7a', '文件中没有（保留）'],
};
const FIELDS = { name: '名称', responsible_unit: '责任单位', valid_from: '初始日期', valid_to: '终止日期',
                 inspectors: '网格员', geometry: '边界（面积）' };
// No zoom animation: one ending under another's fit left the drawing scaled on phones.
const FIT = { maxZoom: 17, padding: [24, 24], animate: false };

let map = null;
let L = null; // Leaflet, loaded with the map
window.addEventListener('hashchange', () => { map?.remove(); map = null; });

export async function render() {
  map?.remove();
  map = null;
  // The freshest grid, which the base map then draws.
  const grid = await reference('grid').then((r) => r.value).catch(() => null);
  const box = h('div', { id: 'grid-map', class: 'map grid-map', role: 'application', 'aria-label': t('网格地图') });
  // What is drawn: the base map, the stored cells, a check's result and its legend (none if the map failed).
  const view = { box, drawn: null, gridLayer: null, overlay: null, legend: null };
  const ready = new Promise((resolve) => requestAnimationFrame(() => drawMap(view).catch((error) => {
    map?.remove();
    map = null;
    view.drawn = null;
    mapUnavailable(box, error);
  }).finally(resolve)));
  const count = h('p', { class: 'hint', id: 'grid-count' }, t('现有 {n} 个网格', { n: grid?.features?.length ?? 0 }));
  return h('section', { class: 'grid-admin' }, h('h2', {}, t('网格管理')), count,
    h('div', { class: 'grid-admin-body' }, h('div', { class: 'grid-admin-side' }, uploadForm(view, ready, count)), box));
}

async function drawMap(view) {
  if (!view.box.isConnected) return;
  const minimap = await import('../minimap.js');
  const drawn = await minimap.baseMap(view.box, { grid: false, zoomSnap: 0.25 });
  if (!view.box.isConnected) { drawn.map.remove(); return; }
  ({ L } = minimap);
  map = drawn.map;
  view.drawn = drawn;
  drawGrid(view, drawn.grid);
}

/** The cells as stored, faint, under whatever a check draws. */
function drawGrid(view, grid) {
  view.gridLayer?.remove();
  view.gridLayer = grid?.features?.length
    ? L.geoJSON(view.drawn.shiftGrid(grid), { style: { color: '#666', weight: 1, fillOpacity: 0.03 },
      onEachFeature: (cell, layer) => layer.bindTooltip(h('span', {}, `${cell.properties.name} ${cell.properties.code}`)) }).addTo(map)
    : null;
  if (view.gridLayer) map.fitBounds(view.gridLayer.getBounds());
}

function clearOverlay(view) {
  view.overlay?.remove();
  view.legend?.remove();
  view.overlay = null;
  view.legend = null;
}

/** Geometries drawn in the map's CRS, classed as what they show; null when there is no map or nothing to draw. */
function shapes(view, parts, tooltip) {
  if (!view.drawn) return null;
  const layers = parts.filter(([geometry]) => geometry).map(([geometry, className, style]) => L.geoJSON(
    view.drawn.shiftGrid({ type: 'Feature', geometry, properties: {} }), { style: { ...style, className } }));
  return layers.length ? L.featureGroup(layers).bindTooltip(h('span', {}, tooltip)) : null;
}

function show(view, groups) {
  const drawn = groups.filter(Boolean);
  if (!view.drawn) return;
  view.overlay = L.featureGroup(drawn).addTo(map);
  if (drawn.length) map.fitBounds(view.overlay.getBounds(), FIT);
}

function uploadForm(view, ready, count) {
  const file = h('input', { id: 'grid-file', type: 'file', accept: '.geojson,.json', required: true });
  const crs = h('select', { id: 'grid-crs' }, h('option', { value: 'wgs84' }, t('WGS-84（GPS、天地图）')),
    h('option', { value: 'gcj02' }, t('GCJ-02（高德、腾讯地图）')));
  const fileError = h('p', { class: 'error field-error', id: 'grid-file-error', role: 'alert', hidden: true });
  const result = h('div', { id: 'grid-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('检查文件'));
  const form = h('form', { class: 'import', id: 'grid-form', novalidate: true },
    h('p', { class: 'hint' }, t('GeoJSON 要素集，每个网格一个 Polygon 或 MultiPolygon，属性 code（14或15位编码）、name、responsible_unit、inspectors、valid_from、valid_to。先检查，确认后再导入；有一处错误则整个文件不导入。')),
    h('label', { for: file.id }, t('网格文件（.geojson）')), file, fileError,
    h('label', { for: crs.id }, t('坐标系')), crs, button, result);
  const refuse = (message) => {
    fileError.textContent = message;
    fileError.hidden = false;
    file.setAttribute('aria-invalid', 'true');
    file.setAttribute('aria-describedby', fileError.id);
  };
  const reset = () => {
    fileError.hidden = true;
    file.removeAttribute('aria-invalid');
    file.removeAttribute('aria-describedby');
    result.replaceChildren();
    clearOverlay(view);
  };
  // A check holds for the file and coordinate system it was made with: choosing another makes it stale.
  file.addEventListener('change', reset);
  crs.addEventListener('change', reset);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    reset();
    const chosen = file.files[0];
    if (!chosen) { refuse(t('请选择网格文件')); return; }
    let doc;
    try {
      doc = JSON.parse(await chosen.text());
    } catch {
      refuse(t('文件不是有效的 JSON'));
      return;
    }
    button.disabled = true;
    result.replaceChildren(h('p', { class: 'hint' }, t('检查中…')));
    try {
      const preview = await api(`/api/v1/grid/import/preview?crs=${crs.value}`, { method: 'POST', json: doc });
      await ready;
      if (preview.valid) showDiff(view, result, preview, () => confirmImport(view, result, doc, crs.value, count));
      else showProblems(view, result, preview.errors);
    } catch (error) {
      result.replaceChildren();
      refuse(errorText(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

const problemText = (problem) => (lang === 'en' ? problem.message_en : problem.message);

function showProblems(view, result, problems) {
  const groups = problems.map((problem) => shapes(view, [
    [problem.overlap, 'grid-overlap', { color: RED, weight: 1, fillColor: RED, fillOpacity: 0.55 }],
    [problem.other_geometry, 'grid-other', { color: RED, weight: 2, dashArray: '6 4', fillOpacity: 0 }],
    [problem.geometry, 'grid-error', { color: RED, weight: 3, fillColor: RED, fillOpacity: 0.08 }],
  ], `${problem.code || ''} ${problemText(problem)}`));
  const items = problems.map((problem, n) => h('li', { 'data-index': problem.index, 'aria-current': 'false' },
    h('button', { type: 'button', class: 'link-button', onclick: () => select(n) },
      h('strong', {}, problem.index < 0 ? t('整个文件') : t('要素 {n}', { n: problem.index })),
      problem.code ? h('span', { class: 'code' }, problem.code) : null),
    h('span', {}, problemText(problem)),
    groups[n] ? null : h('span', { class: 'hint' }, t('（无法在地图上显示）'))));
  // The item and its feature together: either one picked shows the other.
  function select(n) {
    items.forEach((item, i) => item.setAttribute('aria-current', String(i === n)));
    items[n].scrollIntoView({ block: 'nearest' });
    if (groups[n]) {
      map.fitBounds(groups[n].getBounds(), FIT);
      groups[n].bringToFront();
    }
  }
  groups.forEach((group, n) => group?.on('click', () => select(n)));
  show(view, groups);
  result.replaceChildren(
    h('p', { class: 'error', role: 'alert', id: 'grid-refused' }, t('文件有 {n} 处错误，未导入任何网格', { n: problems.length })),
    h('p', { class: 'hint' }, t('点击一处错误，地图上显示它的位置：红框为出错的网格，红色填充为重叠部分，虚线为与之重叠的网格。')),
    h('ol', { class: 'grid-problems', id: 'grid-errors' }, ...items));
}

function fieldValue(field, value) {
  if (value === null || value === undefined || (Array.isArray(value) && !value.length)) return '—';
  if (field === 'geometry') return `${Math.round(value).toLocaleString()} m²`;
  return Array.isArray(value) ? value.join(t('、')) : String(value);
}

function showDiff(view, result, preview, confirm) {
  const groups = {};
  for (const [kind, [colour]] of Object.entries(KINDS)) {
    for (const cell of preview[kind]) {
      groups[cell.code] = shapes(view, [
        [cell.before_geometry, 'grid-before', { color: '#222', weight: 2, dashArray: '3 5', fillOpacity: 0 }],
        [cell.geometry, `grid-${kind}`, kind === 'absent'
          ? { color: colour, weight: 2, dashArray: '4 4', fillColor: colour, fillOpacity: 0.15 }
          : { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.3 }],
      ], `${cell.name} ${cell.code}`);
    }
  }
  show(view, Object.values(groups));
  const changed = [...preview.added, ...preview.changed].map((cell) => groups[cell.code]).filter(Boolean);
  if (changed.length) map.fitBounds(L.featureGroup(changed).getBounds(), FIT);
  if (view.drawn) view.legend = legend();

  const showCell = (code) => {
    if (!groups[code]) return;
    map.fitBounds(groups[code].getBounds(), FIT);
    groups[code].openTooltip();
  };
  const swatch = (colour) => h('span', { class: 'swatch square', style: `background:${colour}` });
  const cellItem = (cell) => h('li', { 'data-code': cell.code },
    h('button', { type: 'button', class: 'link-button', onclick: () => showCell(cell.code) },
      h('strong', {}, cell.name), h('span', { class: 'code' }, cell.code)),
    cell.fields.length ? h('ul', { class: 'field-changes' }, ...cell.fields.map((f) => h('li', {},
      h('span', { class: 'field-name' }, t(FIELDS[f.field] || f.field)), t('：'),
      `${fieldValue(f.field, f.before)} → ${fieldValue(f.field, f.after)}`))) : null);
  const section = (kind) => {
    const [colour, label] = KINDS[kind];
    const cells = preview[kind];
    // What is left out may be most of the county: folded.
    return cells.length ? h('details', { class: 'diff-section', id: `grid-${kind}`, open: kind !== 'absent' },
      h('summary', {}, swatch(colour), ` ${t(label)} ${cells.length}`),
      h('ul', { class: 'diff-cells' }, ...cells.map(cellItem))) : null;
  };
  const counts = h('p', { class: 'diff-counts', id: 'grid-diff-counts' },
    ...Object.entries(KINDS).map(([kind, [colour, label]]) => h('span', { 'data-kind': kind },
      swatch(colour), ` ${t(label)} `, h('strong', {}, String(preview[kind].length)))),
    h('span', { 'data-kind': 'unchanged' }, `${t('未变')} `, h('strong', {}, String(preview.unchanged))));
  const button = h('button', { type: 'button', class: 'primary', id: 'grid-confirm', onclick: async () => {
    button.disabled = true;
    try {
      await confirm();
    } catch (error) {
      button.disabled = false;
      result.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    }
  } }, t('确认导入'));
  result.replaceChildren(
    h('p', { class: 'queued', role: 'status' }, t('文件检查通过，尚未导入。')), counts,
    preview.absent.length ? h('p', { class: 'hint' }, t('导入不会删除网格：文件中没有的网格保持不变。要停用一个网格，请在文件中填写它的终止日期 valid_to。')) : null,
    section('added'), section('changed'), section('absent'),
    preview.added.length + preview.changed.length ? button : h('p', { class: 'hint', id: 'grid-nothing' }, t('与现有网格相同，无需导入')));
}

/** What the colours of a check mean, on the map. */
function legend() {
  const control = L.control({ position: 'bottomleft' });
  control.onAdd = () => h('div', { class: 'map-legend', id: 'grid-legend' },
    ...Object.values(KINDS).map(([colour, label]) => h('p', {}, h('span', { class: 'swatch square', style: `background:${colour}` }), ` ${t(label)}`)),
    h('p', {}, h('span', { class: 'swatch dashed' }), ` ${t('原边界')}`));
  return control.addTo(map);
}

async function confirmImport(view, result, doc, crs, count) {
  const done = await api(`/api/v1/grid/import?crs=${crs}`, { method: 'POST', json: doc });
  const grid = await reference('grid').then((r) => r.value).catch(() => null);
  clearOverlay(view);
  if (view.drawn) drawGrid(view, grid);
  count.textContent = t('现有 {n} 个网格', { n: grid?.features?.length ?? 0 });
  result.replaceChildren(h('p', { class: 'queued', role: 'status', id: 'grid-imported' },
    t('已导入 {n} 个网格（第 {revision} 版）', { n: done.imported, revision: done.revision })));
}
