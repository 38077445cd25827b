// The form: photos (scaled on the phone like the inspector's), where (the phone's fix or a tap on the map),
// what (the county's public list), a description and an optional phone number. 提交 keeps the report on the
// phone first and then sends it, so a weak or absent network loses nothing.
import { h } from '../dom.js';
import { preparePhoto } from '../photo.js';
import { watchBestFix, POOR_ACCURACY_M } from '../geo.js';
import { MAX_DESCRIPTION, MAX_PHOTOS, problems, reportBody } from './logic.js';
import { keep } from './store.js';
import { drain } from './send.js';
import { lang, t } from './text.js';
import { categories, deviceId } from './public.js';
import { mine, lookup } from './mine.js';

// The report being written survives a language switch and a look at the status pages.
let draft = blank();

function blank() {
  return { photos: [], fix: null, category: null, description: '', phone: '' };
}

export function render(root) {
  const stops = [];
  const errors = h('ul', { class: 'problems', role: 'alert' });
  const thumbs = h('ul', { class: 'thumbs' });
  const photoNote = h('p', { class: 'hint', 'aria-live': 'polite' });
  const input = h('input', { type: 'file', id: 'report-photo', accept: 'image/*', multiple: true, class: 'visually-hidden',
                             onchange: () => addPhotos(input) });
  const where = h('p', { id: 'report-fix', class: 'fix', 'aria-live': 'polite' });
  const pickerBox = h('div', { class: 'picker', hidden: true });
  const pickButton = h('button', { type: 'button', class: 'secondary', onclick: () => togglePicker() }, t('在地图上选点'));
  const choices = h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': 'report-category-label' });
  const description = h('textarea', { id: 'report-description', maxlength: MAX_DESCRIPTION, rows: 3,
                                      oninput: () => { draft.description = description.value; count(); } });
  const counter = h('span', { class: 'counter' });
  const phone = h('input', { id: 'report-phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: 20,
                             oninput: () => { draft.phone = phone.value; } });
  description.value = draft.description;
  phone.value = draft.phone;
  const submit = h('button', { type: 'submit', class: 'primary' }, t('提交'));
  let picker = null; // the open map: { show(fix), close() }

  const count = () => { counter.textContent = `${description.value.length} / ${MAX_DESCRIPTION}`; };

  function drawPhotos() {
    thumbs.replaceChildren(...draft.photos.map((photo, n) => h('li', {},
      h('img', { src: photo.url, alt: `${t('照片')} ${n + 1}` }),
      h('button', { type: 'button', class: 'remove', 'aria-label': `${t('删除照片')} ${n + 1}`, onclick: () => {
        URL.revokeObjectURL(photo.url);
        draft.photos.splice(n, 1);
        drawPhotos();
      } }, '×'))));
    input.disabled = draft.photos.length >= MAX_PHOTOS;
  }

  async function addPhotos(field) {
    const files = [...field.files];
    field.value = '';
    const room = MAX_PHOTOS - draft.photos.length;
    photoNote.textContent = t('正在处理照片');
    for (const file of files.slice(0, room)) {
      try {
        const prepared = await preparePhoto(file);
        const url = URL.createObjectURL(new Blob([prepared.bytes], { type: prepared.type }));
        draft.photos.push({ id: crypto.randomUUID(), ...prepared, url });
        drawPhotos();
      } catch (error) {
        console.warn('photo not usable', error);
        photoNote.textContent = t('无法读取该照片');
        return;
      }
    }
    photoNote.textContent = files.length > room ? t('最多 4 张照片') : '';
  }

  function showFix(failed = false) {
    const fix = draft.fix;
    where.classList.toggle('warn', Boolean(fix && fix.source === 'gps' && fix.accuracy > POOR_ACCURACY_M));
    if (!fix) where.textContent = failed ? t('无法定位') : t('定位中');
    else if (fix.source === 'map') where.textContent = t('地图选点（±{m} 米）', { m: Math.round(fix.accuracy) });
    else if (fix.accuracy > POOR_ACCURACY_M) where.textContent = `${t('手机定位（±{m} 米）', { m: Math.round(fix.accuracy) })} · ${t('定位不准，请在地图上选点')}`;
    else where.textContent = t('手机定位（±{m} 米）', { m: Math.round(fix.accuracy) });
  }

  function locate() {
    stops.splice(0).forEach((stop) => stop());
    if (!navigator.geolocation) { showFix(true); return; }
    if (draft.fix?.source !== 'map') draft.fix = null;
    showFix();
    stops.push(watchBestFix((fix, { final }) => {
      if (fix && draft.fix?.source !== 'map') {
        draft.fix = { ...fix, source: 'gps' };
        picker?.show(draft.fix);
      }
      if (draft.fix?.source !== 'map') showFix(final && !fix);
    }, { timeoutMs: 20000, onError: () => { if (!draft.fix) showFix(true); } }));
  }

  async function togglePicker() {
    if (picker) {
      picker.close();
      picker = null;
      pickerBox.hidden = true;
      pickButton.textContent = t('在地图上选点');
      return;
    }
    pickerBox.hidden = false;
    pickButton.textContent = t('收起地图');
    try {
      const { openPicker } = await import('./picker.js'); // Leaflet only when the map is opened
      picker = await openPicker(pickerBox, { at: draft.fix, onPick: (fix) => {
        stops.splice(0).forEach((stop) => stop()); // a place chosen by hand outranks the phone's guess
        draft.fix = fix;
        showFix();
      } });
    } catch (error) { // offline before the map was ever opened: its code is not on the phone
      console.warn('map not loaded', error);
      pickerBox.replaceChildren(h('p', { class: 'warn' }, t('地图暂不可用，请用手机定位')));
    }
  }

  async function send(event) {
    event.preventDefault();
    const found = problems(draft);
    errors.replaceChildren(...found.map((key) => h('li', {}, t(key))));
    if (found.length) { errors.scrollIntoView({ block: 'center' }); return; }
    submit.disabled = true;
    const id = crypto.randomUUID();
    const chosen = (await categories()).list.find((c) => c.code === draft.category);
    try {
      await keep({ id, state: 'queued', queuedAt: new Date().toISOString(), attempts: 0, nextAt: 0,
                   body: reportBody({ ...draft, deviceId: deviceId() }), photosLeft: draft.photos.map((p) => p.id),
                   categoryName: chosen ? [chosen.name, chosen.name_en] : null },
                 draft.photos.map((p) => ({ id: p.id, reportId: id, type: p.type, bytes: p.bytes })));
    } catch (error) {
      console.error('report not kept', error); // the phone's storage is full or refused: nothing is lost yet
      errors.replaceChildren(h('li', {}, t('手机存储空间不足，无法保存')));
      submit.disabled = false;
      return;
    }
    draft.photos.forEach((p) => URL.revokeObjectURL(p.url));
    draft = blank();
    location.hash = `#/sent/${id}`;
    drain({ force: true });
  }

  categories().then(({ list, error }) => {
    if (error && !list.length) {
      choices.replaceChildren(h('p', { class: 'error' }, error));
      return;
    }
    choices.replaceChildren(...list.map((c) => {
      const radio = h('input', { type: 'radio', name: 'category', value: c.code, checked: draft.category === c.code,
                                 onchange: () => { draft.category = c.code; } });
      return h('label', { class: 'choice' }, radio, lang === 'en' ? c.name_en : c.name);
    }));
  });

  drawPhotos();
  count();
  if (draft.fix?.source === 'map') showFix(); else locate();

  root.append(
    h('p', { class: 'lead' }, t('看到不文明现象？拍下来告诉我们，我们交给责任单位处理。')),
    h('form', { class: 'report-form', novalidate: true, onsubmit: send },
      h('h2', {}, t('照片')),
      h('label', { class: 'camera', for: 'report-photo' }, t('拍照或选照片（1–4 张）'), input),
      thumbs, photoNote,
      h('h2', {}, t('位置')), where,
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: locate }, t('用我的位置')), pickButton),
      pickerBox,
      h('h2', { id: 'report-category-label' }, t('问题类型')), choices,
      h('label', { for: 'report-description' }, t('问题描述'), h('span', { class: 'hint' }, ` ${t('选填，最多 500 字')}`)),
      description, counter,
      h('label', { for: 'report-phone' }, t('联系电话'), h('span', { class: 'hint' }, ` ${t('选填，只有工作人员能看到，用于回复您')}`)),
      phone,
      errors, submit),
    mine(), lookup());
  return () => {
    stops.splice(0).forEach((stop) => stop());
    picker?.close();
  };
}
