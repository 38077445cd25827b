// Capture in a few taps: photos, where (GPS → cell, or the cell by hand), what (category), queue.
// Everything here works offline; the ticket is frozen and queued with its UUID the moment it is saved.
import { h, toast } from '../dom.js';
import { errorText, t, lang } from '../i18n.js';
import { reference, categoryUse, cellCategoryUse, countCategoryUse } from '../data.js';
import { pickerOrder, search } from '../categories.js';
import { countyDay, distanceM, fixErrorKey, locateCell, watchBestFix, POOR_ACCURACY_M } from '../geo.js';
import { preparePhoto } from '../photo.js';
import { enqueue } from '../outbox.js';
import { requestBackgroundSync } from '../sw-sync.js';

const MAX_PHOTOS = 9;
const PICKER_SIZE = 8;
const NEAR_KEY_POINT_M = 30;
let stopWatching = null;
window.addEventListener('hashchange', () => { stopWatching?.(); stopWatching = null; });

export async function render({ user, sync }) {
  stopWatching?.();
  const [categories, pointTypes, grid, me, keyPoints] = await Promise.all(
    ['categories', 'pointTypes', 'grid', 'me', 'keyPoints'].map((name) => reference(name, { refresh: false }).then((r) => r.value)
      .catch(() => null)));
  if (!categories || !grid) return h('p', { class: 'card error', role: 'alert' }, t('离线且无缓存数据，请联网后重新登录'));
  const active = categories.filter((c) => c.is_active);
  const myCells = (me || user).cells || [];
  const cellNames = Object.fromEntries(grid.features.map((f) => [f.properties.code, f.properties.name]));
  const state = { photos: [], fix: null, fixFinal: false, manualCell: '', category: null, busy: 0, keyPoint: null };
  const today = countyDay();
  const myCodes = new Set(myCells.map((cell) => cell.code));
  const myKeyPoints = (keyPoints || []).filter((p) => p.is_active !== false && myCodes.has(p.cell_code)
    && (!p.active_from || p.active_from <= today) && (!p.active_to || today <= p.active_to));

  // --- photos ---
  const thumbs = h('ul', { class: 'thumbs', 'aria-label': t('照片') });
  const photoInput = h('input', { id: 'photo-input', type: 'file', accept: 'image/*', capture: 'environment',
                                  multiple: true, class: 'visually-hidden' });
  const photoStatus = h('p', { class: 'hint', 'aria-live': 'polite' }, t('最多9张'));
  photoInput.addEventListener('change', async () => {
    if (!state.photos.length && !state.busy) locate();
    const files = [...photoInput.files].slice(0, MAX_PHOTOS - state.photos.length);
    photoInput.value = '';
    state.busy += files.length;
    updateSubmit();
    photoStatus.textContent = t('正在处理 {n} 张照片…', { n: files.length });
    for (const file of files) {
      try {
        const photo = await preparePhoto(file);
        state.photos.push({ ...photo, id: crypto.randomUUID(), url: URL.createObjectURL(new Blob([photo.bytes], { type: photo.type })) });
      } catch (error) {
        toast(errorText(error), { error: true });
      } finally {
        state.busy -= 1;
      }
    }
    photoStatus.textContent = `${state.photos.length}/${MAX_PHOTOS}`;
    drawThumbs();
    updateSubmit();
  });
  function drawThumbs() {
    thumbs.replaceChildren(...state.photos.map((photo, index) => h('li', {},
      h('img', { src: photo.url, alt: `${t('照片')} ${index + 1}` }),
      h('button', { type: 'button', class: 'remove', 'aria-label': `${t('删除照片')} ${index + 1}`,
                    onclick: () => { URL.revokeObjectURL(photo.url); state.photos.splice(index, 1); drawThumbs(); updateSubmit(); } }, '×'))));
  }

  // --- location ---
  const fixText = h('p', { id: 'fix', 'aria-live': 'polite' }, t('定位中'));
  const cellText = h('p', { id: 'cell' });
  const cellSelect = h('select', { id: 'manual-cell', onchange: () => { state.manualCell = cellSelect.value; showCell(); updateSubmit(); } },
    h('option', { value: '' }, t('按定位')),
    ...myCells.map((cell) => h('option', { value: cell.code }, `${cell.name} ${cell.code}`)));
  const manual = h('div', { class: 'field' }, h('label', { for: 'manual-cell' }, t('手动选择网格')), cellSelect);
  function gpsCell() {
    return state.fix ? locateCell(grid, state.fix.lon, state.fix.lat, countyDay()) : null;
  }
  function showCell() {
    showKeyPoint();
    const code = state.manualCell || gpsCell();
    orderFor(code);
    cellText.textContent = `${t('网格')}：${code ? `${cellNames[code] || ''} ${code}` : (state.fix ? t('不在网格内') : '—')}`
      + (state.manualCell ? `（${t('手动选择网格')}）` : '');
    const poor = !state.fix || state.fix.accuracy > POOR_ACCURACY_M;
    fixText.classList.toggle('warn', Boolean(state.fix) && poor);
    if (state.fix) {
      fixText.textContent = `±${Math.round(state.fix.accuracy)} m`
        + (state.fix.accuracy > POOR_ACCURACY_M ? ` — ${t('定位精度差')}` : '') + (state.fixFinal ? '' : ` · ${t('定位中')}`);
    }
  }
  // --- key point: a problem found at one of my key points counts for it (offered within 30 m) ---
  const keyPointBox = h('div', { id: 'key-point', class: 'suggest', 'aria-live': 'polite', hidden: true });
  function nearestKeyPoint() {
    if (!state.fix) return null;
    const near = myKeyPoints.map((point) => ({ point, away: distanceM(state.fix.lat, state.fix.lon, point.lat, point.lon) }))
      .filter(({ away }) => away <= NEAR_KEY_POINT_M).sort((a, b) => a.away - b.away);
    return near[0]?.point || null;
  }
  function showKeyPoint() {
    const linked = state.keyPoint;
    const offer = linked ? null : nearestKeyPoint();
    keyPointBox.hidden = !linked && !offer;
    if (linked) {
      keyPointBox.replaceChildren(h('span', {}, `${t('已关联点位')}：${linked.name}`), h('button', { type: 'button', onclick: () => {
        state.keyPoint = null;
        showKeyPoint();
      } }, t('取消关联')));
    } else if (offer) {
      keyPointBox.replaceChildren(h('span', {}, `${t('附近点位')}：${offer.name}`), h('button', { type: 'button', id: 'link-key-point', onclick: () => {
        state.keyPoint = offer;
        pointType.value = offer.point_type;
        showKeyPoint();
      } }, t('关联')));
    }
  }

  // Each ticket gets its own fix, taken where its first photo is taken: the watch restarts then (the
  // inspector may have walked on since the last ticket) and after every save.
  function locate() {
    stopWatching?.();
    state.fix = null;
    state.fixFinal = false;
    fixText.textContent = t('定位中');
    showCell();
    stopWatching = watchBestFix((fix, { final }) => {
      state.fix = fix;
      state.fixFinal = final;
      if (!fix && final) fixText.textContent = `${t('无法定位')} — ${t('手动选择网格')}`;
      showCell();
      updateSubmit();
    }, { onError: (error) => { fixText.textContent = `${t(fixErrorKey(error))} — ${t('手动选择网格')}`; } });
  }

  // --- category: what I report most, then what is reported most in this cell, then the county's usual ---
  const mine = await categoryUse();
  let cellUse = { code: null, counts: {} };
  let ordered = pickerOrder(active, { mine });
  function orderFor(code) {
    if (!code || code === cellUse.code || !myCodes.has(code)) return;
    cellUse = { code, counts: {} };
    cellCategoryUse(code).then((counts) => {
      if (cellUse.code !== code) return; // the inspector has moved on to another cell meanwhile
      cellUse.counts = counts;
      ordered = pickerOrder(active, { mine, cell: counts });
      drawCategories();
    });
  }
  orderFor(myCells[0]?.code); // most inspectors have one cell: order for it before the first fix
  const categoryList = h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': 'category-label' });
  const categorySearch = h('input', { id: 'category-search', type: 'search', placeholder: t('搜索类别'),
                                      autocomplete: 'off', oninput: () => drawCategories() });
  function drawCategories() {
    const query = categorySearch.value;
    const shown = query ? search(ordered, query) : ordered.slice(0, PICKER_SIZE);
    if (state.category && !shown.includes(state.category)) shown.unshift(state.category);
    categoryList.replaceChildren(...shown.map((category) => h('button', {
      type: 'button', role: 'radio', class: 'choice', 'aria-checked': String(state.category === category),
      onclick: () => { state.category = category; drawCategories(); updateSubmit(); },
    }, lang === 'en' ? category.name_en : category.name)));
  }
  drawCategories();

  // --- the rest ---
  const pointType = h('select', { id: 'point-type' }, h('option', { value: '' }, t('不选')),
    ...(pointTypes || []).map((p) => h('option', { value: p.code }, lang === 'en' ? p.name_en : p.name)));
  const note = h('textarea', { id: 'note', rows: 2, maxLength: 2000 });
  const submit = h('button', { type: 'submit', class: 'primary', disabled: true }, t('保存待发送'));
  const why = h('p', { class: 'hint', id: 'submit-why' });
  function updateSubmit() {
    const missing = [];
    if (!state.photos.length) missing.push(t('照片'));
    if (!state.category) missing.push(t('问题类别'));
    if (!state.fix && !state.manualCell) missing.push(t('位置'));
    submit.disabled = missing.length > 0 || state.busy > 0;
    why.textContent = missing.length ? `${t('还需')}${t('：')}${missing.join(t('、'))}` : '';
  }

  const form = h('form', { id: 'capture', class: 'card' },
    h('label', { class: 'camera' }, '📷 ', t('拍照'), photoInput), photoStatus, thumbs,
    h('fieldset', {}, h('legend', {}, t('位置')), fixText, cellText, keyPointBox, manual),
    h('div', { class: 'field' }, h('span', { id: 'category-label', class: 'label' }, t('问题类别')),
      h('label', { for: 'category-search', class: 'visually-hidden' }, t('搜索类别')), categorySearch, categoryList),
    h('div', { class: 'field' }, h('label', { for: 'point-type' }, t('点位类型')), pointType),
    h('div', { class: 'field' }, h('label', { for: 'note' }, t('备注')), note),
    submit, why);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    try {
      const id = crypto.randomUUID();
      const now = new Date().toISOString();
      const fix = state.fix || centroidFix(grid, state.manualCell);
      const cellCode = state.manualCell || null;
      const body = {
        category: state.category.code, lat: fix.lat, lon: fix.lon, accuracy_m: Math.round(fix.accuracy * 10) / 10,
        located_at: fix.at || now, captured_at: now, description: note.value.trim(),
        ...(pointType.value ? { point_type: pointType.value } : {}), ...(cellCode ? { cell_code: cellCode } : {}),
        ...(state.keyPoint ? { key_point_id: state.keyPoint.id, point_type: state.keyPoint.point_type } : {}),
        photos: state.photos.map((p) => ({ id: p.id, sha256: p.sha256, content_type: p.type, size: p.size,
                                           ...(p.exif ? { exif: p.exif } : {}) })),
      };
      const cell = cellCode || gpsCell();
      const what = lang === 'en' ? state.category.name_en : state.category.name;
      await enqueue({ id, kind: 'ticket', body, summary: { category: what, cell, cellName: cellNames[cell] || '' },
                      photos: state.photos.map((p) => ({ id: p.id, bytes: p.bytes, type: p.type, sha256: p.sha256 })) });
      await countCategoryUse(state.category.code);
      mine[state.category.code] = (mine[state.category.code] || 0) + 1;
      ordered = pickerOrder(active, { mine, cell: cellUse.counts });
      const saved = `${t('已保存待发送')}${t('：')}${what}${cellNames[cell] ? ` · ${cellNames[cell]}` : ''}`;
      navigator.storage?.persist?.();
      state.photos.forEach((p) => URL.revokeObjectURL(p.url));
      Object.assign(state, { photos: [], category: null, keyPoint: null });
      note.value = '';
      pointType.value = '';
      categorySearch.value = '';
      drawThumbs();
      drawCategories();
      photoStatus.textContent = t('最多9张');
      toast(saved);
      locate();
      requestBackgroundSync();
      sync();
    } catch (error) {
      toast(errorText(error), { error: true });
    } finally {
      updateSubmit();
    }
  });
  locate();
  return h('section', { class: 'capture' }, h('h2', {}, t('拍照上报')), form);
}

// No GPS at all but a cell chosen by hand: the cell's centre, with an honest accuracy.
function centroidFix(grid, code) {
  const feature = grid.features.find((f) => f.properties.code === code);
  const [lon, lat] = feature.properties.centroid;
  return { lat, lon, accuracy: Math.max(50, Math.sqrt(feature.properties.area_m2 || 0)), at: new Date().toISOString() };
}
