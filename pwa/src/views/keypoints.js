// 点位管理 (dispatcher, admin): the key points with search and filters, a form to create or edit one
// (its place tapped on a small map), a file import that is all or nothing with a per-row error
// report, and each point type's current checklist, read-only.
import { api } from '../api.js';
import { h, formatTime, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { reference } from '../data.js';
import { importFormat } from '../points.js';
import { pointMeta, split } from './parts.js';

const KINDS = [['department', '县直部门'], ['street', '街道/乡镇'], ['enterprise', '国有企业'], ['office', '办公室']];
const FREQUENCIES = [['daily', '每日巡查'], ['weekly', '每周巡查']];
const FREQUENCY_NAMES = Object.fromEntries(FREQUENCIES);
const IMPORT_HINT = '每行一个点位，按名称新建或更新；有一行出错则整批不导入。列：name, point_type, lat, lon'
  + '（GeoJSON 为点几何），可选 bureau_code, has_cctv, camera_no, camera_view, declared, patrol_frequency, active_from, active_to。';
// Filters outlive a re-render (opening a point, saving one) for as long as the page is open.
const filters = { q: '', type: '', cctv: '', declared: '', active: '' };

let map = null;
window.addEventListener('hashchange', () => { map?.remove(); map = null; });

export async function render({ params, rerender }) {
  map?.remove();
  map = null;
  const listBox = h('div', { id: 'keypoints' });
  const shownCount = h('p', { class: 'hint', role: 'status' });
  let points = [];
  let pointTypes = [];
  let bureaus = [];
  try {
    [points, pointTypes, bureaus] = await Promise.all([api('/api/v1/key-points'),
      reference('pointTypes').then((r) => r.value), api('/api/v1/bureaus')]);
  } catch (error) {
    return split(h('section', {}, h('h2', {}, t('点位管理')), h('p', { class: 'error', role: 'alert' }, errorText(error))), null);
  }
  const typeName = (code) => {
    const type = pointTypes.find((p) => p.code === code);
    return type ? (lang === 'en' ? type.name_en : type.name) : code;
  };
  const draw = () => {
    const q = filters.q.trim().toLowerCase();
    const yes = (filter, value) => !filter || (filter === 'yes') === Boolean(value);
    const shown = points.filter((p) => (!q || p.name.toLowerCase().includes(q)) && (!filters.type || p.point_type === filters.type)
      && yes(filters.cctv, p.has_cctv) && yes(filters.declared, p.declared) && yes(filters.active, p.is_active));
    shownCount.textContent = `${t('共')} ${shown.length} / ${points.length}`;
    listBox.replaceChildren(shown.length ? h('ul', { class: 'tickets', id: 'keypoint-list' }, ...shown.map((p) => h('li', {},
        h('a', { href: `#/keypoints/${p.id}`, 'data-id': p.id, 'aria-current': String(p.id) === params[0] ? 'true' : null },
          h('strong', {}, p.name), ' ', h('span', { class: 'status' }, typeName(p.point_type)),
          p.is_active ? null : h('span', { class: 'mark' }, t('停用')),
          h('div', { class: 'meta' }, [pointMeta(p), t(FREQUENCY_NAMES[p.patrol_frequency])].filter(Boolean).join(' · '))))))
        : h('p', { class: 'empty' }, t('暂无点位')));
  };
  const reload = async () => {
    points = await api('/api/v1/key-points');
    draw();
  };
  draw();

  const list = h('section', { class: 'keypoints' }, h('h2', {}, t('点位管理')),
    h('a', { href: '#/keypoints/new', class: 'button-link', id: 'new-keypoint' }, `＋ ${t('新建点位')}`),
    importBox(reload), checklistBox(pointTypes, typeName), filterForm(pointTypes, typeName, draw), shownCount, listBox);
  let detail = null;
  if (params[0]) {
    const point = params[0] === 'new' ? null : points.find((p) => String(p.id) === params[0]);
    const back = h('a', { href: '#/keypoints', class: 'back' }, `‹ ${t('返回')}`);
    detail = params[0] !== 'new' && !point
      ? h('section', {}, back, h('p', { class: 'error', role: 'alert' }, t('点位不存在')))
      : pointForm(point, { pointTypes, bureaus, typeName, back, saved: (id) => {
        if (location.hash === `#/keypoints/${id}`) rerender(); else location.hash = `#/keypoints/${id}`;
      } });
  }
  return split(list, detail, t('选择一个点位，或新建点位'));
}

function filterForm(pointTypes, typeName, draw) {
  const select = (key, label, options) => {
    const node = h('select', { id: `kp-filter-${key}`, onchange: () => { filters[key] = node.value; draw(); } },
      ...options.map(([value, text]) => h('option', { value, selected: filters[key] === value }, text)));
    return h('div', {}, h('label', { for: node.id }, t(label)), node);
  };
  const search = h('input', { id: 'kp-search', type: 'search', value: filters.q, placeholder: t('输入点位名称'),
                              oninput: () => { filters.q = search.value; draw(); } });
  return h('form', { class: 'filters', role: 'search', onsubmit: (event) => event.preventDefault() },
    h('div', { class: 'wide' }, h('label', { for: 'kp-search' }, t('搜索名称')), search),
    select('type', '类型', [['', t('全部')], ...pointTypes.map((p) => [p.code, typeName(p.code)])]),
    select('cctv', '监控', [['', t('全部')], ['yes', t('有监控')], ['no', t('无监控')]]),
    select('declared', '申报点位', [['', t('全部')], ['yes', t('是')], ['no', t('否')]]),
    select('active', '状态', [['', t('全部')], ['yes', t('启用')], ['no', t('停用')]]));
}

/** The create / edit form; `point` is null for a new one. */
function pointForm(point, { pointTypes, bureaus, typeName, back, saved }) {
  const p = point || { has_cctv: false, declared: false, patrol_frequency: 'weekly', is_active: true };
  const input = (id, attrs) => h('input', { id, ...attrs });
  const check = (id, label, checked) => {
    const box = h('input', { id, type: 'checkbox', checked: Boolean(checked) });
    return [box, h('label', { class: 'check', for: id }, box, t(label))];
  };
  const name = input('kp-name', { type: 'text', required: true, maxLength: 64, value: p.name || '' });
  const type = h('select', { id: 'kp-type', required: true },
    point ? null : h('option', { value: '' }, t('请选择')),
    ...pointTypes.map((pt) => h('option', { value: pt.code, selected: pt.code === p.point_type }, typeName(pt.code))));
  const coordinate = (id, value, min, max) => input(id, { type: 'number', step: 'any', min, max, required: true, value: value ?? '',
                                                          inputMode: 'decimal' });
  const lat = coordinate('kp-lat', p.lat, -90, 90);
  const lon = coordinate('kp-lon', p.lon, -180, 180);
  const bureau = h('select', { id: 'kp-bureau' }, h('option', { value: '' }, t('（按网格责任单位）')),
    ...KINDS.map(([kind, label]) => {
      const members = bureaus.filter((b) => b.kind === kind && (b.is_active || b.code === p.bureau_code));
      return members.length ? h('optgroup', { label: t(label) }, ...members.map((b) =>
        h('option', { value: b.code, selected: b.code === p.bureau_code }, lang === 'en' && b.name_en ? b.name_en : b.name))) : null;
    }));
  const [cctv, cctvLabel] = check('kp-cctv', '有监控（明察点位）', p.has_cctv);
  const cameraNo = input('kp-camera-no', { type: 'text', maxLength: 32, value: p.camera_no || '' });
  const cameraView = input('kp-camera-view', { type: 'text', maxLength: 128, value: p.camera_view || '',
                                               placeholder: t('如：路口东北角，朝西') });
  const camera = h('fieldset', { class: 'camera-fields', hidden: !p.has_cctv }, h('legend', {}, t('监控')),
    h('label', { for: cameraNo.id }, t('摄像头编号')), cameraNo, h('label', { for: cameraView.id }, t('监控画面')), cameraView);
  const [declared, declaredLabel] = check('kp-declared', '申报点位（必查）', p.declared);
  const frequency = h('select', { id: 'kp-frequency' },
    ...FREQUENCIES.map(([value, label]) => h('option', { value, selected: value === p.patrol_frequency }, t(label))));
  // A new point follows the server's default (daily for cameras and declared sites) until the user picks.
  let frequencyChosen = Boolean(point);
  frequency.addEventListener('change', () => { frequencyChosen = true; });
  const follow = () => {
    camera.hidden = !cctv.checked;
    if (!frequencyChosen) frequency.value = cctv.checked || declared.checked ? 'daily' : 'weekly';
  };
  cctv.addEventListener('change', follow);
  declared.addEventListener('change', follow);
  const from = input('kp-from', { type: 'date', value: p.active_from || '' });
  const to = input('kp-to', { type: 'date', value: p.active_to || '' });
  const [active, activeLabel] = check('kp-active', '启用', p.is_active);
  const problems = h('div', { id: 'kp-errors', role: 'alert' });
  const mapBox = h('div', { class: 'map small-map kp-map', role: 'application', 'aria-label': t('在地图上点选位置') });
  const field = (node, label) => h('div', { class: 'field' }, h('label', { for: node.id }, t(label)), node);

  const form = h('form', { class: 'card keypoint-form', id: 'keypoint-form' },
    field(name, '点位名称'), field(type, '点位类型'),
    h('fieldset', {}, h('legend', {}, t('位置（WGS-84）')),
      h('div', { class: 'pair' }, field(lat, '纬度'), field(lon, '经度')),
      h('p', { class: 'hint' }, t('在地图上点选位置')), mapBox,
      point?.cell_name ? h('p', { class: 'hint' }, `${t('网格')}${t('：')}${point.cell_name}`) : null),
    field(bureau, '责任单位'), cctvLabel, camera, declaredLabel, field(frequency, '巡查频次'),
    h('div', { class: 'pair' }, field(from, '启用日期'), field(to, '停用日期')), activeLabel,
    problems, h('button', { type: 'submit', class: 'primary' }, t(point ? '保存' : '新建点位')));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    const text = (node) => node.value.trim() || null;
    const body = { name: name.value.trim(), point_type: type.value, lat: Number(lat.value), lon: Number(lon.value),
                   bureau_code: bureau.value || null, has_cctv: cctv.checked, camera_no: text(cameraNo),
                   camera_view: text(cameraView), declared: declared.checked,
                   patrol_frequency: frequency.value, active_from: from.value || null, active_to: to.value || null,
                   is_active: active.checked };
    button.disabled = true;
    problems.replaceChildren();
    try {
      const result = await api(point ? `/api/v1/key-points/${point.id}` : '/api/v1/key-points',
        { method: point ? 'PATCH' : 'POST', json: body });
      toast(`${t('已保存')} · ${result.name}`);
      saved(result.id);
    } catch (error) {
      problems.replaceChildren(h('p', { class: 'error' }, errorText(error)), fieldErrors(error, form));
    } finally {
      button.disabled = false;
    }
  });
  requestAnimationFrame(() => placeOnMap(mapBox, lat, lon));
  return h('section', {}, back, h('h2', {}, point ? point.name : t('新建点位')), form);
}

// The server's validation errors name fields by their JSON key: say which form label they belong to.
function fieldErrors(error, form) {
  if (error.code !== 'validation_error' || !Array.isArray(error.detail?.details)) return null;
  const ids = { name: 'kp-name', point_type: 'kp-type', lat: 'kp-lat', lon: 'kp-lon', bureau_code: 'kp-bureau',
                camera_no: 'kp-camera-no', camera_view: 'kp-camera-view', patrol_frequency: 'kp-frequency',
                active_from: 'kp-from', active_to: 'kp-to' };
  return h('ul', { class: 'error' }, ...error.detail.details.map((d) => {
    const key = d.loc?.[d.loc.length - 1];
    const label = ids[key] && form.querySelector(`label[for="${ids[key]}"]`)?.textContent;
    return h('li', {}, label ? `${label}${t('：')}${d.msg}` : d.msg);
  }));
}

// Tap the map to set the coordinates; typing them moves the marker. Leaflet loads only here.
async function placeOnMap(box, lat, lon) {
  if (!box.isConnected) return;
  const { baseMap, L } = await import('../minimap.js');
  const drawn = await baseMap(box, { zoomSnap: 0.25 });
  if (!box.isConnected) { drawn.map.remove(); return; }
  map = drawn.map;
  let marker = null;
  const show = () => {
    const [la, lo] = [Number(lat.value), Number(lon.value)];
    if (!lat.value || !lon.value || Number.isNaN(la) || Number.isNaN(lo)) return false;
    const at = drawn.toLatLng(lo, la);
    if (marker) marker.setLatLng(at);
    else marker = L.circleMarker(at, { radius: 9, color: '#fff', weight: 2, fillColor: '#b3261e', fillOpacity: 0.95 }).addTo(map);
    return at;
  };
  const at = show();
  if (at) map.setView(at, 16);
  else if (drawn.gridLayer) map.fitBounds(drawn.gridLayer.getBounds());
  else map.fitWorld();
  map.on('click', (event) => {
    const [lo, la] = drawn.toWgs(event.latlng);
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    show();
  });
  const follow = () => { const moved = show(); if (moved) map?.panTo(moved); };
  lat.addEventListener('change', follow);
  lon.addEventListener('change', follow);
}

function importBox(reload) {
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,.xlsx,.geojson,.json', required: true });
  const crs = h('select', { id: 'import-crs' }, h('option', { value: 'wgs84' }, t('WGS-84（GPS、天地图）')),
    h('option', { value: 'gcj02' }, t('GCJ-02（高德、腾讯地图）')));
  const outcome = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'import' },
    h('p', { class: 'hint' }, t(IMPORT_HINT)),
    h('label', { for: 'import-file' }, t('文件（.csv、.xlsx、.geojson）')), file,
    h('label', { for: 'import-crs' }, t('坐标系')), crs,
    h('button', { type: 'submit', class: 'primary' }, t('导入')), outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    const format = chosen && importFormat(chosen.name);
    if (!format) {
      outcome.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('请选择 .csv、.xlsx 或 .geojson 文件')));
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    outcome.replaceChildren(h('p', { class: 'hint' }, t('导入中…')));
    try {
      const result = await api(`/api/v1/key-points/import?format=${format.format}&crs=${crs.value}`,
        { method: 'POST', body: await chosen.arrayBuffer(), headers: { 'Content-Type': format.type } });
      outcome.replaceChildren(h('p', { class: 'queued', role: 'status' },
        `${t('导入完成')}${t('：')}${t('新建')} ${result.created} · ${t('已更新')} ${result.updated}`));
      await reload();
    } catch (error) {
      outcome.replaceChildren(...importErrors(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'action', id: 'import-box' }, h('summary', {}, t('批量导入')), form);
}

function importErrors(error) {
  const rows = error.code === 'key_points_invalid' && Array.isArray(error.detail?.details) ? error.detail.details : null;
  if (!rows) return [h('p', { class: 'error', role: 'alert' }, errorText(error))];
  // The server writes each reason as "中文 · English".
  const message = (e) => {
    const parts = String(e).split(' · ');
    return parts.length === 2 ? parts[lang === 'en' ? 1 : 0] : String(e);
  };
  return [
    h('p', { class: 'error', role: 'alert' }, `${t('导入失败，未保存任何点位')}${t('：')}${rows.length} ${t('行有错误')}`),
    h('table', { class: 'by-bureau import-errors', id: 'import-errors' },
      h('thead', {}, h('tr', {}, ...['行', '点位名称', '错误'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...rows.map((row) => h('tr', {},
        h('th', { scope: 'row' }, String(row.row)), h('td', {}, row.name || '—'),
        h('td', {}, (row.errors || []).map(message).filter(Boolean).join(t('；')))))))];
}

function checklistBox(pointTypes, typeName) {
  const type = h('select', { id: 'checklist-type' }, h('option', { value: '' }, t('请选择')),
    ...pointTypes.map((p) => h('option', { value: p.code }, typeName(p.code))));
  const shown = h('div', { id: 'checklist', 'aria-live': 'polite' });
  type.addEventListener('change', async () => {
    if (!type.value) { shown.replaceChildren(); return; }
    try {
      const [list, categories] = await Promise.all([api(`/api/v1/checklists/${encodeURIComponent(type.value)}`),
        reference('categories', { refresh: false }).then((r) => r.value).catch(() => [])]);
      const category = (code) => {
        const found = categories.find((c) => c.code === code);
        return found ? (lang === 'en' ? found.name_en : found.name) : code;
      };
      shown.replaceChildren(h('p', { class: 'hint' }, `${t('版本')} ${list.version} · ${t('更新于')} ${formatTime(list.updated_at)}`),
        h('ol', { class: 'checklist' }, ...list.items.map((item) => h('li', {},
          lang === 'en' && item.text_en ? item.text_en : item.text,
          h('div', { class: 'meta' }, `${t('不合格时上报')}${t('：')}${category(item.category)} · ${item.code}`)))));
    } catch (error) {
      shown.replaceChildren(h('p', { class: error.status === 404 ? 'empty' : 'error' },
        error.status === 404 ? t('该类型尚无检查表') : errorText(error)));
    }
  });
  return h('details', { class: 'action', id: 'checklist-box' }, h('summary', {}, t('检查表')),
    h('label', { for: 'checklist-type' }, t('选择点位类型')), type, shown);
}
